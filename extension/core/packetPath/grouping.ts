// Groups the tracer's hop events into packets: the same ICMP echo (id, seq, type), the same TCP segment (flow, seq,
// ack, flags) or the same UDP datagram (flow, IPv4 id) is one packet even where the kernel swaps its buffer (skb),
// e.g. when a bridge or a copy hands it on. Events are put in time order first: they come from per-CPU buffers,
// so they do not arrive in the order they happened.
import type { PacketPathEvent } from '../../../protocol/types';
import type { PacketHop, PacketPath } from './types';

/** The same key further apart than this in time is another packet (a retransmission, a wrapped ping seq). */
export const SAME_PACKET_WINDOW_NS = 1_000_000_000;

const ICMP_NAMES: Record<string, string> = {
  '4:8': 'request',
  '4:0': 'reply',
  '4:3': 'unreachable',
  '4:11': 'time-exceeded',
  '4:5': 'redirect',
  '6:128': 'request',
  '6:129': 'reply',
  '6:1': 'unreachable',
  '6:2': 'too-big',
  '6:3': 'time-exceeded',
  '6:133': 'router-solicit',
  '6:134': 'router-advert',
  '6:135': 'neighbor-solicit',
  '6:136': 'neighbor-advert',
};

function isEcho(e: PacketPathEvent): boolean {
  const t = e.icmp?.type;
  return e.family === 4 ? t === 8 || t === 0 : t === 128 || t === 129;
}

/** What the packet is: identical for every hop of one packet, different for any other packet. */
export function packetKey(e: PacketPathEvent): string {
  const ends = `${e.src}>${e.dst}`;
  if (e.icmp) {
    const { type, code, id, seq } = e.icmp;
    // non-echo messages have no id/seq: the IPv4 id (or, for IPv6, the buffer) tells them apart
    return isEcho(e) ? `${e.protocol}:${ends}:${type}:${id}:${seq}` : `${e.protocol}:${ends}:${type}:${code}:${e.ipId ?? e.skb}`;
  }
  if (e.tcp) return `tcp:${e.src}:${e.tcp.sport}>${e.dst}:${e.tcp.dport}:${e.tcp.seq}:${e.tcp.ack}:${e.tcp.flags}`;
  if (e.udp) return `udp:${e.src}:${e.udp.sport}>${e.dst}:${e.udp.dport}:${e.ipId ?? e.skb}`;
  return `${e.protocol}:${ends}:${e.ipId ?? e.skb}`;
}

function endpoint(addr: string, port: number, family: number): string {
  return family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function describe(e: PacketPathEvent): { label: string; exchange: string } {
  if (e.icmp) {
    const name = ICMP_NAMES[`${e.family}:${e.icmp.type}`] ?? `type ${e.icmp.type}/${e.icmp.code}`;
    const exchange = isEcho(e) ? `#${e.icmp.id}.${String(e.icmp.seq).padStart(3, '0')}` : '';
    return { label: name, exchange };
  }
  if (e.tcp) {
    return {
      label: e.tcp.flags || 'none',
      exchange: `${endpoint(e.src, e.tcp.sport, e.family)} > ${endpoint(e.dst, e.tcp.dport, e.family)}`,
    };
  }
  if (e.udp) {
    return { label: 'udp', exchange: `${endpoint(e.src, e.udp.sport, e.family)} > ${endpoint(e.dst, e.udp.dport, e.family)}` };
  }
  return { label: e.protocol, exchange: '' };
}

function hopOf(e: PacketPathEvent, firstNs: number): PacketHop {
  const hop: PacketHop = {
    netnsInode: e.netnsInode,
    ifname: e.ifname,
    ifindex: e.ifindex,
    tracepoint: e.tracepoint,
    timestampNs: e.timestampNs,
    sinceFirstNs: e.timestampNs - firstNs,
    skb: e.skb,
  };
  if (e.netnsName !== undefined) hop.netnsName = e.netnsName;
  if (e.ttl !== undefined) hop.ttl = e.ttl;
  if (e.epochNs !== undefined) hop.epochNs = e.epochNs;
  if (e.drop) hop.drop = { ...e.drop };
  if (e.packet) hop.packet = { ...e.packet };
  return hop;
}

/**
 * Incremental grouping for live views: add() batches as they arrive, paths() in order of first hop.
 * A late event (from another CPU's buffer) still lands in its packet, at its place in time.
 */
export class PacketPathGrouper {
  private readonly all: PacketPath[] = [];
  /** Packets that may still get hops, by key; older ones are let go so a long live trace does not grow this. */
  private readonly open = new Map<string, PacketPath>();
  private newestNs = 0;

  /** Adds events; returns the packets they created or changed. */
  add(events: readonly PacketPathEvent[]): PacketPath[] {
    const changed = new Set<PacketPath>();
    // `all` stays in first-hop order; re-sorting is needed only when a packet lands before the last one
    let unsorted = false;
    for (const e of [...events].sort((a, b) => a.timestampNs - b.timestampNs)) {
      const key = packetKey(e);
      let p = this.open.get(key);
      if (
        p &&
        Math.abs(e.timestampNs - p.hops[p.hops.length - 1].timestampNs) > SAME_PACKET_WINDOW_NS &&
        Math.abs(e.timestampNs - p.firstNs) > SAME_PACKET_WINDOW_NS
      ) {
        p = undefined;
      }
      if (!p) {
        const { label, exchange } = describe(e);
        p = { key, label, exchange, family: e.family, protocol: e.protocol, src: e.src, dst: e.dst, firstNs: e.timestampNs, hops: [] };
        if (e.icmp) p.icmp = { ...e.icmp };
        if (e.tcp) p.tcp = { ...e.tcp };
        if (e.udp) p.udp = { ...e.udp };
        this.open.set(key, p);
        const last = this.all[this.all.length - 1];
        if (last && last.firstNs > p.firstNs) unsorted = true;
        this.all.push(p);
      }
      p.hops.push(hopOf(e, p.firstNs));
      // a dropped packet carries its drop (the kfree_skb hop's) on the packet too
      if (e.drop) p.drop = { ...e.drop };
      if (e.timestampNs < p.firstNs) {
        p.firstNs = e.timestampNs;
        unsorted = true;
      }
      p.hops.sort((a, b) => a.timestampNs - b.timestampNs);
      for (const h of p.hops) h.sinceFirstNs = h.timestampNs - p.firstNs;
      changed.add(p);
      if (e.timestampNs > this.newestNs) this.newestNs = e.timestampNs;
    }
    if (unsorted) this.all.sort((a, b) => a.firstNs - b.firstNs);
    if (this.open.size > 1024) {
      for (const [key, p] of this.open) {
        if (this.newestNs - p.hops[p.hops.length - 1].timestampNs > 2 * SAME_PACKET_WINDOW_NS) this.open.delete(key);
      }
    }
    return [...changed];
  }

  paths(): PacketPath[] {
    return [...this.all];
  }
}

/** Every packet of a finished trace, in order of first hop, each with its hops in time order. */
export function groupPacketPaths(events: readonly PacketPathEvent[]): PacketPath[] {
  const g = new PacketPathGrouper();
  g.add(events);
  return g.paths();
}
