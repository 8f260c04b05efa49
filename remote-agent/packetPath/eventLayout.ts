// Decoder of `struct tracepkt_event` (bpf/include/tracepkt.h): offsets below mirror the comments there; change
// both together. Integers are in the host's byte order (the agent runs on the host the event came from), packet
// fields (addresses, ports, ids, seq) in network order as the packet carries them. A record is the fixed part
// (EVENT_HEADER_SIZE bytes) followed by `caplen` bytes of the packet.
import { deliveredEchoReply } from './deliveredFrees';
import { endianness } from 'node:os';
import type { PacketDrop, PacketPathEvent } from '../../protocol/types';
import { formatIPv4, formatIPv6 } from './addresses';

/** TRACEPKT_HEADER_SIZE: the fixed part of an event, before the packet bytes. */
export const EVENT_HEADER_SIZE = 120;

export const OFF = {
  timestampNs: 0,
  skb: 8,
  netnsInode: 16,
  ifindex: 20,
  ifname: 24,
  tracepoint: 40,
  family: 41,
  protocol: 42,
  icmpType: 43,
  icmpCode: 44,
  tcpFlags: 45,
  ipId: 46,
  sportOrIcmpId: 48,
  dportOrIcmpSeq: 50,
  tcpSeq: 52,
  tcpAck: 56,
  ttl: 60,
  saddr: 64,
  daddr: 80,
  dropLocation: 96,
  dropReason: 104,
  wireLen: 108,
  caplen: 112,
  dataLink: 114,
  dropFlags: 115,
  data: 120,
} as const;

/** TRACEPKT_DROP_HAS_REASON, TRACEPKT_DATA_ETH */
export const DROP_HAS_REASON = 0x01;
/** TRACEPKT_DROP_CLONED: the skb had been cloned when it was freed. */
export const DROP_CLONED = 0x02;
export const DATA_ETH = 1;

/** enum tracepkt_point, by value. */
export const TRACEPOINTS = ['', 'net_dev_queue', 'netif_receive_skb_entry', 'netif_rx', 'napi_gro_receive_entry', 'kfree_skb'] as const;

/** The whole record's length once its fixed part is there (the packet bytes follow it), else undefined. */
export function recordSize(head: Uint8Array, order: HostOrder = hostOrder): number | undefined {
  if (head.length < EVENT_HEADER_SIZE) return undefined;
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  return EVENT_HEADER_SIZE + order.u16(b, OFF.caplen);
}

/** What decodeEvent needs from outside the record: names for drops, the wall clock's offset. */
export interface DecodeContext {
  /** kfree_skb's (reason, location, the kernel has the reason field) -> named drop. */
  drop?(reason: number, location: bigint, hasReason: boolean): PacketDrop;
  /** CLOCK_REALTIME - CLOCK_MONOTONIC on this host, ns: gives each event its epochNs. */
  epochOffsetNs?: bigint;
}

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 58: 'icmp6', 6: 'tcp', 17: 'udp' };
const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

/** "SYN|ACK": the set flags in header bit order, "" when none. */
export function tcpFlagsText(bits: number): string {
  return TCP_FLAG_NAMES.filter((_, i) => bits & (1 << i)).join('|');
}

export interface HostOrder {
  u16(b: Buffer, o: number): number;
  u32(b: Buffer, o: number): number;
  u64(b: Buffer, o: number): bigint;
}
export const hostOrder: HostOrder =
  endianness() === 'LE'
    ? { u16: (b, o) => b.readUInt16LE(o), u32: (b, o) => b.readUInt32LE(o), u64: (b, o) => b.readBigUInt64LE(o) }
    : { u16: (b, o) => b.readUInt16BE(o), u32: (b, o) => b.readUInt32BE(o), u64: (b, o) => b.readBigUInt64BE(o) };

/** One record into an event, or null when it is too short or not one of ours (unknown tracepoint/family). */
export function decodeEvent(rec: Buffer, order: HostOrder = hostOrder, ctx: DecodeContext = {}): PacketPathEvent | null {
  if (rec.length < EVENT_HEADER_SIZE) return null;
  const tracepoint = TRACEPOINTS[rec[OFF.tracepoint]];
  const family = rec[OFF.family];
  if (!tracepoint || (family !== 4 && family !== 6)) return null;
  const nameEnd = rec.indexOf(0, OFF.ifname);
  const ifname = rec.toString('latin1', OFF.ifname, nameEnd >= 0 && nameEnd < OFF.ifname + 16 ? nameEnd : OFF.ifname + 16);
  const proto = rec[OFF.protocol];
  const addr = (o: number) => (family === 4 ? formatIPv4(rec.subarray(o, o + 4)) : formatIPv6(rec.subarray(o, o + 16)));
  const ev: PacketPathEvent = {
    timestampNs: Number(order.u64(rec, OFF.timestampNs)),
    tracepoint,
    netnsInode: order.u32(rec, OFF.netnsInode),
    ifindex: order.u32(rec, OFF.ifindex),
    ifname,
    family,
    src: addr(OFF.saddr),
    dst: addr(OFF.daddr),
    protocol: PROTOCOLS[proto] ?? String(proto),
    skb: `0x${order.u64(rec, OFF.skb).toString(16)}`,
    ttl: rec[OFF.ttl],
  };
  if (ctx.epochOffsetNs !== undefined) ev.epochNs = (order.u64(rec, OFF.timestampNs) + ctx.epochOffsetNs).toString();
  if (family === 4) ev.ipId = rec.readUInt16BE(OFF.ipId);
  const a = rec.readUInt16BE(OFF.sportOrIcmpId);
  const b = rec.readUInt16BE(OFF.dportOrIcmpSeq);
  if (proto === 1 || proto === 58) {
    ev.icmp = { type: rec[OFF.icmpType], code: rec[OFF.icmpCode], id: a, seq: b };
  } else if (proto === 6) {
    ev.tcp = {
      sport: a,
      dport: b,
      flags: tcpFlagsText(rec[OFF.tcpFlags]),
      seq: rec.readUInt32BE(OFF.tcpSeq),
      ack: rec.readUInt32BE(OFF.tcpAck),
    };
  } else if (proto === 17) {
    ev.udp = { sport: a, dport: b };
  }
  if (tracepoint === 'kfree_skb') {
    const reason = order.u32(rec, OFF.dropReason);
    const location = order.u64(rec, OFF.dropLocation);
    const hasReason = (rec[OFF.dropFlags] & DROP_HAS_REASON) !== 0;
    ev.drop = ctx.drop
      ? ctx.drop(reason, location, hasReason)
      : { location: `0x${location.toString(16)}`, ...(hasReason ? { reason: `reason ${reason}` } : {}) };
    // the end of a delivered echo reply, not a drop (deliveredFrees.ts): left out like consume_skb
    if ((rec[OFF.dropFlags] & DROP_CLONED) !== 0 && deliveredEchoReply(ev)) return null;
  }
  const caplen = Math.min(order.u16(rec, OFF.caplen), rec.length - OFF.data);
  if (caplen > 0) {
    ev.packet = {
      data: rec.toString('base64', OFF.data, OFF.data + caplen),
      length: Math.max(order.u32(rec, OFF.wireLen), caplen),
      link: rec[OFF.dataLink] === DATA_ETH ? 'ethernet' : 'raw',
    };
  }
  return ev;
}
