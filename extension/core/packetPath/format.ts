// Text for terminals, one line per hop and a blank line between packets, in the spirit of the tracepkt article:
//   [4026532177 end_lab_a]        eth0  request #15770.001 10.0.0.1 -> 10.0.0.2   +0.000 ms  net_dev_queue
//   [4026532246 end_lab_br]     veth-a  request #15770.001 10.0.0.1 -> 10.0.0.2   +0.023 ms  netif_rx
//   [4026532300 end_lab_b]        eth0  request #15770.001 10.0.0.1 -> 10.0.0.2   +0.041 ms  kfree_skb  DROP NETFILTER_DROP at nft_do_chain
// and the JSON shape scripts read (`--json`).
import type { PacketDrop } from '../../../protocol/types';
import type { PacketPath } from './types';

function netnsColumn(p: PacketPath['hops'][number]): string {
  return `[${p.netnsInode}${p.netnsName ? ` ${p.netnsName}` : ''}]`;
}

function what(p: PacketPath): string {
  if (p.icmp) return `${p.label}${p.exchange ? ` ${p.exchange}` : ''} ${p.src} -> ${p.dst}`;
  if (p.tcp) return `${p.label} ${p.exchange} seq ${p.tcp.seq}${p.tcp.flags.includes('ACK') ? ` ack ${p.tcp.ack}` : ''}`;
  if (p.udp) return `${p.label} ${p.exchange}`;
  return `${p.label} ${p.src} -> ${p.dst}`;
}

/** `DROP NETFILTER_DROP at nft_do_chain`; a kernel without drop reasons gives the place only, and says so. */
export function dropText(d: PacketDrop): string {
  return d.reason ? `DROP ${d.reason} at ${d.location}` : `DROP at ${d.location} (this kernel reports no drop reason)`;
}

function ms(ns: number): string {
  return `+${(ns / 1e6).toFixed(3)} ms`;
}

export function formatPacketPaths(paths: readonly PacketPath[]): string {
  if (!paths.length) return 'no packets matched\n';
  const hops = paths.flatMap((p) => p.hops);
  const nsWidth = Math.max(...hops.map((h) => netnsColumn(h).length));
  const ifWidth = Math.max(...hops.map((h) => h.ifname.length));
  const labelWidth = Math.max(...paths.map((p) => p.label.length));
  const blocks = paths.map((p) => {
    const body = what({ ...p, label: p.label.padStart(labelWidth) });
    const lines = p.hops.map(
      (h) =>
        `${netnsColumn(h).padEnd(nsWidth)} ${h.ifname.padStart(ifWidth)}  ${body}  ${ms(h.sinceFirstNs)}  ${h.tracepoint}${h.drop ? `  ${dropText(h.drop)}` : ''}`,
    );
    const width = Math.max(...lines.map((l) => l.indexOf('  +')));
    return lines
      .map((l) => {
        const at = l.indexOf('  +');
        return `${l.slice(0, at).padEnd(width)}${l.slice(at)}`;
      })
      .join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** The `--json` shape: `{ packets: PacketPath[] }`, stable for scripts. */
export function packetPathsJson(paths: readonly PacketPath[]): { packets: PacketPath[] } {
  return { packets: paths.map((p) => ({ ...p, hops: p.hops.map((h) => ({ ...h })) })) };
}
