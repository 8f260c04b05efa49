// The packet list's filter: terms joined by spaces or `and`, all of which must hold:
//   icmp | icmp6 | tcp | udp | arp | ipv4 | ipv6    the protocol
//   host A | src A | dst A | port N                 as in `trace --filter`
//   drop | pass | redirect | XDP_DROP | TC_ACT_OK    the verdict (its meaning, or its name)
//   anything else                                   text the row shows (interface, namespace, info, reason)
import type { PacketListRow } from '../../protocol/webview';
import type { Summary } from './decode';

export interface FilterableRow {
  row: PacketListRow;
  summary: Summary;
  text: string;
}
export type RowPredicate = (r: FilterableRow) => boolean;

const PROTOCOLS: Record<string, (s: Summary) => boolean> = {
  icmp: (s) => s.protocol === 'ICMP',
  icmp6: (s) => s.protocol === 'ICMPv6',
  icmpv6: (s) => s.protocol === 'ICMPv6',
  tcp: (s) => s.protocol === 'TCP',
  udp: (s) => s.protocol === 'UDP',
  arp: (s) => s.protocol === 'ARP',
  ipv4: (s) => s.src.includes('.'),
  ip: (s) => s.src.includes('.'),
  ipv6: (s) => s.src.includes(':') && s.protocol !== 'Ethernet',
  ip6: (s) => s.src.includes(':') && s.protocol !== 'Ethernet',
};
const CLASSES = new Set(['drop', 'pass', 'redirect', 'other']);

export class RowFilterError extends Error {}

export function parseRowFilter(text: string): RowPredicate {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w && w.toLowerCase() !== 'and' && w !== '&&');
  const terms: RowPredicate[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const lw = w.toLowerCase();
    const next = () => {
      const v = words[++i];
      if (v === undefined) throw new RowFilterError(`"${w}" needs a value after it`);
      return v.toLowerCase();
    };
    if (lw in PROTOCOLS) terms.push((r) => PROTOCOLS[lw](r.summary));
    else if (lw === 'host') {
      const a = next();
      terms.push((r) => r.summary.src === a || r.summary.dst === a);
    } else if (lw === 'src') {
      const a = next();
      terms.push((r) => r.summary.src === a);
    } else if (lw === 'dst') {
      const a = next();
      terms.push((r) => r.summary.dst === a);
    } else if (lw === 'port') {
      const p = Number(next());
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw new RowFilterError(`"${words[i]}" is not a port number`);
      terms.push((r) => r.summary.sport === p || r.summary.dport === p);
    } else if (CLASSES.has(lw)) terms.push((r) => r.row.verdictClass === lw);
    else if (/^(xdp|tc_act)_[a-z]+$/.test(lw)) terms.push((r) => r.row.verdict.toLowerCase() === lw);
    else terms.push((r) => r.text.includes(lw));
  }
  return (r) => terms.every((t) => t(r));
}
