// A small ELF64 reader: header, section headers with names, and the symbol table. Enough to inspect a BPF object
// (`readelf -h -S` territory) without any native tool on the user's machine. Works for either byte order
// (bpfel and bpfeb objects); refuses anything that is not a well-formed ELF64 with a message saying what is wrong.

export interface ElfHeader {
  /** The 16 bytes of e_ident. */
  ident: Uint8Array;
  class: 'ELF64';
  littleEndian: boolean;
  identVersion: number;
  osAbi: number;
  abiVersion: number;
  type: number;
  machine: number;
  version: number;
  entry: bigint;
  phoff: bigint;
  shoff: bigint;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  /** STB_*: 0 local, 1 global, 2 weak. */
  bind: number;
  /** STT_*: 0 notype, 1 object, 2 func, 3 section, 4 file. */
  type: number;
  /** Index of the section the symbol is defined in (0 = undefined). */
  shndx: number;
}

export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
export const SHF = { WRITE: 0x1n, ALLOC: 0x2n, EXECINSTR: 0x4n } as const;
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
export const EM_BPF = 247;

export class ElfFormatError extends Error {
  override readonly name = 'ElfFormatError';
}

export class ElfFile {
  readonly header: ElfHeader;
  readonly sections: ElfSection[];
  readonly symbols: ElfSymbol[];
  private readonly view: DataView;
  private byName: Map<string, ElfSection> | undefined;
  private bySection: Map<number, ElfSymbol[]> | undefined;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.header = this.readHeader();
    this.sections = this.readSections();
    this.symbols = this.readSymbols();
  }

  get littleEndian(): boolean {
    return this.header.littleEndian;
  }

  /** The first section of that name (a map built once: a crafted object may hold 65,535 sections). */
  section(name: string): ElfSection | undefined {
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.sections) if (!this.byName.has(s.name)) this.byName.set(s.name, s);
    }
    return this.byName.get(name);
  }

  /** The symbols defined in section `index`, grouped once (not a scan of every symbol per section). */
  symbolsIn(index: number): ElfSymbol[] {
    if (!this.bySection) {
      this.bySection = new Map();
      for (const sym of this.symbols) {
        const list = this.bySection.get(sym.shndx);
        if (list) list.push(sym);
        else this.bySection.set(sym.shndx, [sym]);
      }
    }
    return this.bySection.get(index) ?? [];
  }

  /** The bytes of a section as a view into the file (empty for NOBITS). */
  sectionData(sec: ElfSection): Uint8Array {
    if (sec.type === SHT.NOBITS) return new Uint8Array(0);
    return this.bytes.subarray(sec.offset, sec.offset + sec.size);
  }

  private readHeader(): ElfHeader {
    const b = this.bytes;
    if (b.length < 16 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
      throw new ElfFormatError('not an ELF file (no \\x7fELF magic)');
    }
    if (b[4] !== 2) throw new ElfFormatError(`not an ELF64 object (class ${b[4] === 1 ? 'ELF32' : b[4]}); BPF objects are ELF64`);
    if (b[5] !== 1 && b[5] !== 2) throw new ElfFormatError(`unknown ELF data encoding ${b[5]}`);
    if (b.length < 64) throw new ElfFormatError(`truncated ELF header (${b.length} bytes, need 64)`);
    const le = b[5] === 1;
    const v = this.view;
    const h: ElfHeader = {
      ident: b.slice(0, 16),
      class: 'ELF64',
      littleEndian: le,
      identVersion: b[6],
      osAbi: b[7],
      abiVersion: b[8],
      type: v.getUint16(16, le),
      machine: v.getUint16(18, le),
      version: v.getUint32(20, le),
      entry: v.getBigUint64(24, le),
      phoff: v.getBigUint64(32, le),
      shoff: v.getBigUint64(40, le),
      flags: v.getUint32(48, le),
      ehsize: v.getUint16(52, le),
      phentsize: v.getUint16(54, le),
      phnum: v.getUint16(56, le),
      shentsize: v.getUint16(58, le),
      shnum: v.getUint16(60, le),
      shstrndx: v.getUint16(62, le),
    };
    if (h.shnum > 0 && h.shentsize !== 64) throw new ElfFormatError(`unexpected section header size ${h.shentsize} (ELF64 uses 64)`);
    return h;
  }

  private readSections(): ElfSection[] {
    const h = this.header;
    const le = h.littleEndian;
    const v = this.view;
    const shoff = Number(h.shoff);
    if (h.shnum === 0) return [];
    if (shoff + h.shnum * 64 > this.bytes.length) throw new ElfFormatError('section header table runs past the end of the file');
    const raw: (Omit<ElfSection, 'name'> & { nameOff: number })[] = [];
    for (let i = 0; i < h.shnum; i++) {
      const o = shoff + i * 64;
      const sec = {
        index: i,
        nameOff: v.getUint32(o, le),
        type: v.getUint32(o + 4, le),
        flags: v.getBigUint64(o + 8, le),
        addr: v.getBigUint64(o + 16, le),
        offset: Number(v.getBigUint64(o + 24, le)),
        size: Number(v.getBigUint64(o + 32, le)),
        link: v.getUint32(o + 40, le),
        info: v.getUint32(o + 44, le),
        addralign: Number(v.getBigUint64(o + 48, le)),
        entsize: Number(v.getBigUint64(o + 56, le)),
      };
      if (sec.type !== SHT.NOBITS && sec.type !== SHT.NULL && sec.offset + sec.size > this.bytes.length) {
        throw new ElfFormatError(`section ${i} runs past the end of the file`);
      }
      raw.push(sec);
    }
    const strtab = raw[h.shstrndx];
    if (!strtab) throw new ElfFormatError(`section name table index ${h.shstrndx} is out of range`);
    const names = new StringTable(this.bytes.subarray(strtab.offset, strtab.offset + strtab.size));
    return raw.map(({ nameOff, ...s }) => ({ ...s, name: names.at(nameOff) }));
  }

  private readSymbols(): ElfSymbol[] {
    // The first SYMTAB only (an ELF file has one; a crafted one with thousands would otherwise multiply the work).
    const symtab = this.sections.find((s) => s.type === SHT.SYMTAB);
    if (!symtab) return [];
    const strtab = this.sections[symtab.link];
    if (!strtab) throw new ElfFormatError('symbol table names a missing string table');
    const names = new StringTable(this.sectionData(strtab));
    const le = this.header.littleEndian;
    const v = this.view;
    const out: ElfSymbol[] = [];
    for (let o = symtab.offset; o + 24 <= symtab.offset + symtab.size; o += 24) {
      const info = v.getUint8(o + 4);
      out.push({
        name: names.at(v.getUint32(o, le)),
        bind: info >> 4,
        type: info & 0xf,
        shndx: v.getUint16(o + 6, le),
        value: v.getBigUint64(o + 8, le),
        size: v.getBigUint64(o + 16, le),
      });
    }
    return out;
  }
}

/** Longest name kept whole; longer ones end in '…'. Real BPF section and symbol names are far shorter. */
export const MAX_NAME = 256;
const utf8 = new TextDecoder();

/**
 * NUL-terminated strings of an ELF/BTF string table, read in time linear in the table whatever the offsets: where
 * each string ends is found in one backward pass (a crafted table of one huge name with thousands of symbols
 * pointing into it made a scan per lookup quadratic), each offset is decoded once, and names are cut to MAX_NAME.
 */
export class StringTable {
  private ends: Int32Array | undefined;
  private readonly cache = new Map<number, string>();

  constructor(private readonly table: Uint8Array) {}

  at(off: number): string {
    const t = this.table;
    if (off >= t.length) return '';
    const hit = this.cache.get(off);
    if (hit !== undefined) return hit;
    if (!this.ends) {
      this.ends = new Int32Array(t.length + 1);
      this.ends[t.length] = t.length;
      for (let i = t.length - 1; i >= 0; i--) this.ends[i] = t[i] === 0 ? i : this.ends[i + 1];
    }
    const end = this.ends[off];
    const name = end - off > MAX_NAME ? `${utf8.decode(t.subarray(off, off + MAX_NAME))}…` : utf8.decode(t.subarray(off, end));
    this.cache.set(off, name);
    return name;
  }
}

/** A NUL-terminated string at `off` in a string table (one lookup; use StringTable for many). */
export function cString(table: Uint8Array, off: number): string {
  return new StringTable(table).at(off);
}
