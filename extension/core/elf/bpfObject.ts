// What a compiled BPF object holds, read without libbpf: its programs (executable sections, with the program type
// libbpf would infer from the section name and the function names from the symbol table), its BTF-defined maps,
// its global variables (the `const volatile` knobs among them), license and BTF presence.
import { Btf, BtfKind } from './btf';
import { EM_BPF, ElfFile, type ElfHeader, type ElfSymbol, SHF, SHT, STB, STT } from './elfFile';
import { elfTypeName, machineName, osAbiName, sectionFlagLetters, sectionTypeName } from './elfNames';
import { sectionTarget, sectionType, type AttachKind } from './programTypes';
import { mapTypeName } from './mapTypes';

export interface ObjectSection {
  index: number;
  name: string;
  /** readelf's word for the type: PROGBITS, REL, SYMTAB, ... */
  type: string;
  flags: string;
  offset: number;
  size: number;
  entsize: number;
  link: number;
  info: number;
  align: number;
}

export interface ObjectProgram {
  /** The function name (what bpftool pins it as). */
  name: string;
  section: string;
  /** bpftool's program type name, when libbpf recognises the section. */
  programType?: string;
  attachType?: string;
  /** Which `ebpf-netdebug attach` kind fits. */
  attachKind?: AttachKind;
  /** Tracepoint-like sections: what they hook ("net/net_dev_queue"). */
  target?: string;
  /** Size in 8-byte BPF instructions. */
  instructions: number;
}

export interface ObjectMap {
  name: string;
  /** bpftool's map type name ("hash", "sockhash", ...), or "type N" when unknown. */
  type: string;
  keySize: number;
  valueSize: number;
  /** 0 when the object leaves it to the loader (a perf event array gets one slot per CPU). */
  maxEntries: number;
  flags: number;
  /** LIBBPF_PIN_BY_NAME = 1. */
  pinning?: number;
  keyType?: string;
  valueType?: string;
}

export interface ObjectGlobal {
  name: string;
  /** .rodata, .data, .bss, or a custom .rodata.x / .data.x. */
  section: string;
  offset: number;
  size: number;
  type: string;
  /** The variable's BTF type id in this object's .BTF. */
  typeId: number;
  /** `const volatile` knobs: in a read-only section, settable before load with setGlobals(). */
  readonly: boolean;
  /** The initial bytes (absent for .bss, which has none in the file). */
  initial?: Uint8Array;
}

export interface BpfObjectInfo {
  header: ElfHeader;
  /** Readable header fields the way `readelf -h` words them. */
  headerText: { class: string; data: string; osAbi: string; type: string; machine: string };
  isBpf: boolean;
  sections: ObjectSection[];
  programs: ObjectProgram[];
  maps: ObjectMap[];
  globals: ObjectGlobal[];
  license?: string;
  btf: boolean;
  btfExt: boolean;
  /** Things that could not be read (a broken .BTF etc.); the rest of the object is still described. */
  warnings: string[];
}

export class NotBpfObjectError extends Error {
  override readonly name = 'NotBpfObjectError';
}

export function readBpfObject(bytes: Uint8Array): BpfObjectInfo {
  const elf = new ElfFile(bytes);
  const h = elf.header;
  const warnings: string[] = [];
  let btf: Btf | undefined;
  const btfSec = elf.section('.BTF');
  if (btfSec) {
    try {
      btf = new Btf(elf.sectionData(btfSec), elf.littleEndian);
    } catch (e) {
      warnings.push(`.BTF could not be read: ${(e as Error).message}`);
    }
  }
  const licenseSec = elf.section('license');
  return {
    header: h,
    headerText: {
      class: 'ELF64',
      data: h.littleEndian ? "2's complement, little endian" : "2's complement, big endian",
      osAbi: osAbiName(h.osAbi),
      type: elfTypeName(h.type),
      machine: machineName(h.machine),
    },
    isBpf: h.machine === EM_BPF,
    sections: elf.sections.map((s) => ({
      index: s.index,
      name: s.name,
      type: sectionTypeName(s.type),
      flags: sectionFlagLetters(s.flags),
      offset: s.offset,
      size: s.size,
      entsize: s.entsize,
      link: s.link,
      info: s.info,
      align: s.addralign,
    })),
    programs: readPrograms(elf),
    maps: btf ? readMaps(elf, btf, warnings) : [],
    globals: btf ? readGlobals(elf, btf, warnings) : [],
    license: licenseSec ? new TextDecoder().decode(elf.sectionData(licenseSec)).replace(/\0[\s\S]*$/, '') : undefined,
    btf: btfSec !== undefined,
    btfExt: elf.section('.BTF.ext') !== undefined,
    warnings,
  };
}

/** Like readBpfObject, but refuses an ELF file that is not for the BPF machine. */
export function readBpfObjectStrict(bytes: Uint8Array): BpfObjectInfo {
  const info = readBpfObject(bytes);
  if (!info.isBpf) throw new NotBpfObjectError(`not a BPF object: Machine is ${info.headerText.machine}, expected Linux BPF`);
  return info;
}

function readPrograms(elf: ElfFile): ObjectProgram[] {
  const out: ObjectProgram[] = [];
  for (const sec of elf.sections) {
    // .text holds static sub-programs called by the others; libbpf does not load them as programs of their own.
    if (sec.type !== SHT.PROGBITS || !(sec.flags & SHF.EXECINSTR) || sec.name === '.text' || sec.size === 0) continue;
    const st = sectionType(sec.name);
    const funcs = elf.symbolsIn(sec.index).filter((s) => s.type === STT.FUNC && s.bind !== STB.LOCAL);
    const entries = funcs.length ? funcs.map((f) => ({ name: f.name, size: Number(f.size) })) : [{ name: sec.name, size: sec.size }];
    for (const f of entries) {
      out.push({
        name: f.name,
        section: sec.name,
        programType: st?.programType,
        attachType: st?.attachType,
        attachKind: st?.attachKind,
        target: sectionTarget(sec.name),
        instructions: Math.floor(f.size / 8),
      });
    }
  }
  return out;
}

const mapIntFields = ['type', 'max_entries', 'key_size', 'value_size', 'map_flags', 'pinning'] as const;

function readMaps(elf: ElfFile, btf: Btf, warnings: string[]): ObjectMap[] {
  const sec = btf.datasec('.maps');
  if (!sec) {
    if (elf.section('maps')) warnings.push('legacy "maps" section (struct bpf_map_def) is not described; use BTF-defined maps');
    return [];
  }
  const out: ObjectMap[] = [];
  // Map definitions are read once per struct type: a crafted .maps with thousands of variables of one struct of
  // thousands of members would otherwise cost their product.
  const defs = new Map<number, Omit<ObjectMap, 'name'> | Error>();
  for (const vs of sec.secinfo ?? []) {
    const v = btf.type(vs.type);
    try {
      const def = btf.skipModifiers(v.sizeOrType);
      const known = defs.get(def.id);
      if (known instanceof Error) throw known;
      if (known) {
        out.push({ name: v.name, ...known });
        continue;
      }
      if (def.kind !== BtfKind.STRUCT) throw new Error('its definition is not a struct');
      const ints: Partial<Record<(typeof mapIntFields)[number], number>> = {};
      let keySize: number | undefined;
      let valueSize: number | undefined;
      let keyType: string | undefined;
      let valueType: string | undefined;
      for (const m of def.members ?? []) {
        const mt = btf.skipModifiers(m.type);
        if ((mapIntFields as readonly string[]).includes(m.name)) {
          // __uint(name, N) is `int (*name)[N]`: the number is the array's element count.
          const arr = mt.kind === BtfKind.PTR ? btf.skipModifiers(mt.sizeOrType) : undefined;
          if (arr?.kind === BtfKind.ARRAY) ints[m.name as (typeof mapIntFields)[number]] = arr.array!.nelems;
        } else if ((m.name === 'key' || m.name === 'value') && mt.kind === BtfKind.PTR) {
          // __type(key, T) is `T *key`.
          const size = btf.sizeOf(mt.sizeOrType);
          const name = btf.typeName(mt.sizeOrType);
          if (m.name === 'key') {
            keySize = size;
            keyType = name;
          } else {
            valueSize = size;
            valueType = name;
          }
        }
      }
      const type = ints.type ?? 0;
      const shape = {
        type: mapTypeName(type),
        keySize: keySize ?? ints.key_size ?? 0,
        valueSize: valueSize ?? ints.value_size ?? 0,
        maxEntries: ints.max_entries ?? 0,
        flags: ints.map_flags ?? 0,
        pinning: ints.pinning,
        keyType,
        valueType,
      };
      defs.set(def.id, shape);
      out.push({ name: v.name, ...shape });
    } catch (e) {
      const def = (() => {
        try {
          return btf.skipModifiers(v.sizeOrType).id;
        } catch {
          return undefined;
        }
      })();
      if (def !== undefined && !defs.has(def)) defs.set(def, e as Error);
      warnings.push(`map ${v.name}: ${(e as Error).message}`);
    }
  }
  return out;
}

export function readGlobals(elf: ElfFile, btf: Btf, warnings: string[]): ObjectGlobal[] {
  const out: ObjectGlobal[] = [];
  // Initial values are copies: together they may not exceed the file (variables of a real object do not overlap;
  // a crafted DATASEC of thousands of variables each as large as the section would copy it thousands of times).
  let budget = elf.bytes.length;
  const objectsBySection = new Map<number, Map<string, ElfSymbol>>();
  const objectSymbol = (index: number, name: string): ElfSymbol | undefined => {
    let byName = objectsBySection.get(index);
    if (!byName) {
      byName = new Map();
      for (const s of elf.symbolsIn(index)) if (s.type === STT.OBJECT && !byName.has(s.name)) byName.set(s.name, s);
      objectsBySection.set(index, byName);
    }
    return byName.get(name);
  };
  for (const ds of btf.datasecs()) {
    if (!/^\.(rodata|data|bss)(\.|$)/.test(ds.name)) continue;
    const sec = elf.section(ds.name);
    if (!sec) {
      warnings.push(`BTF describes ${ds.name} but the object has no such section`);
      continue;
    }
    for (const vs of ds.secinfo ?? []) {
      const v = btf.type(vs.type);
      if (v.kind !== BtfKind.VAR) continue;
      // The symbol's value is where the linker put the variable; clang's BTF offsets agree, but the symbol is
      // what libbpf itself trusts when it fixes up a DATASEC.
      const sym = objectSymbol(sec.index, v.name);
      const offset = sym ? Number(sym.value) : vs.offset;
      let size: number;
      try {
        size = vs.size || btf.sizeOf(v.sizeOrType);
      } catch (e) {
        warnings.push(`${ds.name} variable ${v.name}: ${(e as Error).message}`);
        continue;
      }
      if (offset + size > sec.size) {
        warnings.push(`${ds.name} variable ${v.name} lies outside its section`);
        continue;
      }
      if (sec.type !== SHT.NOBITS && (budget -= size) < 0) {
        warnings.push(`${ds.name}: its variables overlap (more bytes than the file holds); the rest are left out`);
        break;
      }
      const data = elf.sectionData(sec);
      out.push({
        name: v.name,
        section: ds.name,
        offset,
        size,
        type: btf.typeName(v.sizeOrType),
        typeId: v.sizeOrType,
        readonly: ds.name.startsWith('.rodata'),
        initial: sec.type === SHT.NOBITS ? undefined : data.slice(offset, offset + size),
      });
    }
  }
  return out;
}
