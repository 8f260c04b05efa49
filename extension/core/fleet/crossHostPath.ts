// One packet's path across hosts: each host's tracer groups its own hops into packets (core/packetPath); the same
// packet seen on several hosts has the same grouping key there (addresses, ports, and ICMP id+seq, TCP seq/ack/flags
// or the IPv4 id), so packets are joined by key, within the grouping window once every host's times are put on the
// client's clock (clockOffset.ts).
//
// Order of the hosts' segments: by the wire, not only the clocks (their offsets are known within a fraction of a
// millisecond; a veth crossing takes microseconds): a segment with a higher TTL comes first (routers lower it),
// at equal TTL one that starts by sending comes before one that starts by receiving, then the corrected time
// decides. A hop with a drop reason ends the joined path: the packet died there.
import type { FleetHop, FleetPacketPath, PacketPath } from '../../../protocol/types';

export type { FleetHop, FleetPacketPath } from '../../../protocol/types';
import { dropText, SAME_PACKET_WINDOW_NS } from '../packetPath';
import type { HostClock as ClockOffset } from '../../../protocol/types';

export interface HostPaths {
  host: string;
  paths: PacketPath[];
  clock: ClockOffset;
}

const SENDS = new Set(['net_dev_queue']);

interface Segment {
  host: string;
  path: PacketPath;
  offset: number;
  startClient: number;
}

function firstTtl(s: Segment): number {
  return s.path.hops.find((h) => h.ttl !== undefined)?.ttl ?? -1;
}

function startsWithReceive(s: Segment): number {
  return SENDS.has(s.path.hops[0]?.tracepoint) ? 0 : 1;
}

/** Joins the hosts' packets; a packet seen on one host only is a path of that host alone. In time order. */
export function joinPacketPaths(inputs: HostPaths[]): FleetPacketPath[] {
  const byKey = new Map<string, Segment[][]>();
  for (const { host, paths, clock } of inputs) {
    for (const path of paths) {
      if (!path.hops.length) continue;
      const seg: Segment = { host, path, offset: clock.offsetNs, startClient: path.hops[0].timestampNs - clock.offsetNs };
      const groups = byKey.get(path.key) ?? [];
      // The same key far apart in time is another packet (a wrapped seq, a retransmission).
      const g = groups.find((gr) => gr.some((o) => Math.abs(o.startClient - seg.startClient) <= SAME_PACKET_WINDOW_NS && o.host !== host));
      if (g) g.push(seg);
      else groups.push([seg]);
      byKey.set(path.key, groups);
    }
  }
  const out: FleetPacketPath[] = [];
  for (const groups of byKey.values()) {
    for (const segs of groups) {
      segs.sort((a, b) => firstTtl(b) - firstTtl(a) || startsWithReceive(a) - startsWithReceive(b) || a.startClient - b.startClient);
      const hops: FleetHop[] = [];
      let drop: FleetPacketPath['drop'];
      for (const s of segs) {
        for (const h of s.path.hops) {
          if (drop) break;
          hops.push({ ...h, host: s.host, clientNs: h.timestampNs - s.offset, sinceFirstNs: 0 });
          if (h.drop) drop = { ...h.drop, host: s.host, ifname: h.ifname };
        }
        if (!drop && s.path.drop) drop = { ...s.path.drop, host: s.host, ifname: s.path.hops[s.path.hops.length - 1].ifname };
      }
      const first = hops[0].clientNs;
      for (const h of hops) h.sinceFirstNs = h.clientNs - first;
      const hosts: string[] = [];
      for (const h of hops) if (hosts[hosts.length - 1] !== h.host) hosts.push(h.host);
      const { hops: _ignored, drop: _dropOfOneHost, ...rest } = segs[0].path;
      out.push({ ...rest, firstNs: first, hosts, hops, ...(drop ? { drop } : {}) });
    }
  }
  // By exchange (first seen), a request before its reply whatever the clock estimates say, then by time.
  const exchangeStart = new Map<string, number>();
  for (const p of out) exchangeStart.set(p.exchange, Math.min(exchangeStart.get(p.exchange) ?? Infinity, p.firstNs));
  const rank = (p: FleetPacketPath) => (p.label === 'reply' ? 1 : 0);
  return out.sort(
    (a, b) =>
      exchangeStart.get(a.exchange)! - exchangeStart.get(b.exchange)! ||
      a.exchange.localeCompare(b.exchange) ||
      rank(a) - rank(b) ||
      a.firstNs - b.firstNs,
  );
}

function ms(ns: number): string {
  return `${ns < 0 ? '-' : '+'}${(Math.abs(ns) / 1e6).toFixed(3)} ms`;
}

/**
 * Text: per packet, the hosts in order as `A -> R -> B`, then one line per hop with its host and the time since the
 * first hop ON THAT HOST (one clock, exact); a `~~ wire ~~` line between two hosts with the crossing time the clock
 * estimates give and their combined uncertainty. The header states each host's clock offset.
 */
export function formatFleetPaths(paths: FleetPacketPath[], clocks: { host: string; clock: ClockOffset }[]): string {
  const lines: string[] = [];
  const unc = new Map(clocks.map((c) => [c.host, c.clock.uncertaintyNs]));
  lines.push('Clock offsets (host minus this machine, from agent round trips):');
  for (const c of clocks)
    lines.push(`  ${c.host}: ${(c.clock.offsetNs / 1e6).toFixed(3)} ms +/- ${(c.clock.uncertaintyNs / 1e6).toFixed(3)} ms`);
  if (!paths.length) return `${lines.join('\n')}\n\n(no packets)\n`;
  const hostW = Math.max(...paths.flatMap((p) => p.hops.map((h) => h.host.length)));
  const ifW = Math.max(...paths.flatMap((p) => p.hops.map((h) => h.ifname.length)));
  for (const p of paths) {
    lines.push('');
    lines.push(
      `${p.label} ${p.exchange} ${p.src} -> ${p.dst}  [${p.hosts.join(' -> ')}]${p.drop ? `  DROPPED on ${p.drop.host} ${p.drop.ifname}: ${dropText(p.drop)}` : ''}`,
    );
    let segmentStart = p.hops[0];
    p.hops.forEach((h, i) => {
      const prev = p.hops[i - 1];
      if (prev && prev.host !== h.host) {
        const plusMinus = (unc.get(prev.host) ?? 0) + (unc.get(h.host) ?? 0);
        lines.push(
          `  ${''.padEnd(hostW)}  ~~ wire ~~  ${ms(h.clientNs - prev.clientNs)} by the clock estimates (+/- ${(plusMinus / 1e6).toFixed(3)} ms)`,
        );
        segmentStart = h;
      }
      lines.push(
        `  ${h.host.padEnd(hostW)}  ${h.ifname.padStart(ifW)}  ttl ${String(h.ttl ?? '-').padStart(3)}  ${ms(h.timestampNs - segmentStart.timestampNs).padStart(12)}  ${h.tracepoint}${h.drop ? `  ${dropText(h.drop)}` : ''}`,
      );
    });
  }
  return `${lines.join('\n')}\n`;
}
