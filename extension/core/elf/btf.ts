// A minimal BTF (BPF Type Format) reader: enough of the type graph to read BTF-defined maps (.maps), the variables
// of .rodata/.data/.bss (DATASEC) and the sizes of their types. Layout: include/uapi/linux/btf.h.
// Built for crafted input too: linear in the section, names through one StringTable, type chains depth-bounded.
import { StringTable } from './elfFile';

export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export interface BtfMember {
  name: string;
  type: number;
  /** STRUCT/UNION: bit offset. */ offset: number;
}
export interface BtfEnumValue {
  name: string;
  value: bigint;
}
export interface BtfSecinfo {
  type: number;
  offset: number;
  size: number;
}

export interface BtfType {
  id: number;
  kind: number;
  name: string;
  /** size for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT, referenced type for PTR/TYPEDEF/CONST/VAR/FUNC... */
  sizeOrType: number;
  kindFlag: boolean;
  /** INT: encoding (1 signed, 2 char, 4 bool) and bit size. */
  int?: { encoding: number; offset: number; bits: number };
  array?: { type: number; indexType: number; nelems: number };
  members?: BtfMember[];
  enumValues?: BtfEnumValue[];
  /** VAR: 0 static, 1 global, 2 extern. */
  linkage?: number;
  secinfo?: BtfSecinfo[];
}

export class BtfFormatError extends Error {
  override readonly name = 'BtfFormatError';
}

const MAX_RESOLVE_DEPTH = 64;

export class Btf {
  /** Index = type id; id 0 is void. */
  readonly types: BtfType[] = [{ id: 0, kind: BtfKind.UNKN, name: '', sizeOrType: 0, kindFlag: false }];

  constructor(data: Uint8Array, littleEndian: boolean) {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (data.length < 24) throw new BtfFormatError('BTF section too short for a header');
    const magic = v.getUint16(0, littleEndian);
    if (magic !== 0xeb9f) throw new BtfFormatError(`bad BTF magic 0x${magic.toString(16)}`);
    const hdrLen = v.getUint32(4, littleEndian);
    const typeOff = v.getUint32(8, littleEndian);
    const typeLen = v.getUint32(12, littleEndian);
    const strOff = v.getUint32(16, littleEndian);
    const strLen = v.getUint32(20, littleEndian);
    if (hdrLen + strOff + strLen > data.length || hdrLen + typeOff + typeLen > data.length) {
      throw new BtfFormatError('BTF type or string section runs past the end of .BTF');
    }
    const strings = new StringTable(data.subarray(hdrLen + strOff, hdrLen + strOff + strLen));
    const str = (off: number): string => strings.at(off);
    let o = hdrLen + typeOff;
    const end = o + typeLen;
    const u32 = (at: number) => v.getUint32(at, littleEndian);
    const i32 = (at: number) => v.getInt32(at, littleEndian);
    // Each type takes at least 12 bytes and every vlen loop advances `o`, so the work is linear in the section;
    // a count that runs past the type section is an error, not a read of whatever follows.
    while (o < end) {
      if (o + 12 > end) throw new BtfFormatError(`BTF type ${this.types.length} is cut off at the end of the type section`);
      const info = u32(o + 4);
      const kind = (info >>> 24) & 0x1f;
      const vlen = info & 0xffff;
      const t: BtfType = { id: this.types.length, kind, name: str(u32(o)), sizeOrType: u32(o + 8), kindFlag: info >>> 31 === 1 };
      o += 12;
      switch (kind) {
        case BtfKind.INT: {
          const x = u32(o);
          t.int = { encoding: (x >>> 24) & 0x0f, offset: (x >>> 16) & 0xff, bits: x & 0xff };
          o += 4;
          break;
        }
        case BtfKind.ARRAY:
          t.array = { type: u32(o), indexType: u32(o + 4), nelems: u32(o + 8) };
          o += 12;
          break;
        case BtfKind.STRUCT:
        case BtfKind.UNION:
          t.members = [];
          for (let i = 0; i < vlen; i++, o += 12) {
            const off = u32(o + 8);
            // With kind_flag set, the offset packs a bitfield size in its top 8 bits.
            t.members.push({ name: str(u32(o)), type: u32(o + 4), offset: t.kindFlag ? off & 0xffffff : off });
          }
          break;
        case BtfKind.ENUM:
          t.enumValues = [];
          for (let i = 0; i < vlen; i++, o += 8) {
            t.enumValues.push({ name: str(u32(o)), value: t.kindFlag ? BigInt(i32(o + 4)) : BigInt(u32(o + 4)) });
          }
          break;
        case BtfKind.ENUM64:
          t.enumValues = [];
          for (let i = 0; i < vlen; i++, o += 12) {
            t.enumValues.push({ name: str(u32(o)), value: (BigInt(u32(o + 8)) << 32n) | BigInt(u32(o + 4)) });
          }
          break;
        case BtfKind.FUNC_PROTO:
          o += 8 * vlen;
          break;
        case BtfKind.VAR:
          t.linkage = u32(o);
          o += 4;
          break;
        case BtfKind.DATASEC:
          t.secinfo = [];
          for (let i = 0; i < vlen; i++, o += 12) t.secinfo.push({ type: u32(o), offset: u32(o + 4), size: u32(o + 8) });
          break;
        case BtfKind.DECL_TAG:
          o += 4;
          break;
        case BtfKind.PTR:
        case BtfKind.FWD:
        case BtfKind.TYPEDEF:
        case BtfKind.VOLATILE:
        case BtfKind.CONST:
        case BtfKind.RESTRICT:
        case BtfKind.FUNC:
        case BtfKind.FLOAT:
        case BtfKind.TYPE_TAG:
          break;
        default:
          throw new BtfFormatError(`unknown BTF kind ${kind} at type ${t.id}`);
      }
      if (o > end) throw new BtfFormatError(`BTF type ${t.id} (${kindName(kind)}, ${vlen} entries) runs past the end of the type section`);
      this.types.push(t);
    }
  }

  type(id: number): BtfType {
    const t = this.types[id];
    if (!t) throw new BtfFormatError(`BTF type id ${id} does not exist`);
    return t;
  }

  /** Follows typedef/const/volatile/restrict/type_tag (and VAR) to the type that has a shape. */
  skipModifiers(id: number): BtfType {
    let t = this.type(id);
    for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
      if (
        t.kind === BtfKind.TYPEDEF ||
        t.kind === BtfKind.VOLATILE ||
        t.kind === BtfKind.CONST ||
        t.kind === BtfKind.RESTRICT ||
        t.kind === BtfKind.TYPE_TAG ||
        t.kind === BtfKind.VAR
      ) {
        t = this.type(t.sizeOrType);
      } else {
        return t;
      }
    }
    throw new BtfFormatError(`BTF type ${id}: modifier chain too long (a loop?)`);
  }

  /** Size in bytes of a type, like the kernel's btf_type_size: pointers are 8 on BPF. */
  sizeOf(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) throw new BtfFormatError(`BTF type ${id}: array nesting too deep (a loop?)`);
    const t = this.skipModifiers(id);
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.DATASEC:
      case BtfKind.FLOAT:
        return t.sizeOrType;
      case BtfKind.PTR:
        return 8;
      case BtfKind.ARRAY:
        return this.sizeOf(t.array!.type, depth + 1) * t.array!.nelems;
      default:
        throw new BtfFormatError(`BTF type ${id} (${kindName(t.kind)}) has no size`);
    }
  }

  /** A C-like spelling of a type for people: "__u32", "struct sock_key", "char[16]", "const volatile int". */
  typeName(id: number, depth = 0): string {
    if (depth > MAX_RESOLVE_DEPTH) return '?';
    if (id === 0) return 'void';
    const t = this.type(id);
    switch (t.kind) {
      case BtfKind.INT:
      case BtfKind.FLOAT:
      case BtfKind.TYPEDEF:
        return t.name;
      case BtfKind.STRUCT:
        return `struct ${t.name || '(anon)'}`;
      case BtfKind.UNION:
        return `union ${t.name || '(anon)'}`;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        return `enum ${t.name || '(anon)'}`;
      case BtfKind.FWD:
        return `${t.kindFlag ? 'union' : 'struct'} ${t.name}`;
      case BtfKind.PTR:
        return `${this.typeName(t.sizeOrType, depth + 1)} *`;
      case BtfKind.ARRAY:
        return `${this.typeName(t.array!.type, depth + 1)}[${t.array!.nelems}]`;
      case BtfKind.CONST:
        return `const ${this.typeName(t.sizeOrType, depth + 1)}`;
      case BtfKind.VOLATILE:
        return `volatile ${this.typeName(t.sizeOrType, depth + 1)}`;
      case BtfKind.RESTRICT:
        return `restrict ${this.typeName(t.sizeOrType, depth + 1)}`;
      case BtfKind.TYPE_TAG:
      case BtfKind.VAR:
        return this.typeName(t.sizeOrType, depth + 1);
      case BtfKind.FUNC_PROTO:
        return 'function';
      default:
        return t.name || kindName(t.kind);
    }
  }

  datasec(name: string): BtfType | undefined {
    return this.types.find((t) => t.kind === BtfKind.DATASEC && t.name === name);
  }

  /** Every DATASEC (one pass; callers loop over these rather than over all types per section). */
  datasecs(): BtfType[] {
    return this.types.filter((t) => t.kind === BtfKind.DATASEC);
  }
}

export function kindName(kind: number): string {
  return (
    Object.entries(BtfKind)
      .find(([, k]) => k === kind)?.[0]
      .toLowerCase() ?? `kind${kind}`
  );
}
