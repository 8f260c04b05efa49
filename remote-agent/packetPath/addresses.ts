// IP addresses as the tracer's BPF side sees them: 16 bytes, IPv4 in its IPv4-mapped form (::ffff:a.b.c.d) when
// it is a filter value, or in the first 4 bytes when it comes out of a packet (bpf/include/tracepkt.h).
import { isIPv4, isIPv6 } from 'node:net';

/** The 4 or 16 bytes of an address, or null when `text` is not an IPv4/IPv6 address. */
export function addressBytes(text: string): { family: 4 | 6; bytes: Buffer } | null {
  if (isIPv4(text)) return { family: 4, bytes: Buffer.from(text.split('.').map(Number)) };
  if (!isIPv6(text) || text.includes('%')) return null;
  let groups: number[];
  let rest = text;
  const tail: number[] = [];
  // An embedded IPv4 tail (::ffff:10.0.0.1) is two 16-bit groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (v4) {
    const b = v4[1].split('.').map(Number);
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    rest = rest.slice(0, -v4[1].length);
    if (rest.endsWith(':') && !rest.endsWith('::')) rest = rest.slice(0, -1);
  }
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const gap = rest.indexOf('::');
  if (gap >= 0) {
    const head = parse(rest.slice(0, gap));
    const after = parse(rest.slice(gap + 2));
    const zeros = 8 - head.length - after.length - tail.length;
    groups = [...head, ...new Array<number>(zeros).fill(0), ...after, ...tail];
  } else {
    groups = [...parse(rest), ...tail];
  }
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  return { family: 6, bytes };
}

/** The 16-byte form the BPF filter compares with: IPv6 as is, IPv4 mapped to ::ffff:a.b.c.d. */
export function filterAddressBytes(text: string): Buffer | null {
  const a = addressBytes(text);
  if (!a) return null;
  if (a.family === 6) return a.bytes;
  const mapped = Buffer.alloc(16);
  mapped[10] = 0xff;
  mapped[11] = 0xff;
  a.bytes.copy(mapped, 12);
  return mapped;
}

export function formatIPv4(b: Buffer | Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text (lowercase, longest run of zero groups as '::'), the form `ip -6 addr` and ping print. */
export function formatIPv6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
