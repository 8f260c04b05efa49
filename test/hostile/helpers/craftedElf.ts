// Crafted ELF64 objects for the hostile tests: each is a well-formed ELF header with contents built to stretch a
// reader (a huge section name shared by thousands of symbols, names without their NUL, thousands of symbol
// tables, offsets past the end, BTF loops and products). Built here, byte by byte, so nothing binary is checked in.

export interface CraftSection {
  type: number;
  flags?: number;
  /** Offset of the name in the section name table (default: a name of its own, `.sN`). */
  nameOff?: number;
  data?: Buffer;
  link?: number;
  entsize?: number;
  /** Override the offset/size written into the header (to point past the end, or at another section's bytes). */
  offset?: number;
  size?: number;
}

const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3 };
const SHF_ALLOC = 0x2;
const SHF_EXECINSTR = 0x4;
const EM_BPF = 247;

/** An ELF64 little-endian relocatable for the BPF machine; section 0 (NULL) and the name table are added. */
export function buildElf(sections: CraftSection[], shstrtab?: Buffer): Buffer {
  const names: Buffer[] = [Buffer.from('\0.shstrtab\0')];
  let namesLen = names[0].length;
  const nameOffs = sections.map((s, i) => {
    if (s.nameOff !== undefined) return s.nameOff;
    const n = Buffer.from(`.s${i + 1}\0`);
    names.push(n);
    namesLen += n.length;
    return namesLen - n.length;
  });
  const strtab = shstrtab ?? Buffer.concat(names);
  const all: CraftSection[] = [{ type: SHT.NULL }, ...sections, { type: SHT.STRTAB, data: strtab, nameOff: 1 }];
  const offs: number[] = [];
  let at = 64;
  const blobs: Buffer[] = [];
  for (const s of all) {
    offs.push(at);
    const d = s.data ?? Buffer.alloc(0);
    blobs.push(d);
    at += d.length;
  }
  const pad = (8 - (at % 8)) % 8;
  const shoff = at + pad;
  const headers = Buffer.alloc(all.length * 64);
  all.forEach((s, i) => {
    const o = i * 64;
    headers.writeUInt32LE(i === 0 ? 0 : i === all.length - 1 ? 1 : nameOffs[i - 1], o);
    headers.writeUInt32LE(s.type, o + 4);
    headers.writeBigUInt64LE(BigInt(s.flags ?? 0), o + 8);
    headers.writeBigUInt64LE(BigInt(s.offset ?? (i === 0 ? 0 : offs[i])), o + 0x18);
    headers.writeBigUInt64LE(BigInt(s.size ?? s.data?.length ?? 0), o + 0x20);
    headers.writeUInt32LE(s.link ?? 0, o + 0x28);
    headers.writeBigUInt64LE(BigInt(s.entsize ?? 0), o + 0x38);
  });
  const h = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(h, 0);
  h.writeUInt16LE(1, 16); // ET_REL
  h.writeUInt16LE(EM_BPF, 18);
  h.writeUInt32LE(1, 20);
  h.writeBigUInt64LE(BigInt(shoff), 0x28);
  h.writeUInt16LE(64, 52);
  h.writeUInt16LE(64, 0x3a);
  h.writeUInt16LE(all.length, 0x3c);
  h.writeUInt16LE(all.length - 1, 0x3e);
  return Buffer.concat([h, ...blobs, Buffer.alloc(pad), headers]);
}

/** `count` global FUNC symbols in section `shndx`, names at `nameOff(i)` of the string table. */
function symbols(count: number, shndx: number, nameOff: (i: number) => number): Buffer {
  const b = Buffer.alloc((count + 1) * 24);
  for (let i = 1; i <= count; i++) {
    const o = i * 24;
    b.writeUInt32LE(nameOff(i), o);
    b[o + 4] = (1 << 4) | 2; // STB_GLOBAL, STT_FUNC
    b.writeUInt16LE(shndx, o + 6);
  }
  return b;
}

/** The object of the crash: ~1 MB, one code section with a name of `nameBytes`, `count` symbols in it. */
export function hugeSectionName(nameBytes = 900_000, count = 4000): Buffer {
  const shstr = Buffer.concat([Buffer.from('\0.shstrtab\0'), Buffer.alloc(nameBytes, 0x41), Buffer.from('\0.strtab\0.symtab\0')]);
  const hugeOff = 11;
  const strtabName = 11 + nameBytes + 1;
  const symtabName = strtabName + 8;
  const strtab = Buffer.concat([Buffer.from('\0'), ...Array.from({ length: count }, (_, i) => Buffer.from(`f${i}\0`))]);
  let off = 1;
  const offsets = [0];
  for (let i = 0; i < count; i++) {
    offsets.push(off);
    off += `f${i}`.length + 1;
  }
  return buildElf(
    [
      { type: SHT.PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, nameOff: hugeOff, data: Buffer.alloc(8 * 16) },
      { type: SHT.STRTAB, nameOff: strtabName, data: strtab },
      { type: SHT.SYMTAB, nameOff: symtabName, data: symbols(count, 1, (i) => offsets[i]), link: 2, entsize: 24 },
    ],
    shstr,
  );
}

/** Thousands of symbols whose names all point into one long run of bytes without a NUL. */
export function namesWithoutNul(runBytes = 600_000, count = 8000): Buffer {
  const strtab = Buffer.concat([Buffer.from('\0'), Buffer.alloc(runBytes, 0x42)]);
  return buildElf([
    { type: SHT.PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(64) },
    { type: SHT.STRTAB, data: strtab },
    { type: SHT.SYMTAB, data: symbols(count, 1, (i) => 1 + ((i * 61) % runBytes)), link: 2, entsize: 24 },
  ]);
}

/** Thousands of SYMTAB sections all pointing at one symbol table of thousands of entries. */
export function manySymbolTables(tables = 12_000, count = 2000): Buffer {
  const strtab = Buffer.from('\0f\0');
  const symtab = symbols(count, 1, () => 1);
  const base = buildElf([
    { type: SHT.PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(64) },
    { type: SHT.STRTAB, data: strtab },
    { type: SHT.SYMTAB, data: symtab, link: 2, entsize: 24 },
  ]);
  // the same header repeated: every copy names the same bytes
  const symHeaderAt = Number(base.readBigUInt64LE(0x28)) + 3 * 64;
  const symHeader = base.subarray(symHeaderAt, symHeaderAt + 64);
  const extra = Buffer.concat(Array.from({ length: tables }, () => symHeader));
  const shoff = Number(base.readBigUInt64LE(0x28));
  const headers = base.subarray(shoff);
  const out = Buffer.concat([
    base.subarray(0, shoff),
    headers.subarray(0, headers.length - 64),
    extra,
    headers.subarray(headers.length - 64),
  ]);
  const shnum = base.readUInt16LE(0x3c) + tables;
  out.writeUInt16LE(Math.min(shnum, 0xffff), 0x3c);
  out.writeUInt16LE(Math.min(shnum, 0xffff) - 1, 0x3e);
  return out;
}

/** Section and symbol offsets far past the end of the file. */
export function offsetsPastEnd(): Buffer {
  return buildElf([
    { type: SHT.PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(8), offset: 2 ** 40, size: 2 ** 40 },
    { type: SHT.STRTAB, data: Buffer.from('\0x\0'), size: 2 ** 33 },
    { type: SHT.SYMTAB, data: symbols(4, 1, () => 2 ** 31), link: 2, entsize: 24 },
  ]);
}

/** A header claiming 65,535 sections at an offset near 2^63. */
export function headerLies(): Buffer {
  const b = buildElf([{ type: SHT.PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, data: Buffer.alloc(8) }]);
  b.writeBigUInt64LE(2n ** 63n - 1n, 0x28);
  b.writeUInt16LE(0xffff, 0x3c);
  return b;
}

function btfSection(types: Buffer, strings: Buffer): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt16LE(0xeb9f, 0);
  h[2] = 1;
  h.writeUInt32LE(24, 4);
  h.writeUInt32LE(0, 8);
  h.writeUInt32LE(types.length, 12);
  h.writeUInt32LE(types.length, 16);
  h.writeUInt32LE(strings.length, 20);
  return Buffer.concat([h, types, strings]);
}

function btfType(nameOff: number, kind: number, vlen: number, sizeOrType: number, kindFlag = false): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(nameOff, 0);
  b.writeUInt32LE(((kindFlag ? 1 : 0) << 31) | (kind << 24) | vlen, 4);
  b.writeUInt32LE(sizeOrType, 8);
  return b;
}

/**
 * A .BTF whose `.maps` DATASEC holds `vars` variables of one struct with `members` members, an array that
 * contains itself, and a .data DATASEC of `vars` variables each as large as .data.
 */
export function btfProducts(vars = 20_000, members = 20_000): Buffer {
  const strings = Buffer.from('\0.maps\0m\0.data\0type\0');
  const MAPS = 1,
    M = 7,
    DATA = 9;
  const parts: Buffer[] = [];
  // 1: int
  parts.push(btfType(0, 1, 0, 4), Buffer.from([32, 0, 0, 0]));
  // 2: struct with `members` members of type 1
  parts.push(btfType(M, 4, members, 4));
  const mem = Buffer.alloc(12 * members);
  for (let i = 0; i < members; i++) {
    mem.writeUInt32LE(M, i * 12);
    mem.writeUInt32LE(1, i * 12 + 4);
  }
  parts.push(mem);
  // 3: VAR of type 2; 4: array of itself
  parts.push(btfType(M, 14, 0, 2), Buffer.from([1, 0, 0, 0]));
  parts.push(btfType(0, 3, 0, 0), Buffer.from([4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]));
  // 5: VAR of type 4 (the self-containing array)
  parts.push(btfType(M, 14, 0, 4), Buffer.from([1, 0, 0, 0]));
  // 6: .maps DATASEC: `vars` x var 3
  parts.push(btfType(MAPS, 15, vars, 0));
  const si = Buffer.alloc(12 * vars);
  for (let i = 0; i < vars; i++) {
    si.writeUInt32LE(3, i * 12);
    si.writeUInt32LE(0, i * 12 + 4);
    si.writeUInt32LE(4, i * 12 + 8);
  }
  parts.push(si);
  // 7: .data DATASEC: var 5 with size 0 (so its size is computed, through the loop), then `vars` x var 3, each
  // the size of .data
  parts.push(btfType(DATA, 15, vars + 1, 4096));
  const sd = Buffer.alloc(12 * (vars + 1));
  sd.writeUInt32LE(5, 0);
  for (let i = 1; i <= vars; i++) {
    sd.writeUInt32LE(3, i * 12);
    sd.writeUInt32LE(0, i * 12 + 4);
    sd.writeUInt32LE(4096, i * 12 + 8);
  }
  parts.push(sd);
  const shstr = Buffer.from('\0.shstrtab\0.BTF\0.data\0xdp\0.maps\0');
  return buildElf(
    [
      { type: SHT.PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, nameOff: 22, data: Buffer.alloc(16) },
      { type: SHT.PROGBITS, nameOff: 11, data: btfSection(Buffer.concat(parts), strings) },
      { type: SHT.PROGBITS, flags: SHF_ALLOC | 0x1, nameOff: 16, data: Buffer.alloc(4096, 1) },
      { type: SHT.PROGBITS, flags: SHF_ALLOC | 0x1, nameOff: 26, data: Buffer.alloc(16) },
    ],
    shstr,
  );
}

/** Every crafted object, by name (for loops in tests and the bench). */
export function craftedObjects(): Record<string, Buffer> {
  return {
    hugeSectionName: hugeSectionName(),
    namesWithoutNul: namesWithoutNul(),
    manySymbolTables: manySymbolTables(),
    offsetsPastEnd: offsetsPastEnd(),
    headerLies: headerLies(),
    btfProducts: btfProducts(),
    truncated: hugeSectionName(1000, 10).subarray(0, 200),
    notElf: Buffer.alloc(4096, 0x7f),
  };
}
