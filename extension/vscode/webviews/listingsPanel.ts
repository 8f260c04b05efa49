// The listings editor panel (one for the window): programs, network attachments and maps, always asked fresh
// from the agent (the kernel is the source of truth), and map dumps on request. Not retained when hidden: its
// state (tab, filter, sort, open dump) is small and kept with setState, and the data is re-read on `ready`.
import * as vscode from 'vscode';
import type { ListingsCommand, ListingsSnapshot, ListingsTab, ListingsToHost, ListingsToView, MapDump } from '../../../protocol/webview';
import { ViewChannel } from './channel';
import { ListingsDetachGuard } from './listingsDetachGuard';
import { renderView } from './viewPage';
import type { WebviewHost } from './webviewHost';

const ALLOWED_COMMANDS: ReadonlySet<ListingsCommand> = new Set(['ebpfNetDebug.detach', 'ebpfNetDebug.refresh']);

export class ListingsPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channel: ViewChannel<ListingsToView, ListingsToHost> | undefined;
  private wantShow: { tab: ListingsTab; mapId?: number } = { tab: 'programs' };
  private readonly disposables: vscode.Disposable[] = [];
  /** Attachment ids of the last snapshot sent: the only ones a detach from the page may name. */
  private readonly detachGuard = new ListingsDetachGuard();

  constructor(private readonly host: WebviewHost) {
    this.disposables.push(host.onDidChangeSession(() => void this.pushSnapshot()));
    if (host.onDidChangeKernelState) this.disposables.push(host.onDidChangeKernelState(() => void this.pushSnapshot()));
  }

  show(tab: ListingsTab, mapId?: number): void {
    this.wantShow = { tab, mapId };
    if (this.panel) {
      this.panel.reveal();
      this.channel?.post({ type: 'show', tab, mapId });
      return;
    }
    const panel = (this.panel = vscode.window.createWebviewPanel('ebpfNetDebug.listings', 'eBPF Listings', vscode.ViewColumn.Active, {}));
    const channel = (this.channel = new ViewChannel<ListingsToView, ListingsToHost>(panel.webview, this.host.log));
    renderView(panel.webview, this.host.extensionUri, 'listings', 'eBPF Listings');
    const sub = channel.onMessage((m) => this.onMessage(m));
    panel.onDidDispose(() => {
      sub.dispose();
      this.panel = undefined;
      this.channel = undefined;
    });
  }

  private onMessage(m: ListingsToHost): void {
    const c = this.channel;
    if (!c) return;
    switch (m.type) {
      case 'ready':
        c.post({ type: 'show', ...this.wantShow });
        void this.pushSnapshot();
        break;
      case 'refresh':
        void c.answer(m.requestId, () => this.snapshot());
        break;
      case 'dumpMap':
        void c.answer(m.requestId, () => this.dump(m.mapId));
        break;
      case 'reveal':
        this.host.reveal?.({ kind: m.kind, id: m.id, netns: m.netns, dev: m.dev });
        break;
      case 'runCommand':
        if (!ALLOWED_COMMANDS.has(m.command)) {
          this.host.log.warn(`listings asked for a command it may not run: ${m.command}`);
          break;
        }
        if (m.command === 'ebpfNetDebug.detach') void this.detachAsked(m.args);
        else void vscode.commands.executeCommand(m.command);
        break;
    }
  }

  /** A detach from a row: only an id of the last snapshot sent, and only after the user says yes (listingsDetachGuard.ts). */
  private async detachAsked(args: unknown[]): Promise<void> {
    await this.detachGuard.detachAsked(args, {
      confirm: async (question) => (await vscode.window.showWarningMessage(question, { modal: true }, 'Detach')) === 'Detach',
      detach: async (id) => {
        await vscode.commands.executeCommand('ebpfNetDebug.detach', id);
      },
      warn: (message) => this.host.log.warn(message),
    });
  }

  private async pushSnapshot(): Promise<void> {
    const c = this.channel;
    if (!c) return;
    if (!this.host.getSession()) {
      c.post({ type: 'status', state: 'noSession' });
      return;
    }
    try {
      c.post({ type: 'snapshot', snapshot: await this.snapshot() });
    } catch (e) {
      c.post({ type: 'status', state: 'error', message: (e as Error).message });
    }
  }

  private async snapshot(): Promise<ListingsSnapshot> {
    const session = this.host.getSession();
    if (!session) throw new Error('Not connected: run "eBPF: Connect to Host..." first');
    const client = session.client;
    const [programs, maps, net] = await Promise.all([client.listPrograms(), client.listMaps(), client.netList({})]);
    this.detachGuard.remember(net.namespaces, programs);
    return {
      host: session.name,
      at: Date.now(),
      programs,
      maps,
      namespaces: net.namespaces,
      // bpftool prints run_cnt/run_time_ns only while kernel.bpf_stats_enabled is on.
      statsEnabled: programs.some((p) => p.runCnt !== undefined),
    };
  }

  private async dump(mapId: number): Promise<MapDump> {
    if (!Number.isInteger(mapId) || mapId <= 0) throw new Error(`mapId must be a positive map id, got ${JSON.stringify(mapId)}`);
    const session = this.host.getSession();
    if (!session) throw new Error('Not connected: run "eBPF: Connect to Host..." first');
    const r = await session.client.mapDump({ map: `id:${mapId}` });
    return { mapId, entries: r.entries, truncated: r.truncated, at: Date.now() };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.panel?.dispose();
  }
}
