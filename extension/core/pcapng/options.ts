// pcapng options: the (code, length, value, padding) records that end every block, and the option codes we write.
// Spec: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/ (sections 3.5, 4.1, 4.2, 4.3).
// All values are written little-endian: the Section Header Block's byte-order magic says so for the whole section.

/** Option codes, named as the pcapng spec names them. */
export const OPT = {
  endofopt: 0,
  comment: 1,
  shb_hardware: 2,
  shb_os: 3,
  shb_userappl: 4,
  if_name: 2,
  if_description: 3,
  if_tsresol: 9,
  epb_flags: 2,
  epb_dropcount: 4,
  epb_verdict: 7,
} as const;

/** epb_verdict's first octet: whose verdict the value is. */
export const VERDICT_TYPE = { hardware: 0, ebpf_tc: 1, ebpf_xdp: 2 } as const;
export type VerdictType = 'ebpf_tc' | 'ebpf_xdp';

/** One option before encoding. */
export interface PcapngOption {
  code: number;
  value: Uint8Array;
}

/** Bytes needed to pad `n` to the next multiple of 4. */
export function padding(n: number): number {
  return (4 - (n % 4)) % 4;
}

export function stringOption(code: number, text: string): PcapngOption {
  // The spec: UTF-8, not zero-terminated.
  return { code, value: Buffer.from(text, 'utf8') };
}

export function u8Option(code: number, v: number): PcapngOption {
  return { code, value: Uint8Array.of(v) };
}

export function u32Option(code: number, v: number): PcapngOption {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return { code, value: b };
}

export function u64Option(code: number, v: bigint): PcapngOption {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v), 0);
  return { code, value: b };
}

/**
 * epb_verdict (code 7): one octet of type, then for the eBPF types a 64-bit value in the section's byte order
 * (the program's return code: XDP_DROP = 1, TC_ACT_SHOT = 2...). A negative TC action such as TC_ACT_UNSPEC (-1)
 * is written as its two's complement, as the kernel's int would be sign-extended.
 */
export function verdictOption(type: VerdictType, value: number | bigint): PcapngOption {
  const b = Buffer.alloc(9);
  b.writeUInt8(VERDICT_TYPE[type], 0);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), 1);
  return { code: OPT.epb_verdict, value: b };
}

/** epb_flags bits 0-1: 01 inbound, 10 outbound (00 unknown). */
export function directionFlags(direction: 'inbound' | 'outbound'): number {
  return direction === 'inbound' ? 1 : 2;
}

/** Encodes options followed by opt_endofopt; no bytes at all when there are none (the spec allows omitting it). */
export function encodeOptions(options: readonly PcapngOption[]): Buffer {
  if (options.length === 0) return Buffer.alloc(0);
  let size = 4; // opt_endofopt
  for (const o of options) {
    if (o.value.length > 0xffff) throw new RangeError(`pcapng option ${o.code} is ${o.value.length} bytes; at most 65535 fit`);
    size += 4 + o.value.length + padding(o.value.length);
  }
  const out = Buffer.alloc(size); // zero-filled: padding and opt_endofopt are zeros
  let at = 0;
  for (const o of options) {
    out.writeUInt16LE(o.code, at);
    out.writeUInt16LE(o.value.length, at + 2);
    out.set(o.value, at + 4);
    at += 4 + o.value.length + padding(o.value.length);
  }
  return out;
}
