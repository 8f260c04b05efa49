// One verdict capture in an editor panel: starts the capture (extension/core/capture), posts its packets to the
// packet list webview as they come, stops from the view (or when the panel closes), saves pcapng, opens Wireshark.
// Every packet stays here (the view keeps the newest 20,000), so saving writes the whole capture.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import type { CaptureInfo, CapturedPacket, CaptureSummary } from '../../../protocol/types';
import type { PacketListToHost, PacketListToView } from '../../../protocol/webview';
import { capturesToPcapng } from '../../core/capture/pcapng';
import { packetRow } from '../../core/capture/rows';
import { CaptureRun, type CaptureRunOptions } from '../../core/capture/run';
import type { AgentClient } from '../../core/agentClient';
import { ViewChannel, describe } from './channel';
import { renderView } from './viewPage';

/** `wireshark` on this machine's PATH, if any. */
export function findWireshark(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'wireshark');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export class PacketListPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly channel: ViewChannel<PacketListToView, PacketListToHost>;
  private run: CaptureRun | undefined;
  private info: CaptureInfo | undefined;
  private readonly packets: CapturedPacket[] = [];
  private summary: CaptureSummary | undefined;
  private stopping: Promise<void> | undefined;
  private readonly wireshark = findWireshark();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly title: string,
  ) {
    this.panel = vscode.window.createWebviewPanel('ebpfNetDebug.packetList', title, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    this.channel = new ViewChannel<PacketListToView, PacketListToHost>(this.panel.webview, log);
    renderView(this.panel.webview, extensionUri, 'packetList', title);
    const sub = this.channel.onMessage((m) => this.onMessage(m));
    this.panel.onDidDispose(() => {
      sub.dispose();
      void this.stop();
    });
  }

  /** Swaps the instrumented program in and streams its packets into the view. */
  async start(client: AgentClient, opts: Omit<CaptureRunOptions, 'onPackets'>): Promise<CaptureInfo> {
    const run = await CaptureRun.start(client, {
      ...opts,
      onPackets: (packets, lost) => {
        // packets before the reply are delivered right after it, once `info` is known
        const info = this.info;
        if (!info) {
          this.packets.push(...packets);
          return;
        }
        this.post(info, packets, lost, false);
      },
    });
    this.run = run;
    this.info = run.info;
    this.post(run.info, this.packets.splice(0), 0, false);
    this.channel.post({ type: 'capture', title: this.title, capturing: true, wireshark: !!this.wireshark });
    return run.info;
  }

  private post(info: CaptureInfo, packets: CapturedPacket[], lost: number, replace: boolean): void {
    const first = this.packets.length;
    this.packets.push(...packets);
    if (!packets.length && !lost && !replace) return;
    this.channel.post({ type: 'packets', rows: packets.map((p, i) => packetRow(info, p, first + i + 1)), replace, lost });
  }

  private onMessage(m: PacketListToHost): void {
    switch (m.type) {
      case 'ready': {
        // a reload of the view: everything again
        const info = this.info;
        this.channel.post({ type: 'capture', title: this.title, capturing: !!this.run && !this.summary, wireshark: !!this.wireshark });
        if (info)
          this.channel.post({ type: 'packets', rows: this.packets.map((p, i) => packetRow(info, p, i + 1)), replace: true, lost: 0 });
        if (this.summary) this.postSummary(this.summary);
        break;
      }
      case 'stop':
        void this.channel.answer(m.requestId, async () => {
          await this.stop();
          return { capturing: false };
        });
        break;
      case 'save':
        void this.channel.answer(m.requestId, async () => ({ saved: await this.save(m.numbers) }));
        break;
      case 'openWireshark':
        void this.channel.answer(m.requestId, async () => ({ opened: await this.openWireshark(m.numbers) }));
        break;
    }
  }

  /** Puts the plain program back (once); the view gets the kernel's counts. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const run = this.run;
      if (!run) return;
      try {
        const summary = (this.summary = await run.stop());
        this.postSummary(summary);
        if (!summary.restored.ok)
          void vscode.window.showErrorMessage(`Capture Verdicts: ${summary.restored.message ?? 'the plain program could not be put back'}`);
        this.log.info(
          `capture ${summary.capture} on ${run.info.attachment}: seen ${summary.seen}, matched ${summary.matched}, lost ${summary.lost}, ${JSON.stringify(summary.verdicts)}`,
        );
      } catch (e) {
        this.channel.post({ type: 'status', state: 'error', message: `stopping the capture: ${describe(e)}` });
        throw e;
      }
    })();
    return this.stopping;
  }

  private postSummary(s: CaptureSummary): void {
    this.channel.post({ type: 'summary', seen: s.seen, matched: s.matched, lost: s.lost, verdicts: s.verdicts, restored: s.restored.ok });
  }

  private pcapng(numbers?: number[]): Buffer {
    const info = this.info;
    if (!info) throw new Error('nothing captured yet');
    const wanted = numbers ? new Set(numbers) : undefined;
    return capturesToPcapng(this.packets.filter((_, i) => !wanted || wanted.has(i + 1)).map((packet) => ({ info, packet })));
  }

  private async save(numbers?: number[]): Promise<string | null> {
    const bytes = this.pcapng(numbers);
    const uri = await vscode.window.showSaveDialog({ title: 'Save Capture as pcapng', filters: { pcapng: ['pcapng'] }, saveLabel: 'Save' });
    if (!uri) return null;
    await vscode.workspace.fs.writeFile(uri, bytes);
    return uri.fsPath;
  }

  private async openWireshark(numbers?: number[]): Promise<boolean> {
    if (!this.wireshark) throw new Error("wireshark is not on this machine's PATH");
    const dir = await mkdtemp(join(tmpdir(), 'ebpf-netdebug-capture-'));
    const file = join(dir, 'capture.pcapng');
    await writeFile(file, this.pcapng(numbers));
    const child = spawn(this.wireshark, ['-r', file], { detached: true, stdio: 'ignore' });
    child.on('error', (e) => this.log.warn(`wireshark: ${e.message}`));
    child.unref();
    return true;
  }

  dispose(): void {
    this.panel.dispose();
  }
}
