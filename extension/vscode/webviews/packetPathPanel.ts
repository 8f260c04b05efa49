// "Trace Packet Path...": starts the agent's packet path tracer with the user's filter, groups hop events into
// packets with extension/core/packetPath, and posts the packets each batch created or changed.
import * as vscode from 'vscode';
import type { PacketPathEvent } from '../../../protocol/types';
import type { PacketPathToHost, PacketPathToView } from '../../../protocol/webview';
import { PacketPathGrouper, parsePacketFilter } from '../../core/packetPath';
import type { SessionTraceStream } from '../../core/reconnect/traceStreams';
import { ViewChannel, describe } from './channel';
import { renderView } from './viewPage';
import type { WebviewHost } from './webviewHost';

export class PacketPathPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channel: ViewChannel<PacketPathToView, PacketPathToHost> | undefined;
  private stream: SessionTraceStream | undefined;
  private off: (() => void) | undefined;
  private grouper = new PacketPathGrouper();
  private filter = '';

  constructor(private readonly host: WebviewHost) {}

  /** Opens the panel; with a filter (from the command's input box) tracing starts at once. */
  async open(filter?: string): Promise<void> {
    if (filter !== undefined) this.filter = filter;
    if (!this.panel) {
      const panel = (this.panel = vscode.window.createWebviewPanel('ebpfNetDebug.packetPath', 'Packet Path', vscode.ViewColumn.Active, {}));
      const channel = (this.channel = new ViewChannel<PacketPathToView, PacketPathToHost>(panel.webview, this.host.log));
      renderView(panel.webview, this.host.extensionUri, 'packetPath', 'Packet Path');
      const sub = channel.onMessage((m) => this.onMessage(m));
      panel.onDidDispose(() => {
        sub.dispose();
        this.panel = undefined;
        this.channel = undefined;
        void this.stop();
      });
    } else {
      this.panel.reveal();
    }
    if (filter !== undefined && this.channel)
      await this.start(filter).catch((e) => this.channel?.post({ type: 'status', state: 'error', message: describe(e) }));
  }

  private onMessage(m: PacketPathToHost): void {
    const c = this.channel;
    if (!c) return;
    if (m.type === 'ready') {
      c.post({ type: 'filter', filter: this.filter, tracing: this.stream !== undefined });
      c.post({ type: 'packets', packets: this.grouper.paths(), replace: true, dropped: 0 });
    } else if (m.type === 'start') {
      void c.answer(m.requestId, async () => {
        await this.start(m.filter);
        return { tracing: true };
      });
    } else if (m.type === 'stop') {
      void c.answer(m.requestId, async () => {
        await this.stop();
        return { tracing: false };
      });
    }
  }

  private async start(filterText: string): Promise<void> {
    const packetFilter = parsePacketFilter(filterText); // throws PacketFilterError naming the bad word
    const session = this.host.getSession();
    if (!session) throw new Error('Not connected: run "eBPF: Connect to Host..." first');
    await this.stop();
    this.filter = filterText;
    this.grouper = new PacketPathGrouper();
    this.channel?.post({ type: 'packets', packets: [], replace: true, dropped: 0 });
    // the picture needs no packet bytes: leave them on the host
    const stream = (this.stream = await session.startTrace({ source: 'packet_path', packetFilter, packetBytes: 0 }));
    this.off = stream.onEvents((p) => {
      const changed = this.grouper.add(p.events as PacketPathEvent[]);
      this.channel?.post({ type: 'packets', packets: changed, replace: false, dropped: p.dropped });
    });
    this.channel?.post({ type: 'status', state: 'connected', host: session.host });
  }

  private async stop(): Promise<void> {
    this.off?.();
    this.off = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s) await s.stop().catch((e: unknown) => this.host.log.warn(`stopping the packet path tracer: ${describe(e)}`));
  }

  dispose(): void {
    this.panel?.dispose();
    void this.stop();
  }
}
