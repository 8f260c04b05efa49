// Reads which program (global function symbol) lives in which ELF section of a BPF object, e.g.
// xdp_drop_icmp -> "xdp", tp_net_dev_queue -> "tracepoint/net/net_dev_queue". bpftool does not report sections
// after loading, and `ip link set ... xdp object O sec S` needs them. Only what this needs of ELF64 little-endian.
export interface ElfProgram { name: string; section: string }

const SHT_SYMTAB = 2;
const STT_FUNC = 2;
const STB_GLOBAL = 1;
const SHF_EXECINSTR = 0x4;

export function elfPrograms(buf: Buffer): ElfProgram[] {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error('only 64-bit little-endian ELF objects are supported');
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  const sections = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return {
      name: buf.readUInt32LE(o), type: buf.readUInt32LE(o + 4), flags: Number(buf.readBigUInt64LE(o + 8)),
      offset: Number(buf.readBigUInt64LE(o + 0x18)), size: Number(buf.readBigUInt64LE(o + 0x20)),
      link: buf.readUInt32LE(o + 0x28), entsize: Number(buf.readBigUInt64LE(o + 0x38)),
    };
  });
  const cstr = (off: number) => buf.toString('latin1', off, buf.indexOf(0, off));
  const shstr = sections[shstrndx];
  const secName = (i: number) => cstr(shstr.offset + sections[i].name);

  const out: ElfProgram[] = [];
  for (const s of sections) {
    if (s.type !== SHT_SYMTAB) continue;
    const strtab = sections[s.link];
    for (let o = s.offset; o + 24 <= s.offset + s.size; o += s.entsize || 24) {
      const info = buf[o + 4];
      const shndx = buf.readUInt16LE(o + 6);
      if ((info & 0xf) !== STT_FUNC || info >> 4 !== STB_GLOBAL || shndx === 0 || shndx >= shnum) continue;
      if (!(sections[shndx].flags & SHF_EXECINSTR)) continue;
      const section = secName(shndx);
      if (section === '.text') continue; // subprograms, not entry points
      out.push({ name: cstr(strtab.offset + buf.readUInt32LE(o)), section });
    }
  }
  return out;
}
