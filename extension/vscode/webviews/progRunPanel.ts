// "Run Program on Packet...": an editor panel per program with the packet form; each run builds the frame
// (core/packet/build.ts), sends it through the program with the agent's prog.run, and answers with the result and
// its decoded differences (core/packet/runReport.ts).
import * as vscode from 'vscode';
import type { ProgRunTarget, ProgRunToHost, ProgRunToView, ProgRunView } from '../../../protocol/webview';
import { buildPacket, bytesToHex } from '../../core/packet/build';
import { runReport } from '../../core/packet/runReport';
import { ViewChannel } from './channel';
import { renderView } from './viewPage';
import type { WebviewHost } from './webviewHost';

export class ProgRunPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly host: WebviewHost) {}

  open(target: ProgRunTarget, packet?: string): void {
    const existing = this.panels.get(target.ref);
    if (existing) {
      existing.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel('ebpfNetDebug.progRun', `Run ${target.name}`, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    this.panels.set(target.ref, panel);
    const channel = new ViewChannel<ProgRunToView, ProgRunToHost>(panel.webview, this.host.log);
    renderView(panel.webview, this.host.extensionUri, 'progRun', `Run ${target.name}`);
    const sub = channel.onMessage((m) => {
      if (m.type === 'ready') channel.post({ type: 'target', target, ...(packet ? { packet } : {}) });
      else if (m.type === 'run') void channel.answer(m.requestId, () => this.run(target, m));
    });
    panel.onDidDispose(() => {
      sub.dispose();
      this.panels.delete(target.ref);
    });
  }

  private async run(target: ProgRunTarget, m: Extract<ProgRunToHost, { type: 'run' }>): Promise<ProgRunView> {
    const session = this.host.getSession();
    if (!session) throw new Error('Not connected: run "eBPF: Connect to Host..." first');
    const packet = m.packet ? m.packet.replace(/[\s:]/g, '').toLowerCase() : bytesToHex(buildPacket(m.spec!));
    const result = await session.client.progRun({ program: target.ref, packet, repeat: m.repeat, runs: m.runs });
    return { packet, result, report: runReport(packet, result) };
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
  }
}
