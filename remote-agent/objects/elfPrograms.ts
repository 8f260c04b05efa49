// Reads which program (global function symbol) lives in which ELF section of a BPF object, e.g.
// xdp_drop_icmp -> "xdp", tp_net_dev_queue -> "tracepoint/net/net_dev_queue". bpftool does not report sections
// after loading, and `ip link set ... xdp object O sec S` needs them. Only what this needs of ELF64 little-endian.
//
// The object comes from the client, so it may be crafted: every offset is checked against the file, only the first
// symbol table is read, each section name is read once (not once per symbol: a 1 MB object whose thousands of
// symbols all sat in a section with a huge name exhausted the heap), and a name without a NUL within MAX_NAME
// bytes is an error. Time and memory are linear in the file.
export interface ElfProgram {
  name: string;
  section: string;
}

const SHT_SYMTAB = 2;
const STT_FUNC = 2;
const STB_GLOBAL = 1;
const SHF_EXECINSTR = 0x4;
const SYM_SIZE = 24;
/** Longest symbol or section name accepted (KSYM_NAME_LEN is 512; BPF names are far shorter). */
export const MAX_NAME = 512;

export function elfPrograms(buf: Buffer): ElfProgram[] {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('only 64-bit little-endian ELF objects are supported');
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  if (shnum === 0) return [];
  if (shentsize !== 64) throw new Error(`section header size ${shentsize} (ELF64 uses 64)`);
  if (shoff + shnum * 64 > buf.length) throw new Error('the section header table runs past the end of the file');
  const sections = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * 64;
    return {
      name: buf.readUInt32LE(o),
      type: buf.readUInt32LE(o + 4),
      flags: Number(buf.readBigUInt64LE(o + 8)),
      offset: Number(buf.readBigUInt64LE(o + 0x18)),
      size: Number(buf.readBigUInt64LE(o + 0x20)),
      link: buf.readUInt32LE(o + 0x28),
    };
  });
  const within = (s: { offset: number; size: number }, what: string) => {
    if (s.offset + s.size > buf.length) throw new Error(`${what} runs past the end of the file`);
  };
  /** The NUL-terminated string at `off` of a string table section, at most MAX_NAME bytes. */
  const cstr = (table: { offset: number; size: number }, off: number, what: string) => {
    if (off >= table.size) throw new Error(`${what}: name offset ${off} is outside its string table`);
    const start = table.offset + off;
    const end = buf.subarray(start, Math.min(start + MAX_NAME + 1, table.offset + table.size)).indexOf(0);
    if (end < 0) throw new Error(`${what}: a name longer than ${MAX_NAME} bytes (or without its NUL)`);
    return buf.toString('latin1', start, start + end);
  };
  const shstr = sections[shstrndx];
  if (!shstr) throw new Error(`section name table index ${shstrndx} is out of range`);
  within(shstr, 'the section name table');
  const secNames = new Map<number, string>();
  const secName = (i: number) => {
    let n = secNames.get(i);
    if (n === undefined) secNames.set(i, (n = cstr(shstr, sections[i].name, `section ${i}`)));
    return n;
  };

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) return [];
  within(symtab, 'the symbol table');
  const strtab = sections[symtab.link];
  if (!strtab) throw new Error(`the symbol table names a missing string table (${symtab.link})`);
  within(strtab, 'the symbol string table');
  const out: ElfProgram[] = [];
  for (let o = symtab.offset; o + SYM_SIZE <= symtab.offset + symtab.size; o += SYM_SIZE) {
    const info = buf[o + 4];
    const shndx = buf.readUInt16LE(o + 6);
    if ((info & 0xf) !== STT_FUNC || info >> 4 !== STB_GLOBAL || shndx === 0 || shndx >= shnum) continue;
    if (!(sections[shndx].flags & SHF_EXECINSTR)) continue;
    const section = secName(shndx);
    if (section === '.text') continue; // subprograms, not entry points
    out.push({ name: cstr(strtab, buf.readUInt32LE(o), `symbol at ${o}`), section });
  }
  return out;
}
