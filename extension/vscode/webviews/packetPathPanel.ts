// "Trace Packet Path...": starts the agent's packet path tracer with the user's filter, groups hop events into
// packets with extension/core/packetPath, and posts the packets each batch created or changed. "Packet List" in the
// view opens the same trace's hops in a packet list (webview/packetList): their bytes decoded, DROP rows with the
// kernel's reason, Save as pcapng (the file `trace --source packet-path -w` writes).
import * as vscode from 'vscode';
import type { PacketPathEvent } from '../../../protocol/types';
import type { PacketListRow, PacketPathToHost, PacketPathToView } from '../../../protocol/webview';
import { PacketPathGrouper, PacketPathRows, packetPathsToPcapng, parsePacketFilter } from '../../core/packetPath';
import type { SessionTraceStream } from '../../core/reconnect/traceStreams';
import { ViewChannel, describe } from './channel';
import { PacketListPanel, type PacketListFeed } from './packetListPanel';
import { renderView } from './viewPage';
import type { WebviewHost } from './webviewHost';

/** Bytes of each packet the tracer copies when the setting is absent (CLI `--snaplen`'s default too). */
export const DEFAULT_PACKET_BYTES = 128;

/** The setting `ebpfNetDebug.packetPath.packetBytes`, bounded to what trace.start accepts (0-256). */
export function packetBytesSetting(): number {
  const n = vscode.workspace.getConfiguration('ebpfNetDebug').get<number>('packetPath.packetBytes', DEFAULT_PACKET_BYTES);
  return Number.isInteger(n) ? Math.min(256, Math.max(0, n)) : DEFAULT_PACKET_BYTES;
}

export class PacketPathPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private channel: ViewChannel<PacketPathToView, PacketPathToHost> | undefined;
  private stream: SessionTraceStream | undefined;
  private off: (() => void) | undefined;
  private grouper = new PacketPathGrouper();
  private rows = new PacketPathRows();
  private filter = '';
  private snaplen = DEFAULT_PACKET_BYTES;
  private list: PacketListPanel | undefined;

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
    } else if (m.type === 'openPacketList') {
      void c.answer(m.requestId, () => {
        this.openPacketList();
        return Promise.resolve({ opened: true });
      });
    }
  }

  /** The trace's hops in a packet list panel (one per trace view; shown again if open). */
  openPacketList(): PacketListPanel {
    if (this.list && !this.list.isClosed) {
      this.list.reveal();
      return this.list;
    }
    const list = (this.list = new PacketListPanel(this.host.extensionUri, this.host.log, 'Packet Path: packets', 'Hop / drop'));
    list.onDidDispose(() => {
      if (this.list === list) this.list = undefined;
    });
    const feed: PacketListFeed = {
      running: () => this.stream !== undefined,
      rows: () => this.rows.all(this.grouper.paths()),
      summary: () => undefined,
      pcapng: (numbers) => this.pcapng(numbers),
      stop: async () => {
        await this.stop();
        this.channel?.post({ type: 'filter', filter: this.filter, tracing: false });
      },
    };
    list.setFeed(feed);
    return list;
  }

  /** The listed hops numbered `numbers` (all when absent), as `trace --source packet-path -w` writes them. */
  private pcapng(numbers?: number[]): Buffer {
    const wanted = numbers && new Set(numbers);
    const { bytes, packets } = packetPathsToPcapng(
      this.grouper.paths(),
      this.snaplen,
      (h) => {
        const no = this.rows.numberOf(h);
        return !!no && (!wanted || wanted.has(no));
      },
      'ebpf-netdebug packet path',
    );
    if (!packets)
      throw new Error(
        this.rows.withoutBytes
          ? 'the hops carry no packet bytes (ebpfNetDebug.packetPath.packetBytes is 0, or the host traces with bpftrace)'
          : 'no packet to save yet',
      );
    return bytes;
  }

  private async start(filterText: string): Promise<void> {
    const packetFilter = parsePacketFilter(filterText); // throws PacketFilterError naming the bad word
    const session = this.host.getSession();
    if (!session) throw new Error('Not connected: run "eBPF: Connect to Host..." first');
    await this.stop();
    this.filter = filterText;
    this.grouper = new PacketPathGrouper();
    this.rows = new PacketPathRows();
    this.channel?.post({ type: 'packets', packets: [], replace: true, dropped: 0 });
    this.list?.replaceRows([]);
    // the picture needs no bytes, the packet list and its pcapng do (ebpfNetDebug.packetPath.packetBytes)
    this.snaplen = packetBytesSetting();
    const stream = (this.stream = await session.startTrace({ source: 'packet_path', packetFilter, packetBytes: this.snaplen }));
    this.off = stream.onEvents((p) => {
      const changed = this.grouper.add(p.events as PacketPathEvent[]);
      this.channel?.post({ type: 'packets', packets: changed, replace: false, dropped: p.dropped });
      const rows: PacketListRow[] = this.rows.add(changed);
      this.list?.addRows(rows, p.dropped);
    });
    this.channel?.post({ type: 'status', state: 'connected', host: session.name });
    this.list?.postState();
  }

  private async stop(): Promise<void> {
    this.off?.();
    this.off = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s) await s.stop().catch((e: unknown) => this.host.log.warn(`stopping the packet path tracer: ${describe(e)}`));
    if (s && this.list && !this.list.isClosed) this.list.postState();
  }

  dispose(): void {
    this.panel?.dispose();
    this.list?.dispose();
    void this.stop();
  }
}
