// Packets -> exchanges: a request and its reply share `exchange` (ICMP echo id.seq, a TCP/UDP flow); the picture
// draws one exchange, its hops numbered in order, request legs first.
import type { PacketHopView, PacketPathView } from '../../protocol/webview';

export interface Step {
  step: number;
  leg: string;
  packet: PacketPathView;
  hop: PacketHopView;
  /** The namespace as the user knows it. */
  netns: string;
  /** Present when the packet moved to another interface to get here: the arrow's number. */
  arrow?: number;
  from?: { netns: string; ifname: string };
}

export interface Exchange {
  id: string;
  packets: PacketPathView[];
  firstNs: number;
}

export const netnsLabel = (h: PacketHopView) => h.netnsName ?? `ns:${h.netnsInode}`;

export function groupExchanges(packets: Iterable<PacketPathView>): Exchange[] {
  const byId = new Map<string, Exchange>();
  for (const p of packets) {
    const id = p.exchange || p.key;
    let x = byId.get(id);
    if (!x) byId.set(id, (x = { id, packets: [], firstNs: p.firstNs }));
    x.packets.push(p);
    x.firstNs = Math.min(x.firstNs, p.firstNs);
  }
  for (const x of byId.values()) x.packets.sort((a, b) => a.firstNs - b.firstNs);
  return [...byId.values()].sort((a, b) => a.firstNs - b.firstNs);
}

export function stepsOf(x: Exchange): Step[] {
  const steps: Step[] = [];
  let arrow = 0;
  for (const p of x.packets) {
    let prev: PacketHopView | undefined;
    for (const hop of p.hops) {
      const s: Step = { step: steps.length + 1, leg: p.label, packet: p, hop, netns: netnsLabel(hop) };
      if (prev && (prev.netnsInode !== hop.netnsInode || prev.ifindex !== hop.ifindex || prev.ifname !== hop.ifname)) {
        s.arrow = ++arrow;
        s.from = { netns: netnsLabel(prev), ifname: prev.ifname };
      }
      steps.push(s);
      prev = hop;
    }
  }
  return steps;
}

export function describePacket(p: PacketPathView): string {
  if (p.icmp) return `${p.protocol} ${p.label} id=${p.icmp.id} seq=${p.icmp.seq}`;
  if (p.tcp) return `tcp ${p.tcp.sport}>${p.tcp.dport} [${p.tcp.flags}]`;
  if (p.udp) return `udp ${p.udp.sport}>${p.udp.dport}`;
  return `${p.protocol} ${p.label}`;
}

/** `DROP NETFILTER_DROP at nft_do_chain` (the CLI's words); a kernel without drop reasons gives the place only. */
export function dropLabel(h: PacketHopView): string {
  if (!h.drop) return '';
  return h.drop.reason ? `DROP ${h.drop.reason} at ${h.drop.location}` : `DROP at ${h.drop.location} (no reason from this kernel)`;
}
