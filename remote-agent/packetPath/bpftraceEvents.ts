// Turns a line printed by the bpftrace fallback (bpftraceScript.ts) back into the bytes of struct tracepkt_event,
// so that eventLayout.ts decodes both backends' events the same way.
import { endianness } from 'node:os';
import { EVENT_HEADER_SIZE, OFF } from './eventLayout';
import { LINE_FIELDS, LINE_MARK } from './bpftraceScript';

const LE = endianness() === 'LE';

export function bpftraceLineToRecord(line: string): Buffer | null {
  const parts = line.trim().split(' ');
  if (parts[0] !== LINE_MARK || parts.length < LINE_FIELDS.length + 1) return null;
  const v: Record<string, string> = {};
  LINE_FIELDS.forEach((name, i) => {
    v[name] = parts[i + 1];
  });
  // an interface name cannot hold spaces, but keep whatever follows the last field in it rather than losing it
  v.ifname = parts.slice(LINE_FIELDS.length).join(' ');
  const num = (k: string) => Number(v[k]);
  if (LINE_FIELDS.some((k) => k !== 'ifname' && !/^\d+$/.test(v[k]))) return null;
  const b = Buffer.alloc(EVENT_HEADER_SIZE); // caplen 0: bpftrace copies no packet bytes
  const u16 = (val: number, o: number) => (LE ? b.writeUInt16LE(val, o) : b.writeUInt16BE(val, o));
  const u32 = (val: number, o: number) => (LE ? b.writeUInt32LE(val, o) : b.writeUInt32BE(val, o));
  const u64 = (val: bigint, o: number) => (LE ? b.writeBigUInt64LE(val, o) : b.writeBigUInt64BE(val, o));
  u64(BigInt(v.timestampNs), OFF.timestampNs);
  u64(BigInt(v.skb), OFF.skb);
  u32(num('netnsInode'), OFF.netnsInode);
  u32(num('ifindex'), OFF.ifindex);
  b.write(v.ifname.slice(0, 15), OFF.ifname, 'latin1');
  b[OFF.tracepoint] = num('tracepoint');
  b[OFF.family] = num('family');
  b[OFF.protocol] = num('protocol');
  b[OFF.icmpType] = num('icmpType');
  b[OFF.icmpCode] = num('icmpCode');
  b[OFF.tcpFlags] = num('tcpFlags');
  u16(num('ipIdRaw'), OFF.ipId);
  u16(num('aRaw'), OFF.sportOrIcmpId);
  u16(num('bRaw'), OFF.dportOrIcmpSeq);
  u32(num('seqRaw'), OFF.tcpSeq);
  u32(num('ackRaw'), OFF.tcpAck);
  b[OFF.ttl] = num('ttl');
  u32(num('dropReason'), OFF.dropReason);
  u64(BigInt(v.dropLocation), OFF.dropLocation);
  b[OFF.dropFlags] = num('dropFlags');
  const s = ['s0', 's1', 's2', 's3'].map(num);
  const d = ['d0', 'd1', 'd2', 'd3'].map(num);
  if (num('family') === 4) {
    // an IPv4 packet fills only $s3/$d3; the event keeps IPv4 addresses in the first 4 bytes
    u32(s[3], OFF.saddr);
    u32(d[3], OFF.daddr);
  } else {
    s.forEach((w, i) => u32(w, OFF.saddr + i * 4));
    d.forEach((w, i) => u32(w, OFF.daddr + i * 4));
  }
  return b;
}
