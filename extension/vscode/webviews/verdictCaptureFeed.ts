// A verdict capture feeding a packet list panel: starts the capture (extension/core/capture), turns its packets into
// rows as they come, stops from the view (or when the panel closes) with the kernel's counts, writes its pcapng.
import * as vscode from 'vscode';
import type { CaptureInfo, CapturedPacket, CaptureSummary } from '../../../protocol/types';
import type { PacketListRow } from '../../../protocol/webview';
import { capturesToPcapng } from '../../core/capture/pcapng';
import { packetRow } from '../../core/capture/rows';
import { CaptureRun, type CaptureRunOptions } from '../../core/capture/run';
import type { AgentClient } from '../../core/agentClient';
import { PacketListPanel, type PacketListFeed, type PacketListSummary } from './packetListPanel';

export class VerdictCaptureFeed implements PacketListFeed, vscode.Disposable {
  private run: CaptureRun | undefined;
  private info: CaptureInfo | undefined;
  private readonly packets: CapturedPacket[] = [];
  private ended: CaptureSummary | undefined;
  private stopping: Promise<void> | undefined;
  readonly panel: PacketListPanel;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    title: string,
  ) {
    this.panel = new PacketListPanel(extensionUri, log, title);
    this.panel.onDidDispose(() => void this.stop().catch(() => undefined));
  }

  /** Swaps the instrumented program in and streams its packets into the view. */
  async start(client: AgentClient, opts: Omit<CaptureRunOptions, 'onPackets'>): Promise<CaptureInfo> {
    const early: CapturedPacket[] = [];
    const run = await CaptureRun.start(client, {
      ...opts,
      onPackets: (packets, lost) => {
        // packets before the reply are delivered right after it, once `info` is known
        if (!this.info) return void early.push(...packets);
        this.add(this.info, packets, lost);
      },
    });
    this.run = run;
    this.info = run.info;
    this.panel.setFeed(this);
    this.add(run.info, early, 0);
    return run.info;
  }

  private add(info: CaptureInfo, packets: CapturedPacket[], lost: number): void {
    const first = this.packets.length;
    this.packets.push(...packets);
    this.panel.addRows(
      packets.map((p, i) => packetRow(info, p, first + i + 1)),
      lost,
    );
  }

  running(): boolean {
    return !!this.run && !this.ended;
  }

  rows(): PacketListRow[] {
    const info = this.info;
    return info ? this.packets.map((p, i) => packetRow(info, p, i + 1)) : [];
  }

  summary(): PacketListSummary | undefined {
    const s = this.ended;
    return s && { seen: s.seen, matched: s.matched, lost: s.lost, verdicts: s.verdicts, restored: s.restored.ok };
  }

  pcapng(numbers?: number[]): Buffer {
    const info = this.info;
    if (!info) throw new Error('nothing captured yet');
    const wanted = numbers ? new Set(numbers) : undefined;
    return capturesToPcapng(this.packets.filter((_, i) => !wanted || wanted.has(i + 1)).map((packet) => ({ info, packet })));
  }

  /** Puts the plain program back (once); the view gets the kernel's counts. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const run = this.run;
      if (!run) return;
      const summary = (this.ended = await run.stop());
      if (!this.panel.isClosed) this.panel.postState();
      if (!summary.restored.ok)
        void vscode.window.showErrorMessage(`Capture Verdicts: ${summary.restored.message ?? 'the plain program could not be put back'}`);
      this.log.info(
        `capture ${summary.capture} on ${run.info.attachment}: seen ${summary.seen}, matched ${summary.matched}, lost ${summary.lost}, ${JSON.stringify(summary.verdicts)}`,
      );
    })();
    return this.stopping;
  }

  dispose(): void {
    this.panel.dispose();
  }
}
