// A packet path trace as rows of the packet list webview (protocol/webview.ts PacketListRow): one row per hop that
// carries the packet's bytes, numbered in the order the hops reached the client. The verdict column holds the hop's
// tracepoint, or DROP (coloured as a drop) on the kfree_skb hop, with the reason and the function that freed it.
// Hops without bytes (the bpftrace backend, or packetBytes 0) are not listed, only counted: the list decodes every
// row from its bytes.
import type { PacketListRow } from '../../../protocol/webview';
import type { PacketHop, PacketPath } from './types';

const LEAVING = new Set(['net_dev_queue']);
const ARRIVING = new Set(['netif_rx', 'netif_receive_skb_entry', 'napi_gro_receive_entry']);

export function hopDirection(tracepoint: string): PacketListRow['direction'] {
  return LEAVING.has(tracepoint) ? 'egress' : ARRIVING.has(tracepoint) ? 'ingress' : 'unknown';
}

/** The row of hop `index` of `p`, numbered `no`; undefined for a hop without bytes. */
export function hopRow(p: PacketPath, index: number, no: number): PacketListRow | undefined {
  const h = p.hops[index];
  if (!h?.packet) return undefined;
  const timeUs = h.epochNs !== undefined ? Number(BigInt(h.epochNs) / 1000n) : Math.floor(h.timestampNs / 1000);
  return {
    no,
    timeUs,
    netns: h.netnsName ?? String(h.netnsInode),
    dev: h.ifname || '(no device)',
    direction: hopDirection(h.tracepoint),
    verdict: h.drop ? 'DROP' : h.tracepoint,
    verdictClass: h.drop ? 'drop' : 'pass',
    len: h.packet.length,
    data: h.packet.data,
    link: h.packet.link,
    hop: `hop ${index + 1} (${h.tracepoint}) of ${p.label}${p.exchange ? ` ${p.exchange}` : ''} ${p.src} -> ${p.dst}`,
    ...(h.drop
      ? { reason: h.drop.reason ? `${h.drop.reason} at ${h.drop.location}` : `at ${h.drop.location} (this kernel reports no drop reason)` }
      : {}),
  };
}

/** Numbers hops as they arrive, so a row keeps its number while its packet gains hops. */
export class PacketPathRows {
  private readonly numbers = new WeakMap<PacketHop, number>();
  private next = 1;
  /** Hops seen without bytes: not listed. */
  withoutBytes = 0;

  /** Rows for the hops of `changed` that have no number yet, in time order. */
  add(changed: readonly PacketPath[]): PacketListRow[] {
    const fresh: { p: PacketPath; i: number }[] = [];
    for (const p of changed)
      p.hops.forEach((h, i) => {
        if (this.numbers.has(h)) return;
        if (!h.packet) {
          this.numbers.set(h, 0);
          this.withoutBytes++;
          return;
        }
        fresh.push({ p, i });
      });
    fresh.sort((a, b) => a.p.hops[a.i].timestampNs - b.p.hops[b.i].timestampNs);
    return fresh.map(({ p, i }) => {
      const no = this.next++;
      this.numbers.set(p.hops[i], no);
      return hopRow(p, i, no)!;
    });
  }

  /** The number a hop was given (0 or undefined: not listed). */
  numberOf(h: PacketHop): number | undefined {
    return this.numbers.get(h);
  }

  /** Every listed row of `paths` (what the view holds, after a reload), by number. */
  all(paths: readonly PacketPath[]): PacketListRow[] {
    const rows: PacketListRow[] = [];
    for (const p of paths)
      p.hops.forEach((h, i) => {
        const no = this.numbers.get(h);
        const row = no ? hopRow(p, i, no) : undefined;
        if (row) rows.push(row);
      });
    return rows.sort((a, b) => a.no - b.no);
  }
}
