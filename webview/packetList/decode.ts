// Decodes the first bytes of a captured frame the way Wireshark's middle pane lists them: Ethernet, VLAN tags,
// ARP, IPv4/IPv6, TCP/UDP/ICMP/ICMPv6. Only what the bytes hold: a header cut by the snap length says so instead of
// inventing the rest. Pure (no DOM), so the unit tier tests it too.

export interface Layer {
  name: string;
  fields: [string, string][];
  /** The bytes ended inside this header. */
  truncated?: boolean;
}

export interface Summary {
  protocol: string;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  info: string;
}

export interface Decoded {
  layers: Layer[];
  summary: Summary;
}

const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;
const mac = (b: Uint8Array, o: number) => Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
const ipv4 = (b: Uint8Array, o: number) => Array.from(b.subarray(o, o + 4)).join('.');

/** RFC 5952 text of an IPv6 address: lower case, the longest run of zero groups (2 or more) as "::". */
export function ipv6Text(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[o + 2 * i] << 8) | b[o + 2 * i + 1]);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const part = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return part(g);
  return `${part(g.slice(0, best))}::${part(g.slice(best + bestLen))}`;
}

const ETHERTYPES: Record<number, string> = { 0x0800: 'IPv4', 0x86dd: 'IPv6', 0x0806: 'ARP', 0x8100: '802.1Q', 0x88a8: '802.1ad' };
const IP_PROTOCOLS: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 2: 'IGMP', 47: 'GRE', 50: 'ESP', 132: 'SCTP' };
const ICMP_TYPES: Record<number, string> = {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  5: 'Redirect',
  8: 'Echo (ping) request',
  11: 'Time exceeded',
};
const ICMP6_TYPES: Record<number, string> = {
  1: 'Destination unreachable',
  2: 'Packet too big',
  3: 'Time exceeded',
  128: 'Echo (ping) request',
  129: 'Echo (ping) reply',
  133: 'Router solicitation',
  134: 'Router advertisement',
  135: 'Neighbor solicitation',
  136: 'Neighbor advertisement',
};
const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'];

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
}

export function tcpFlagsText(flags: number): string {
  return TCP_FLAGS.filter((_, i) => flags & (1 << i)).join(', ') || 'none';
}

/**
 * `link` says where the bytes start: the Ethernet header (a verdict capture, a packet path hop on an Ethernet device)
 * or the IP header (a packet path hop on a device without a link-layer header).
 */
export function decodeFrame(b: Uint8Array, wireLength = b.length, link: 'ethernet' | 'raw' = 'ethernet'): Decoded {
  const layers: Layer[] = [];
  const summary: Summary = { protocol: 'Ethernet', src: '', dst: '', info: '' };
  if (link === 'raw') {
    const version = b.length ? b[0] >> 4 : 0;
    if (version !== 4 && version !== 6) {
      layers.push({ name: 'Raw IP', fields: [], truncated: b.length === 0 });
      summary.protocol = 'IP';
      summary.info = b.length ? `IP version ${version}?` : `${wireLength} bytes, none captured`;
      return { layers, summary };
    }
    return decodeL3(b, version === 4 ? 0x0800 : 0x86dd, 0, layers, summary);
  }
  if (b.length < 14) {
    layers.push({ name: 'Ethernet II', fields: [], truncated: true });
    summary.info = `${wireLength} bytes, ${b.length} captured`;
    return { layers, summary };
  }
  let type = u16(b, 12);
  layers.push({
    name: 'Ethernet II',
    fields: [
      ['Destination', mac(b, 0)],
      ['Source', mac(b, 6)],
      ['Type', `${ETHERTYPES[type] ?? 'unknown'} (${hex(type, 4)})`],
    ],
  });
  summary.src = mac(b, 6);
  summary.dst = mac(b, 0);
  let off = 14;
  // up to two VLAN tags (802.1ad outer, 802.1Q inner)
  for (let tags = 0; (type === 0x8100 || type === 0x88a8) && tags < 2; tags++) {
    if (b.length < off + 4) {
      layers.push({ name: ETHERTYPES[type], fields: [], truncated: true });
      return { layers, summary };
    }
    const tci = u16(b, off);
    const inner = u16(b, off + 2);
    layers.push({
      name: `${ETHERTYPES[type]} Virtual LAN`,
      fields: [
        ['Priority', String(tci >> 13)],
        ['DEI', String((tci >> 12) & 1)],
        ['ID', String(tci & 0x0fff)],
        ['Type', `${ETHERTYPES[inner] ?? 'unknown'} (${hex(inner, 4)})`],
      ],
    });
    summary.info = `VLAN ${tci & 0x0fff} `;
    type = inner;
    off += 4;
  }
  return decodeL3(b, type, off, layers, summary);
}

/** The network layer at b[off] (an ethertype's protocol) and what it carries. */
function decodeL3(b: Uint8Array, type: number, off: number, layers: Layer[], summary: Summary): Decoded {
  let proto = -1;
  let l4 = -1;
  if (type === 0x0800) {
    if (b.length < off + 20) return truncatedAt(layers, summary, 'Internet Protocol Version 4');
    const ihl = (b[off] & 0x0f) * 4;
    proto = b[off + 9];
    const flags = b[off + 6] >> 5;
    layers.push({
      name: 'Internet Protocol Version 4',
      fields: [
        ['Version', String(b[off] >> 4)],
        ['Header length', `${ihl} bytes`],
        ['DSCP/ECN', hex(b[off + 1], 2)],
        ['Total length', String(u16(b, off + 2))],
        ['Identification', `${hex(u16(b, off + 4), 4)} (${u16(b, off + 4)})`],
        ['Flags', `${flags & 2 ? "Don't fragment" : ''}${flags & 1 ? ' More fragments' : ''}`.trim() || 'none'],
        ['Fragment offset', String((u16(b, off + 6) & 0x1fff) * 8)],
        ['Time to live', String(b[off + 8])],
        ['Protocol', `${IP_PROTOCOLS[proto] ?? 'unknown'} (${proto})`],
        ['Header checksum', hex(u16(b, off + 10), 4)],
        ['Source', ipv4(b, off + 12)],
        ['Destination', ipv4(b, off + 16)],
      ],
    });
    summary.protocol = 'IPv4';
    summary.src = ipv4(b, off + 12);
    summary.dst = ipv4(b, off + 16);
    l4 = off + ihl;
  } else if (type === 0x86dd) {
    if (b.length < off + 40) return truncatedAt(layers, summary, 'Internet Protocol Version 6');
    proto = b[off + 6];
    const vtf = u32(b, off);
    layers.push({
      name: 'Internet Protocol Version 6',
      fields: [
        ['Version', String(vtf >>> 28)],
        ['Traffic class', hex((vtf >>> 20) & 0xff, 2)],
        ['Flow label', hex(vtf & 0xfffff, 5)],
        ['Payload length', String(u16(b, off + 4))],
        ['Next header', `${IP_PROTOCOLS[proto] ?? 'unknown'} (${proto})`],
        ['Hop limit', String(b[off + 7])],
        ['Source', ipv6Text(b, off + 8)],
        ['Destination', ipv6Text(b, off + 24)],
      ],
    });
    summary.protocol = 'IPv6';
    summary.src = ipv6Text(b, off + 8);
    summary.dst = ipv6Text(b, off + 24);
    l4 = off + 40;
  } else if (type === 0x0806) {
    if (b.length < off + 28) return truncatedAt(layers, summary, 'Address Resolution Protocol');
    const op = u16(b, off + 6);
    layers.push({
      name: 'Address Resolution Protocol',
      fields: [
        ['Opcode', `${op === 1 ? 'request' : op === 2 ? 'reply' : 'unknown'} (${op})`],
        ['Sender MAC', mac(b, off + 8)],
        ['Sender IP', ipv4(b, off + 14)],
        ['Target MAC', mac(b, off + 18)],
        ['Target IP', ipv4(b, off + 24)],
      ],
    });
    summary.protocol = 'ARP';
    summary.info += op === 1 ? `Who has ${ipv4(b, off + 24)}? Tell ${ipv4(b, off + 14)}` : `${ipv4(b, off + 14)} is at ${mac(b, off + 8)}`;
    return { layers, summary };
  } else {
    summary.info += `Ethertype ${hex(type, 4)}`;
    return { layers, summary };
  }

  if (proto === 6) {
    if (b.length < l4 + 20) return truncatedAt(layers, summary, 'Transmission Control Protocol', 'TCP');
    const flags = b[l4 + 13];
    const sport = u16(b, l4);
    const dport = u16(b, l4 + 2);
    layers.push({
      name: 'Transmission Control Protocol',
      fields: [
        ['Source port', String(sport)],
        ['Destination port', String(dport)],
        ['Sequence number', String(u32(b, l4 + 4))],
        ['Acknowledgment number', String(u32(b, l4 + 8))],
        ['Header length', `${(b[l4 + 12] >> 4) * 4} bytes`],
        ['Flags', `${hex(flags, 3)} (${tcpFlagsText(flags)})`],
        ['Window', String(u16(b, l4 + 14))],
        ['Checksum', hex(u16(b, l4 + 16), 4)],
      ],
    });
    Object.assign(summary, { protocol: 'TCP', sport, dport });
    summary.info += `${sport} → ${dport} [${tcpFlagsText(flags)}] Seq=${u32(b, l4 + 4)}`;
  } else if (proto === 17) {
    if (b.length < l4 + 8) return truncatedAt(layers, summary, 'User Datagram Protocol', 'UDP');
    const sport = u16(b, l4);
    const dport = u16(b, l4 + 2);
    layers.push({
      name: 'User Datagram Protocol',
      fields: [
        ['Source port', String(sport)],
        ['Destination port', String(dport)],
        ['Length', String(u16(b, l4 + 4))],
        ['Checksum', hex(u16(b, l4 + 6), 4)],
      ],
    });
    Object.assign(summary, { protocol: 'UDP', sport, dport });
    summary.info += `${sport} → ${dport} Len=${u16(b, l4 + 4) - 8}`;
  } else if (proto === 1 || proto === 58) {
    const v6 = proto === 58;
    const name = v6 ? 'Internet Control Message Protocol v6' : 'Internet Control Message Protocol';
    if (b.length < l4 + 4) return truncatedAt(layers, summary, name, v6 ? 'ICMPv6' : 'ICMP');
    const t = b[l4];
    const typeName = (v6 ? ICMP6_TYPES : ICMP_TYPES)[t] ?? 'unknown';
    const fields: [string, string][] = [
      ['Type', `${t} (${typeName})`],
      ['Code', String(b[l4 + 1])],
      ['Checksum', hex(u16(b, l4 + 2), 4)],
    ];
    const echo = v6 ? t === 128 || t === 129 : t === 0 || t === 8;
    summary.protocol = v6 ? 'ICMPv6' : 'ICMP';
    summary.info += typeName;
    if (echo && b.length >= l4 + 8) {
      fields.push(['Identifier', `${u16(b, l4 + 4)} (${hex(u16(b, l4 + 4), 4)})`], ['Sequence number', String(u16(b, l4 + 6))]);
      summary.info += ` id=${hex(u16(b, l4 + 4), 4)}, seq=${u16(b, l4 + 6)}`;
    }
    layers.push({ name, fields, truncated: echo && b.length < l4 + 8 });
  } else if (proto >= 0) {
    summary.protocol = IP_PROTOCOLS[proto] ?? `IP proto ${proto}`;
  }
  if (summary.protocol === 'IPv4' || summary.protocol === 'IPv6') summary.info += `next header ${proto}`;
  return { layers, summary };
}

function truncatedAt(layers: Layer[], summary: Summary, name: string, protocol?: string): Decoded {
  layers.push({ name, fields: [], truncated: true });
  if (protocol) summary.protocol = protocol;
  summary.info += `${name} (cut by the snap length)`;
  return { layers, summary };
}

/** Offset, 16 bytes in hex, and the printable ASCII of each row, like Wireshark's bottom pane. */
export function hexDump(b: Uint8Array): string[] {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = b.subarray(i, i + 16);
    const hexPart = Array.from(row, (x) => x.toString(16).padStart(2, '0'));
    const left = hexPart.slice(0, 8).join(' ');
    const right = hexPart.slice(8).join(' ');
    const ascii = Array.from(row, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    rows.push(`${i.toString(16).padStart(4, '0')}  ${`${left}  ${right}`.padEnd(48)}  ${ascii}`);
  }
  return rows;
}
