// Decoder of `struct tracepkt_event` (bpf/include/tracepkt.h): offsets below mirror the comments there; change
// both together. Integers are in the host's byte order (the agent runs on the host the event came from), packet
// fields (addresses, ports, ids, seq) in network order as the packet carries them.
import { endianness } from 'node:os';
import type { PacketPathEvent } from '../../protocol/types';
import { formatIPv4, formatIPv6 } from './addresses';

/** sizeof(struct tracepkt_event). */
export const EVENT_SIZE = 96;

export const OFF = {
  timestampNs: 0, skb: 8, netnsInode: 16, ifindex: 20, ifname: 24, tracepoint: 40, family: 41, protocol: 42,
  icmpType: 43, icmpCode: 44, tcpFlags: 45, ipId: 46, sportOrIcmpId: 48, dportOrIcmpSeq: 50, tcpSeq: 52,
  tcpAck: 56, ttl: 60, saddr: 64, daddr: 80,
} as const;

/** enum tracepkt_point, by value. */
export const TRACEPOINTS = ['', 'net_dev_queue', 'netif_receive_skb_entry', 'netif_rx', 'napi_gro_receive_entry'] as const;

const PROTOCOLS: Record<number, string> = { 1: 'icmp', 58: 'icmp6', 6: 'tcp', 17: 'udp' };
const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

/** "SYN|ACK": the set flags in header bit order, "" when none. */
export function tcpFlagsText(bits: number): string {
  return TCP_FLAG_NAMES.filter((_, i) => bits & (1 << i)).join('|');
}

export interface HostOrder { u32(b: Buffer, o: number): number; u64(b: Buffer, o: number): bigint }
export const hostOrder: HostOrder = endianness() === 'LE'
  ? { u32: (b, o) => b.readUInt32LE(o), u64: (b, o) => b.readBigUInt64LE(o) }
  : { u32: (b, o) => b.readUInt32BE(o), u64: (b, o) => b.readBigUInt64BE(o) };

/** One record into an event, or null when it is too short or not one of ours (unknown tracepoint/family). */
export function decodeEvent(rec: Buffer, order: HostOrder = hostOrder): PacketPathEvent | null {
  if (rec.length < EVENT_SIZE) return null;
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
  if (family === 4) ev.ipId = rec.readUInt16BE(OFF.ipId);
  const a = rec.readUInt16BE(OFF.sportOrIcmpId);
  const b = rec.readUInt16BE(OFF.dportOrIcmpSeq);
  if (proto === 1 || proto === 58) {
    ev.icmp = { type: rec[OFF.icmpType], code: rec[OFF.icmpCode], id: a, seq: b };
  } else if (proto === 6) {
    ev.tcp = {
      sport: a, dport: b, flags: tcpFlagsText(rec[OFF.tcpFlags]),
      seq: rec.readUInt32BE(OFF.tcpSeq), ack: rec.readUInt32BE(OFF.tcpAck),
    };
  } else if (proto === 17) {
    ev.udp = { sport: a, dport: b };
  }
  return ev;
}
