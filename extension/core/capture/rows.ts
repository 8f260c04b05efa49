// Captured packets as rows of the packet list webview (protocol/webview.ts PacketListRow): the verdict named and
// classed (the packet goes on, is dropped, is sent elsewhere) for the program type of the capture.
import type { PacketListRow } from '../../../protocol/webview';
import { TC_VERDICTS, XDP_VERDICTS, type CaptureInfo, type CapturedPacket } from '../../../protocol/types';

const XDP_CLASS: Record<number, PacketListRow['verdictClass']> = { 0: 'drop', 1: 'drop', 2: 'pass', 3: 'redirect', 4: 'redirect' };
const TC_CLASS: Record<number, PacketListRow['verdictClass']> = { [-1]: 'pass', 0: 'pass', 2: 'drop', 4: 'drop', 7: 'redirect', 8: 'drop' };

export function verdictName(kind: CaptureInfo['kind'], value: number): string {
  return (kind === 'xdp' ? XDP_VERDICTS : TC_VERDICTS)[value] ?? `${kind === 'xdp' ? 'XDP' : 'TC_ACT'} ${value}`;
}

export function packetRow(info: CaptureInfo, p: CapturedPacket, no: number): PacketListRow {
  const verdict = verdictName(info.kind, p.verdict);
  const verdictClass = (info.kind === 'xdp' ? XDP_CLASS : TC_CLASS)[p.verdict] ?? 'other';
  return {
    no,
    timeUs: p.timeUs,
    netns: info.netns,
    dev: info.dev,
    direction: info.direction,
    verdict,
    verdictValue: p.verdict,
    verdictClass,
    len: p.len,
    data: p.data,
    ...(verdictClass === 'drop'
      ? { reason: `${info.program} returned ${verdict}${p.verdict === 0 && info.kind === 'xdp' ? ' (an error in the program)' : ''}` }
      : {}),
  };
}
