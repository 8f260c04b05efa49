// Decodes an Ethernet frame into named fields (Ethernet, 802.1Q, IPv4, IPv6, TCP, UDP, ICMP, ICMPv6, payload), with
// every checksum recomputed, so a run's output can be shown field by field next to its input. Truncated or
// unknown layers end the decoding where they start; the rest shows as payload bytes.
import { internetChecksum, pseudoHeaderSum } from './checksum';

export type Layer = 'Ethernet' | '802.1Q' | 'IPv4' | 'IPv6' | 'TCP' | 'UDP' | 'ICMP' | 'ICMPv6' | 'Payload';

export interface PacketField {
  layer: Layer;
  /** e.g. "ttl", "flags", "checksum". */
  name: string;
  /** As people read it: "64", "10.0.0.1", "ACK PSH", "0x66d6". */
  value: string;
  offset: number;
  length: number;
}

export interface ChecksumCheck {
  /** "IPv4 header", "TCP", "UDP", "ICMP", "ICMPv6". */
  name: string;
  stored: number;
  /** What the checksum should be for these bytes. */
  computed: number;
  valid: boolean;
}

export interface DecodedPacket {
  length: number;
  layers: Layer[];
  fields: PacketField[];
  checksums: ChecksumCheck[];
  /** One line: "IPv4 10.0.0.1 > 10.0.0.2 ICMP echo-request id 4660 seq 1 ttl 64". */
  summary: string;
}

const ICMP_TYPES: Record<number, string> = { 0: 'echo-reply', 3: 'unreachable', 8: 'echo-request', 11: 'time-exceeded' };
const ICMP6_TYPES: Record<number, string> = {
  1: 'unreachable',
  3: 'time-exceeded',
  128: 'echo-request',
  129: 'echo-reply',
  135: 'neighbor-solicit',
  136: 'neighbor-advert',
};
const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

export function tcpFlagNames(bits: number): string {
  const names = TCP_FLAGS.filter((_, i) => bits & (1 << i));
  return names.length ? names.join(' ') : 'none';
}

const hex2 = (n: number, w = 4) => `0x${n.toString(16).padStart(w, '0')}`;
const mac = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
export function ipv4Text(b: Uint8Array): string {
  return [...b].join('.');
}
export function ipv6Text(b: Uint8Array): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] << 8) | b[i + 1]).toString(16));
  // the longest run of zero words becomes "::"
  const s = words.join(':');
  const runs = s.match(/(^|:)0(:0)+(:|$)/g);
  if (!runs) return s;
  const longest = runs.reduce((a, r) => (r.length > a.length ? r : a));
  return s.replace(longest, '::');
}

export function decodePacket(bytes: Uint8Array): DecodedPacket {
  const fields: PacketField[] = [];
  const checksums: ChecksumCheck[] = [];
  const layers: Layer[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o);
  const add = (layer: Layer, name: string, value: string, offset: number, length: number) =>
    fields.push({ layer, name, value, offset, length });
  const summary: string[] = [];
  let off = 0;
  const payload = (from: number, to = bytes.length) => {
    if (to > from) {
      layers.push('Payload');
      const b = bytes.subarray(from, to);
      const text = [...b].every((x) => x >= 0x20 && x < 0x7f) ? ` "${String.fromCharCode(...b.subarray(0, 64))}"` : '';
      add('Payload', 'bytes', `${to - from} bytes${text}`, from, to - from);
    }
  };
  if (bytes.length < 14) {
    payload(0);
    return { length: bytes.length, layers, fields, checksums, summary: `${bytes.length} bytes (shorter than Ethernet)` };
  }
  layers.push('Ethernet');
  add('Ethernet', 'destination', mac(bytes.subarray(0, 6)), 0, 6);
  add('Ethernet', 'source', mac(bytes.subarray(6, 12)), 6, 6);
  let etherType = u16(12);
  add('Ethernet', 'type', hex2(etherType), 12, 2);
  off = 14;
  while ((etherType === 0x8100 || etherType === 0x88a8) && off + 4 <= bytes.length) {
    layers.push('802.1Q');
    add('802.1Q', 'vlan', String(u16(off) & 0x0fff), off, 2);
    etherType = u16(off + 2);
    add('802.1Q', 'type', hex2(etherType), off + 2, 2);
    off += 4;
  }

  let proto = -1;
  let l4End = bytes.length;
  let src: Uint8Array | undefined;
  let dst: Uint8Array | undefined;
  if (etherType === 0x0800 && off + 20 <= bytes.length) {
    const ihl = (bytes[off] & 0x0f) * 4;
    if (ihl < 20 || off + ihl > bytes.length) {
      payload(off);
      return done();
    }
    layers.push('IPv4');
    const total = u16(off + 2);
    add('IPv4', 'version', String(bytes[off] >> 4), off, 1);
    add('IPv4', 'header length', String(ihl), off, 1);
    add('IPv4', 'tos', hex2(bytes[off + 1], 2), off + 1, 1);
    add('IPv4', 'total length', String(total), off + 2, 2);
    add('IPv4', 'id', String(u16(off + 4)), off + 4, 2);
    add('IPv4', 'fragment', hex2(u16(off + 6)), off + 6, 2);
    add('IPv4', 'ttl', String(bytes[off + 8]), off + 8, 1);
    add('IPv4', 'protocol', String(bytes[off + 9]), off + 9, 1);
    add('IPv4', 'checksum', hex2(u16(off + 10)), off + 10, 2);
    src = bytes.subarray(off + 12, off + 16);
    dst = bytes.subarray(off + 16, off + 20);
    add('IPv4', 'source', ipv4Text(src), off + 12, 4);
    add('IPv4', 'destination', ipv4Text(dst), off + 16, 4);
    const header = Uint8Array.from(bytes.subarray(off, off + ihl));
    header[10] = header[11] = 0;
    const computed = internetChecksum(header);
    checksums.push({ name: 'IPv4 header', stored: u16(off + 10), computed, valid: computed === u16(off + 10) });
    summary.push(`IPv4 ${ipv4Text(src)} > ${ipv4Text(dst)}`);
    proto = bytes[off + 9];
    if (total >= ihl && off + total <= bytes.length) l4End = off + total;
    const fragmented = (u16(off + 6) & 0x1fff) !== 0;
    off += ihl;
    if (fragmented) {
      payload(off, l4End);
      return done();
    }
  } else if (etherType === 0x86dd && off + 40 <= bytes.length) {
    layers.push('IPv6');
    add('IPv6', 'version', String(bytes[off] >> 4), off, 1);
    add('IPv6', 'traffic class', hex2((u16(off) >> 4) & 0xff, 2), off, 2);
    add('IPv6', 'flow label', hex2(dv.getUint32(off) & 0xfffff, 5), off + 1, 3);
    const plen = u16(off + 4);
    add('IPv6', 'payload length', String(plen), off + 4, 2);
    add('IPv6', 'next header', String(bytes[off + 6]), off + 6, 1);
    add('IPv6', 'hop limit', String(bytes[off + 7]), off + 7, 1);
    src = bytes.subarray(off + 8, off + 24);
    dst = bytes.subarray(off + 24, off + 40);
    add('IPv6', 'source', ipv6Text(src), off + 8, 16);
    add('IPv6', 'destination', ipv6Text(dst), off + 24, 16);
    summary.push(`IPv6 ${ipv6Text(src)} > ${ipv6Text(dst)}`);
    proto = bytes[off + 6];
    if (off + 40 + plen <= bytes.length) l4End = off + 40 + plen;
    off += 40;
  } else {
    summary.push(`ethertype ${hex2(etherType)}`);
    payload(off);
    return done();
  }

  const l4 = bytes.subarray(off, l4End);
  const l4Check = (name: string, stored: number, pseudo: boolean) => {
    const copy = Uint8Array.from(l4);
    const at = name === 'UDP' ? 6 : name === 'TCP' ? 16 : 2;
    copy[at] = copy[at + 1] = 0;
    const initial = pseudo && src && dst ? pseudoHeaderSum(src, dst, proto, l4.length) : 0;
    let computed = internetChecksum(copy, initial);
    if (name === 'UDP' && computed === 0) computed = 0xffff;
    // UDP over IPv4 may leave it 0 ("no checksum"): valid by definition
    const valid = computed === stored || (name === 'UDP' && src?.length === 4 && stored === 0);
    checksums.push({ name, stored, computed, valid });
  };
  if (proto === 6 && l4.length >= 20) {
    layers.push('TCP');
    const doff = (l4[12] >> 4) * 4;
    add('TCP', 'source port', String(u16(off)), off, 2);
    add('TCP', 'destination port', String(u16(off + 2)), off + 2, 2);
    add('TCP', 'seq', String(dv.getUint32(off + 4)), off + 4, 4);
    add('TCP', 'ack', String(dv.getUint32(off + 8)), off + 8, 4);
    add('TCP', 'header length', String(doff), off + 12, 1);
    add('TCP', 'flags', tcpFlagNames(l4[13]), off + 13, 1);
    add('TCP', 'window', String(u16(off + 14)), off + 14, 2);
    add('TCP', 'checksum', hex2(u16(off + 16)), off + 16, 2);
    l4Check('TCP', u16(off + 16), true);
    summary.push(`TCP ${u16(off)} > ${u16(off + 2)} [${tcpFlagNames(l4[13])}]`);
    payload(off + Math.max(20, Math.min(doff, l4.length)), l4End);
  } else if (proto === 17 && l4.length >= 8) {
    layers.push('UDP');
    add('UDP', 'source port', String(u16(off)), off, 2);
    add('UDP', 'destination port', String(u16(off + 2)), off + 2, 2);
    add('UDP', 'length', String(u16(off + 4)), off + 4, 2);
    add('UDP', 'checksum', hex2(u16(off + 6)), off + 6, 2);
    l4Check('UDP', u16(off + 6), true);
    summary.push(`UDP ${u16(off)} > ${u16(off + 2)}`);
    payload(off + 8, l4End);
  } else if ((proto === 1 || proto === 58) && l4.length >= 8) {
    const layer: Layer = proto === 1 ? 'ICMP' : 'ICMPv6';
    layers.push(layer);
    const names = proto === 1 ? ICMP_TYPES : ICMP6_TYPES;
    add(layer, 'type', `${l4[0]}${names[l4[0]] ? ` (${names[l4[0]]})` : ''}`, off, 1);
    add(layer, 'code', String(l4[1]), off + 1, 1);
    add(layer, 'checksum', hex2(u16(off + 2)), off + 2, 2);
    const echo = proto === 1 ? l4[0] === 0 || l4[0] === 8 : l4[0] === 128 || l4[0] === 129;
    if (echo) {
      add(layer, 'id', String(u16(off + 4)), off + 4, 2);
      add(layer, 'seq', String(u16(off + 6)), off + 6, 2);
    }
    l4Check(layer, u16(off + 2), proto === 58);
    summary.push(`${layer} ${names[l4[0]] ?? `type ${l4[0]}`}${echo ? ` id ${u16(off + 4)} seq ${u16(off + 6)}` : ''}`);
    payload(off + 8, l4End);
  } else {
    summary.push(`protocol ${proto}`);
    payload(off, l4End);
  }
  if (l4End < bytes.length) add('Payload', 'trailer', `${bytes.length - l4End} bytes after the IP packet`, l4End, bytes.length - l4End);
  return done();

  function done(): DecodedPacket {
    const ttl = fields.find((f) => f.name === 'ttl' || f.name === 'hop limit');
    return {
      length: bytes.length,
      layers,
      fields,
      checksums,
      summary: [...summary, ...(ttl ? [`ttl ${ttl.value}`] : [])].join(' ') || `${bytes.length} bytes`,
    };
  }
}
