// "Show Program Statistics": an editor panel with the host's programs by CPU share. While it is open the agent
// keeps the kernel's run-time statistics on (core/stats/statsWatch.ts: stats.start, a sample every second,
// stats.stop when the panel closes or the session changes); the latest rates also feed the tree's tooltips.
import * as vscode from 'vscode';
import type { ProgramStatsToHost, ProgramStatsToView } from '../../../protocol/webview';
import { clearRates, publishRates } from '../../core/stats/liveRates';
import { StatsWatch } from '../../core/stats/statsWatch';
import { ViewChannel, describe } from './channel';
import { renderView } from './viewPage';
import type { WebviewHost } from './webviewHost';

const INTERVAL_MS = 1000;

export class ProgramStatsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channel: ViewChannel<ProgramStatsToView, ProgramStatsToHost> | undefined;
  private watch: StatsWatch | undefined;
  private readonly sessionSub: vscode.Disposable;

  constructor(private readonly host: WebviewHost) {
    // a new session (reconnect, another host) needs its own subscription; the old agent's went with it
    this.sessionSub = host.onDidChangeSession(() => {
      if (this.panel) void this.restart();
    });
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = (this.panel = vscode.window.createWebviewPanel(
      'ebpfNetDebug.programStats',
      'Program Statistics',
      vscode.ViewColumn.Active,
      { retainContextWhenHidden: true },
    ));
    const channel = (this.channel = new ViewChannel<ProgramStatsToView, ProgramStatsToHost>(panel.webview, this.host.log));
    renderView(panel.webview, this.host.extensionUri, 'programStats', 'Program Statistics');
    const sub = channel.onMessage((m) => {
      if (m.type === 'ready') void this.restart();
    });
    panel.onDidDispose(() => {
      sub.dispose();
      this.panel = undefined;
      this.channel = undefined;
      void this.stop();
    });
  }

  private async restart(): Promise<void> {
    await this.stop();
    const session = this.host.getSession();
    const c = this.channel;
    if (!c) return;
    if (!session) {
      c.post({ type: 'status', state: 'noSession', message: 'Not connected: connect to a host to see its programs' });
      return;
    }
    const watch = (this.watch = new StatsWatch(
      session.client,
      INTERVAL_MS,
      (t) => {
        publishRates(t.rates);
        this.channel?.post({
          type: 'rates',
          at: t.at,
          intervalS: t.intervalS,
          rates: t.rates.map(({ id, name, type, runsPerSec, avgNs, cpuPercent, attachedTo }) => ({
            id,
            name,
            type,
            runsPerSec,
            avgNs,
            cpuPercent,
            attachedTo,
          })),
        });
      },
      (e) => this.channel?.post({ type: 'status', state: 'error', message: describe(e) }),
    ));
    try {
      const mode = await watch.start();
      this.channel?.post({ type: 'stats', on: true, mode });
    } catch (e) {
      c.post({ type: 'status', state: 'error', message: describe(e) });
    }
  }

  private async stop(): Promise<void> {
    const w = this.watch;
    this.watch = undefined;
    clearRates();
    if (w) await w.stop();
    this.channel?.post({ type: 'stats', on: false });
  }

  dispose(): void {
    this.sessionSub.dispose();
    this.panel?.dispose();
    void this.stop();
  }
}
