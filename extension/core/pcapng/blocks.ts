// pcapng blocks as bytes: Section Header, Interface Description and Enhanced Packet Blocks (pcapng spec 4.1-4.3).
// Each function returns one whole block: type, total length, body, options, total length again.
import { encodeOptions, padding, type PcapngOption } from './options';

export const BLOCK_TYPE = { shb: 0x0a0d0d0a, idb: 0x00000001, epb: 0x00000006 } as const;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Link types (tcpdump.org/linktypes.html) for what our captures start with. */
export const LINKTYPE = {
  /** The bytes start at an Ethernet header. */
  ETHERNET: 1,
  /** The bytes start at an IPv4 or IPv6 header (the version nibble tells which). */
  RAW: 101,
} as const;
export type LinkType = (typeof LINKTYPE)[keyof typeof LINKTYPE];

function block(type: number, body: Buffer, options: readonly PcapngOption[]): Buffer {
  const opts = encodeOptions(options);
  const total = 12 + body.length + opts.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  opts.copy(out, 8 + body.length);
  out.writeUInt32LE(total, total - 4);
  return out;
}

export function sectionHeaderBlock(options: readonly PcapngOption[]): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(BYTE_ORDER_MAGIC, 0);
  body.writeUInt16LE(1, 4); // major
  body.writeUInt16LE(0, 6); // minor
  body.writeBigInt64LE(-1n, 8); // section length unknown: we stream
  return block(BLOCK_TYPE.shb, body, options);
}

export function interfaceDescriptionBlock(linkType: number, snaplen: number, options: readonly PcapngOption[]): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(linkType, 0);
  body.writeUInt16LE(0, 2); // reserved
  body.writeUInt32LE(snaplen >>> 0, 4);
  return block(BLOCK_TYPE.idb, body, options);
}

/** `timestamp` in units of the interface's if_tsresol (we always declare nanoseconds). */
export function enhancedPacketBlock(
  interfaceId: number,
  timestamp: bigint,
  data: Uint8Array,
  originalLength: number,
  options: readonly PcapngOption[],
): Buffer {
  const pad = padding(data.length);
  const body = Buffer.alloc(20 + data.length + pad);
  const ts = BigInt.asUintN(64, timestamp);
  body.writeUInt32LE(interfaceId, 0);
  body.writeUInt32LE(Number(ts >> 32n), 4);
  body.writeUInt32LE(Number(ts & 0xffffffffn), 8);
  body.writeUInt32LE(data.length, 12);
  body.writeUInt32LE(originalLength >>> 0, 16);
  body.set(data, 20);
  return block(BLOCK_TYPE.epb, body, options);
}
