// A packet's path across hosts as one pcapng file (`trace --hosts ... -w FILE`): one Interface Description Block
// per host and interface, named HOST/IFNAME (if_description "netns <host's namespace>"), so Wireshark tells R's
// eth0 from A's; each hop that carries the packet's first bytes is one Enhanced Packet Block with the direction and
// two comments as in the single-host file (core/packetPath/pcapng.ts), the hop's line naming its host. Times are
// on this machine's clock: each host's hop time minus its estimated clock offset (core/fleet/clockOffset.ts), so
// hops of different hosts sort as the joined path does.
import type { FleetHop, FleetPacketPath } from '../../../protocol/types';
import { LINKTYPE, PcapngWriter, type PcapngSink } from '../pcapng';
import { dropText } from '../packetPath/format';

const OUTBOUND = new Set(['net_dev_queue']);
const INBOUND = new Set(['netif_rx', 'netif_receive_skb_entry', 'napi_gro_receive_entry']);

function namespaceOf(h: FleetHop): string {
  return h.netnsName ? `${h.netnsName} (${h.netnsInode})` : String(h.netnsInode);
}

/**
 * Writes the hops of `paths` (in path order). `epochMinusClientNs` turns this machine's monotonic clock (the one
 * the hops' `clientNs` are on) into time since the Unix epoch.
 */
export function writeFleetPcapng(
  paths: readonly FleetPacketPath[],
  sink: PcapngSink,
  opts: { snaplen: number; epochMinusClientNs: number; application?: string },
): { packets: number; withoutBytes: number } {
  const writer = new PcapngWriter(sink, { application: opts.application ?? 'ebpf-netdebug trace --hosts --source packet-path' });
  let withoutBytes = 0;
  for (const p of paths) {
    const what = `${p.label}${p.exchange ? ` ${p.exchange}` : ''} ${p.src} -> ${p.dst}`;
    p.hops.forEach((h, i) => {
      if (!h.packet) {
        withoutBytes++;
        return;
      }
      const ifname = h.ifname || '(no device)';
      const interfaceId = writer.interfaceId({
        name: `${h.host}/${ifname}`,
        namespace: namespaceOf(h),
        linkType: h.packet.link === 'ethernet' ? LINKTYPE.ETHERNET : LINKTYPE.RAW,
        snaplen: opts.snaplen,
      });
      const comments = [`hop ${i + 1}/${p.hops.length} on ${h.host}: ${h.tracepoint} in ${namespaceOf(h)} ${ifname}: ${what}`];
      if (h.drop) comments.push(dropText(h.drop));
      const data = Buffer.from(h.packet.data, 'base64');
      writer.packet({
        interfaceId,
        timestampNs: BigInt(Math.round(h.clientNs + opts.epochMinusClientNs)),
        data,
        originalLength: Math.max(h.packet.length, data.length),
        direction: OUTBOUND.has(h.tracepoint) ? 'outbound' : INBOUND.has(h.tracepoint) ? 'inbound' : undefined,
        comments,
      });
    });
  }
  return { packets: writer.packets, withoutBytes };
}
