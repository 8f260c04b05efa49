// Packet paths as pcapng (`trace --source packet-path -w FILE`): each hop that carries the packet's first bytes is
// one Enhanced Packet Block on the Interface Description Block of its (interface, namespace), with the direction
// (net_dev_queue leaves an interface, the receive tracepoints arrive) and two comments: the hop ("hop 2/4 netif_rx
// in end_lab_b (4026532667) eth0: request #1.001 10.0.0.1 -> 10.0.0.2") and, on the hop where it died, the drop
// ("DROP NETFILTER_DROP at nft_do_chain"). Wireshark shows them as packet comments (frame.comment).
import type { PacketHop } from '../../../protocol/types';
import { LINKTYPE, PcapngWriter, type PcapngSink } from '../pcapng';
import { dropText } from './format';
import type { PacketPath } from './types';

const OUTBOUND = new Set(['net_dev_queue']);
const INBOUND = new Set(['netif_rx', 'netif_receive_skb_entry', 'napi_gro_receive_entry']);

function namespaceOf(h: PacketHop): string {
  return h.netnsName ? `${h.netnsName} (${h.netnsInode})` : String(h.netnsInode);
}

function summary(p: PacketPath): string {
  return `${p.label}${p.exchange ? ` ${p.exchange}` : ''} ${p.src} -> ${p.dst}`;
}

export class PacketPathPcapng {
  private readonly writer: PcapngWriter;
  /** Hops left out because the tracer sent no bytes for them (the bpftrace backend copies none). */
  withoutBytes = 0;

  constructor(
    sink: PcapngSink,
    private readonly snaplen: number,
    application = 'ebpf-netdebug trace --source packet-path',
  ) {
    this.writer = new PcapngWriter(sink, { application });
  }

  get packets(): number {
    return this.writer.packets;
  }

  /** Writes the packet's hops (those `include` keeps: a packet list saving the rows it shows); false when the sink asked to slow down. */
  add(p: PacketPath, include?: (h: PacketHop) => boolean): boolean {
    let ok = true;
    p.hops.forEach((h, i) => {
      if (include && !include(h)) return;
      if (!h.packet) {
        this.withoutBytes++;
        return;
      }
      const interfaceId = this.writer.interfaceId({
        name: h.ifname || '(no device)',
        namespace: namespaceOf(h),
        linkType: h.packet.link === 'ethernet' ? LINKTYPE.ETHERNET : LINKTYPE.RAW,
        snaplen: this.snaplen,
      });
      const comments = [`hop ${i + 1}/${p.hops.length} ${h.tracepoint} in ${namespaceOf(h)} ${h.ifname || '(no device)'}: ${summary(p)}`];
      if (h.drop) comments.push(dropText(h.drop));
      const data = Buffer.from(h.packet.data, 'base64');
      const direction = OUTBOUND.has(h.tracepoint) ? 'outbound' : INBOUND.has(h.tracepoint) ? 'inbound' : undefined;
      ok =
        this.writer.packet({
          interfaceId,
          timestampNs: h.epochNs !== undefined ? BigInt(h.epochNs) : h.timestampNs,
          data,
          originalLength: Math.max(h.packet.length, data.length),
          direction,
          comments,
        }) && ok;
    });
    return ok;
  }
}

/** A whole file in memory: the hops of `paths` that `include` keeps (all when absent). */
export function packetPathsToPcapng(
  paths: readonly PacketPath[],
  snaplen: number,
  include?: (h: PacketHop) => boolean,
  application?: string,
): { bytes: Buffer; packets: number } {
  const chunks: Buffer[] = [];
  const w = new PacketPathPcapng((c) => void chunks.push(c), snaplen, application);
  for (const p of paths) w.add(p, include);
  return { bytes: Buffer.concat(chunks), packets: w.packets };
}
