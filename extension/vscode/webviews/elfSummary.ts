// Turns extension/core/elf's reading of an object into what the ELF inspector shows: the header in `readelf -h`
// words and order, and the rest with bigints made printable. Free of 'vscode' so the Chromium test posts exactly
// what the host posts.
import type { BpfObjectInfo } from '../../core/elf/bpfObject';
import type { ElfSummary } from '../../../protocol/webview';

const hex = (n: number | bigint) => `0x${n.toString(16)}`;

export function readelfHeader(info: BpfObjectInfo): { label: string; value: string }[] {
  const h = info.header;
  const t = info.headerText;
  return [
    { label: 'Magic', value: [...h.ident].map((b) => b.toString(16).padStart(2, '0')).join(' ') },
    { label: 'Class', value: t.class },
    { label: 'Data', value: t.data },
    { label: 'Version', value: `${h.identVersion}${h.identVersion === 1 ? ' (current)' : ''}` },
    { label: 'OS/ABI', value: t.osAbi },
    { label: 'ABI Version', value: String(h.abiVersion) },
    { label: 'Type', value: t.type },
    { label: 'Machine', value: t.machine },
    { label: 'Version', value: hex(h.version) },
    { label: 'Entry point address', value: hex(h.entry) },
    { label: 'Start of program headers', value: `${h.phoff} (bytes into file)` },
    { label: 'Start of section headers', value: `${h.shoff} (bytes into file)` },
    { label: 'Flags', value: hex(h.flags) },
    { label: 'Size of this header', value: `${h.ehsize} (bytes)` },
    { label: 'Size of program headers', value: `${h.phentsize} (bytes)` },
    { label: 'Number of program headers', value: String(h.phnum) },
    { label: 'Size of section headers', value: `${h.shentsize} (bytes)` },
    { label: 'Number of section headers', value: String(h.shnum) },
    { label: 'Section header string table index', value: String(h.shstrndx) },
  ];
}

export function elfSummary(file: string, size: number, info: BpfObjectInfo): ElfSummary {
  return {
    file,
    size,
    header: readelfHeader(info),
    sections: info.sections.map(({ index, name, type, flags, offset, size }) => ({ index, name, type, flags, offset, size })),
    programs: info.programs.map((p) => ({
      name: p.name,
      section: p.section,
      programType: p.programType,
      attachType: p.attachType,
      attachKind: p.attachKind,
      target: p.target,
      instructions: p.instructions,
    })),
    maps: info.maps.map((m) => ({ ...m })),
    license: info.license,
    btf: info.btf,
    btfExt: info.btfExt,
    warnings: [...info.warnings],
  };
}
