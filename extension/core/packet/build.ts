// Builds an Ethernet frame from the fields a person fills in (the "Run Program on Packet" form, tests): Ethernet,
// IPv4 or IPv6, then TCP, UDP, ICMP/ICMPv6 echo, and a payload, with every length and checksum computed. Bad
// input throws PacketSpecError naming the field.
import type { PacketSpec } from '../../../protocol/webview';
import { internetChecksum, pseudoHeaderSum } from './checksum';

export type { PacketSpec } from '../../../protocol/webview';

export class PacketSpecError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const TCP_FLAG_BITS: Record<string, number> = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 };

function parseMac(field: string, v: string | undefined, fallback: number[]): number[] {
  if (v === undefined || v === '') return fallback;
  const m = /^([0-9a-fA-F]{2})([:-][0-9a-fA-F]{2}){5}$/.exec(v.trim());
  if (!m) throw new PacketSpecError(field, `"${v}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return v
    .trim()
    .split(/[:-]/)
    .map((x) => parseInt(x, 16));
}

export function parseIpv4(field: string, v: string): number[] {
  const parts = v.trim().split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
    throw new PacketSpecError(field, `"${v}" is not an IPv4 address`);
  return parts.map(Number);
}

export function parseIpv6(field: string, v: string): number[] {
  const s = v.trim();
  const bad = () => new PacketSpecError(field, `"${v}" is not an IPv6 address`);
  if (!/^[0-9a-fA-F:]+$/.test(s) || (s.match(/::/g) ?? []).length > 1) throw bad();
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  if ((tail === undefined && missing !== 0) || missing < 0 || (tail !== undefined && missing < 1)) throw bad();
  const words = [...h, ...Array(tail === undefined ? 0 : missing).fill('0'), ...t];
  if (words.some((w) => !/^[0-9a-fA-F]{1,4}$/.test(w))) throw bad();
  return words.flatMap((w) => [parseInt(w, 16) >> 8, parseInt(w, 16) & 0xff]);
}

function int(field: string, v: number | undefined, fallback: number, max: number): number {
  const n = v ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new PacketSpecError(field, `${String(v)} is not an integer 0..${max}`);
  return n;
}

function payloadBytes(spec: PacketSpec): number[] {
  const p = spec.payload ?? '';
  if (!spec.payloadHex) return [...new TextEncoder().encode(p)];
  const clean = p.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new PacketSpecError('payload', 'expected hex, two digits per byte');
  return clean.match(/../g)?.map((x) => parseInt(x, 16)) ?? [];
}

const be16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const be32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

export function buildPacket(spec: PacketSpec): Uint8Array {
  const v6 = spec.ip.version === 6;
  if (spec.ip.version !== 4 && !v6) throw new PacketSpecError('ip.version', 'must be 4 or 6');
  const src = v6 ? parseIpv6('ip.source', spec.ip.source) : parseIpv4('ip.source', spec.ip.source);
  const dst = v6 ? parseIpv6('ip.destination', spec.ip.destination) : parseIpv4('ip.destination', spec.ip.destination);
  const ttl = int('ip.ttl', spec.ip.ttl, 64, 255);
  const payload = payloadBytes(spec);

  let proto: number;
  let l4: number[];
  let csumAt: number;
  const l4Spec = spec.l4;
  if (l4Spec.protocol === 'tcp') {
    proto = 6;
    let flags = 0;
    for (const f of l4Spec.flags ?? ['ACK']) {
      const bit = TCP_FLAG_BITS[f.toUpperCase()];
      if (!bit) throw new PacketSpecError('l4.flags', `"${f}" is not a TCP flag (${Object.keys(TCP_FLAG_BITS).join(' ')})`);
      flags |= bit;
    }
    l4 = [
      ...be16(int('l4.sourcePort', l4Spec.sourcePort, 0, 65535)),
      ...be16(int('l4.destinationPort', l4Spec.destinationPort, 0, 65535)),
      ...be32(int('l4.seq', l4Spec.seq, 1, 0xffffffff)),
      ...be32(int('l4.ack', l4Spec.ack, 1, 0xffffffff)),
      5 << 4,
      flags,
      ...be16(int('l4.window', l4Spec.window, 64240, 65535)),
      0,
      0,
      0,
      0,
      ...payload,
    ];
    csumAt = 16;
  } else if (l4Spec.protocol === 'udp') {
    proto = 17;
    l4 = [
      ...be16(int('l4.sourcePort', l4Spec.sourcePort, 0, 65535)),
      ...be16(int('l4.destinationPort', l4Spec.destinationPort, 0, 65535)),
      ...be16(8 + payload.length),
      0,
      0,
      ...payload,
    ];
    csumAt = 6;
  } else if (l4Spec.protocol === 'icmp') {
    proto = v6 ? 58 : 1;
    const reply = l4Spec.type === 'echo-reply';
    const type = v6 ? (reply ? 129 : 128) : reply ? 0 : 8;
    l4 = [type, 0, 0, 0, ...be16(int('l4.id', l4Spec.id, 1, 65535)), ...be16(int('l4.seq', l4Spec.seq, 1, 65535)), ...payload];
    csumAt = 2;
  } else {
    throw new PacketSpecError('l4.protocol', `"${(l4Spec as { protocol: string }).protocol}" is not tcp, udp or icmp`);
  }
  const l4Bytes = Uint8Array.from(l4);
  const pseudo = proto === 1 ? 0 : pseudoHeaderSum(Uint8Array.from(src), Uint8Array.from(dst), proto, l4Bytes.length);
  let c = internetChecksum(l4Bytes, pseudo);
  if (proto === 17 && c === 0) c = 0xffff;
  l4Bytes[csumAt] = c >> 8;
  l4Bytes[csumAt + 1] = c & 0xff;

  let ip: number[];
  if (v6) {
    if (l4Bytes.length > 65535) throw new PacketSpecError('payload', 'too long');
    ip = [
      0x60 | ((int('ip.tos', spec.ip.tos, 0, 255) >> 4) & 0x0f),
      (int('ip.tos', spec.ip.tos, 0, 255) & 0x0f) << 4,
      0,
      0,
      ...be16(l4Bytes.length),
      proto,
      ttl,
      ...src,
      ...dst,
    ];
  } else {
    const total = 20 + l4Bytes.length;
    if (total > 65535) throw new PacketSpecError('payload', 'too long');
    const h = Uint8Array.from([
      0x45,
      int('ip.tos', spec.ip.tos, 0, 255),
      ...be16(total),
      ...be16(int('ip.id', spec.ip.id, 1, 65535)),
      0x40,
      0,
      ttl,
      proto,
      0,
      0,
      ...src,
      ...dst,
    ]);
    const hc = internetChecksum(h);
    h[10] = hc >> 8;
    h[11] = hc & 0xff;
    ip = [...h];
  }
  const eth = [
    ...parseMac('ethernet.destination', spec.ethernet?.destination, [2, 0, 0, 0, 0, 2]),
    ...parseMac('ethernet.source', spec.ethernet?.source, [2, 0, 0, 0, 0, 1]),
    ...(v6 ? [0x86, 0xdd] : [0x08, 0x00]),
  ];
  return Uint8Array.from([...eth, ...ip, ...l4Bytes]);
}

export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
