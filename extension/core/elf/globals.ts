// Setting a BPF object's global variables before it is loaded: the bytes of a `const volatile` knob live in the
// object's .rodata at the offset BTF (and the symbol table) gives, and the kernel sees whatever is there when the
// map is created and frozen. Patching a copy of the object is how `--set NAME=VALUE` works with any loader
// (bpftool, ip, tc), none of which can set globals themselves.
import { Btf, BtfKind, type BtfType } from './btf';
import { ElfFile, SHT } from './elfFile';
import { readGlobals, type ObjectGlobal } from './bpfObject';

/** A value for a knob: integers (number, bigint, or text like "10", "-3", "0x1f"), booleans, enumerator names,
 * and text for char arrays. */
export type GlobalValue = number | bigint | boolean | string;

export class GlobalsError extends Error {
  override readonly name = 'GlobalsError';
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
  }
}

/** The settable variables of an object (.rodata and .data; .bss has no bytes in the file). */
export function listGlobals(objBytes: Uint8Array): ObjectGlobal[] {
  const { elf, btf } = open(objBytes);
  return readGlobals(elf, btf, []);
}

/** Returns a new object with the named variables set; the input is left untouched. */
export function setGlobals(objBytes: Uint8Array, values: Record<string, GlobalValue>): Uint8Array {
  const { elf, btf } = open(objBytes);
  const globals = readGlobals(elf, btf, []);
  const out = Uint8Array.from(objBytes);
  const view = new DataView(out.buffer);
  for (const [name, value] of Object.entries(values)) {
    const g = globals.find((x) => x.name === name);
    if (!g) {
      const known = globals.filter((x) => x.initial).map((x) => x.name);
      throw new GlobalsError(
        `no global variable ${name} in this object${known.length ? ` (it has: ${known.join(', ')})` : ' (it has none)'}`,
        name,
      );
    }
    const sec = elf.section(g.section)!;
    if (sec.type === SHT.NOBITS) {
      throw new GlobalsError(`${name} is in ${g.section}, which has no bytes in the object; give it a non-zero initialiser`, name);
    }
    encode(view, sec.offset + g.offset, g, btf, value, elf.littleEndian);
  }
  return out;
}

function open(objBytes: Uint8Array): { elf: ElfFile; btf: Btf } {
  const elf = new ElfFile(objBytes);
  const sec = elf.section('.BTF');
  if (!sec) throw new GlobalsError('the object has no .BTF section (compile with -g) so its globals cannot be located');
  return { elf, btf: new Btf(elf.sectionData(sec), elf.littleEndian) };
}

function encode(view: DataView, at: number, g: ObjectGlobal, btf: Btf, value: GlobalValue, le: boolean): void {
  const t = btf.skipModifiers(g.typeId);
  if (t.kind === BtfKind.INT || t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) {
    const n = toInteger(g, t, value);
    writeInt(view, at, g.size, n, le);
    return;
  }
  if (t.kind === BtfKind.ARRAY) {
    const elem = btf.skipModifiers(t.array!.type);
    if (elem.kind === BtfKind.INT && elem.sizeOrType === 1 && typeof value === 'string') {
      const bytes = new TextEncoder().encode(value);
      if (bytes.length >= g.size)
        throw new GlobalsError(`${g.name} holds at most ${g.size - 1} bytes of text, got ${bytes.length}`, g.name);
      for (let i = 0; i < g.size; i++) view.setUint8(at + i, i < bytes.length ? bytes[i] : 0);
      return;
    }
  }
  throw new GlobalsError(`${g.name} has type ${g.type}, which --set cannot write (integers, enums, booleans and char arrays only)`, g.name);
}

function toInteger(g: ObjectGlobal, t: BtfType, value: GlobalValue): bigint {
  const isBool = t.kind === BtfKind.INT && (t.int!.encoding & 4) !== 0;
  const signed = t.kind === BtfKind.INT ? (t.int!.encoding & 1) !== 0 : t.kindFlag;
  let n: bigint;
  if (typeof value === 'boolean') {
    n = value ? 1n : 0n;
  } else if (typeof value === 'bigint') {
    n = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new GlobalsError(`${g.name} needs an integer, got ${value}`, g.name);
    n = BigInt(value);
  } else {
    const s = value.trim();
    const enumerator = t.enumValues?.find((e) => e.name === s);
    if (enumerator) n = enumerator.value;
    else if (isBool && (s === 'true' || s === 'false')) n = s === 'true' ? 1n : 0n;
    else if (/^-?(0x[0-9a-f]+|0b[01]+|0o[0-7]+|\d+)$/i.test(s)) n = s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
    else {
      const hint = t.enumValues?.length ? ` or one of ${t.enumValues.map((e) => e.name).join(', ')}` : isBool ? ' or true/false' : '';
      throw new GlobalsError(`${g.name} needs an integer${hint}, got "${value}"`, g.name);
    }
  }
  const bits = BigInt(g.size * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (isBool && n !== 0n && n !== 1n) throw new GlobalsError(`${g.name} is a bool: 0/1 or true/false, got ${n}`, g.name);
  if (n < min || n > max) throw new GlobalsError(`${g.name} (${g.type}) holds ${min}..${max}, got ${n}`, g.name);
  return n;
}

function writeInt(view: DataView, at: number, size: number, n: bigint, le: boolean): void {
  const u = BigInt.asUintN(size * 8, n);
  switch (size) {
    case 1:
      view.setUint8(at, Number(u));
      break;
    case 2:
      view.setUint16(at, Number(u), le);
      break;
    case 4:
      view.setUint32(at, Number(u), le);
      break;
    case 8:
      view.setBigUint64(at, u, le);
      break;
    default:
      throw new GlobalsError(`unsupported integer size ${size}`);
  }
}
