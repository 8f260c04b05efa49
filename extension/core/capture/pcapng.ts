// Captured packets as pcapng (the shared writer of ../pcapng): one interface per capture (its device and
// namespace), Ethernet link type (XDP and tc both see the frame from its MAC header), the direction in epb_flags and
// the program's return code in epb_verdict (eBPF XDP or eBPF TC).
import type { CaptureInfo, CapturedPacket } from '../../../protocol/types';
import { LINKTYPE, PcapngWriter, type PcapngSink } from '../pcapng';

export const APPLICATION = 'ebpf-netdebug verdict capture';

/** Writes packets of one or more captures; interfaces are declared as their captures first appear. */
export class CapturePcapng {
  private readonly writer: PcapngWriter;

  constructor(sink: PcapngSink) {
    this.writer = new PcapngWriter(sink, { application: APPLICATION });
  }

  get packets(): number {
    return this.writer.packets;
  }

  /** false: the sink wants a pause (a Writable's backpressure). */
  add(info: CaptureInfo, p: CapturedPacket): boolean {
    const interfaceId = this.writer.interfaceId({
      name: info.dev,
      namespace: info.netns,
      linkType: LINKTYPE.ETHERNET,
      snaplen: info.snapLength,
    });
    const data = Buffer.from(p.data, 'base64');
    return this.writer.packet({
      interfaceId,
      timestampNs: BigInt(p.timeUs) * 1000n,
      data,
      originalLength: Math.max(p.len, data.length),
      direction: info.direction === 'ingress' ? 'inbound' : 'outbound',
      verdict: { type: info.kind === 'xdp' ? 'ebpf_xdp' : 'ebpf_tc', value: p.verdict },
    });
  }
}

/** A whole file in memory. */
export function capturesToPcapng(items: readonly { info: CaptureInfo; packet: CapturedPacket }[]): Buffer {
  const chunks: Buffer[] = [];
  const w = new CapturePcapng((c) => {
    chunks.push(c);
  });
  for (const it of items) w.add(it.info, it.packet);
  return Buffer.concat(chunks);
}
