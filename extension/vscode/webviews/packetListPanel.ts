// A packet list in an editor panel (webview/packetList), fed by a verdict capture (verdictCaptureFeed.ts) or by a
// packet path trace (packetPathPanel.ts): the feed hands it rows as they come, the view's Stop stops the feed, Save
// as pcapng and Open in Wireshark write the feed's own pcapng of the rows the view shows. Every packet stays with the
// feed (the view keeps the newest 20,000), so saving writes the whole capture.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as vscode from 'vscode';
import type { PacketListRow, PacketListToHost, PacketListToView } from '../../../protocol/webview';
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

export type PacketListSummary = Omit<Extract<PacketListToView, { type: 'summary' }>, 'type'>;

/** Where a packet list's rows come from. */
export interface PacketListFeed {
  /** Still producing rows (the Stop button is enabled). */
  running(): boolean;
  /** Every row so far, by number (the view was reloaded). */
  rows(): PacketListRow[];
  /** The kernel's counts once stopped, when the feed has any. */
  summary(): PacketListSummary | undefined;
  /** The rows numbered `numbers` (all when absent) as a pcapng file. */
  pcapng(numbers?: number[]): Buffer;
  /** The view's Stop. */
  stop(): Promise<void>;
}

export class PacketListPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly channel: ViewChannel<PacketListToView, PacketListToHost>;
  private readonly wireshark = findWireshark();
  private readonly disposed = new vscode.EventEmitter<void>();
  /** Fires once when the user closes the panel. */
  readonly onDidDispose = this.disposed.event;
  private feed: PacketListFeed | undefined;
  private closed = false;

  constructor(
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
    private readonly title: string,
    private readonly verdictHeading = 'Verdict',
  ) {
    this.panel = vscode.window.createWebviewPanel('ebpfNetDebug.packetList', title, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    this.channel = new ViewChannel<PacketListToView, PacketListToHost>(this.panel.webview, log);
    renderView(this.panel.webview, extensionUri, 'packetList', title);
    const sub = this.channel.onMessage((m) => this.onMessage(m));
    this.panel.onDidDispose(() => {
      sub.dispose();
      this.closed = true;
      this.disposed.fire();
      this.disposed.dispose();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Connects the feed: the view gets its title, state and every row it has so far. */
  setFeed(feed: PacketListFeed): void {
    this.feed = feed;
    this.postState();
    this.channel.post({ type: 'packets', rows: feed.rows(), replace: true, lost: 0 });
  }

  /** New rows; `lost` counts packets lost since the previous call. */
  addRows(rows: PacketListRow[], lost: number): void {
    if (!rows.length && !lost) return;
    this.channel.post({ type: 'packets', rows, replace: false, lost });
  }

  /** Everything again (a new trace in the same list). */
  replaceRows(rows: PacketListRow[]): void {
    this.channel.post({ type: 'packets', rows, replace: true, lost: 0 });
  }

  /** The feed started or stopped (and its summary, if it has one). */
  postState(): void {
    const feed = this.feed;
    this.channel.post({
      type: 'capture',
      title: this.title,
      capturing: !!feed?.running(),
      wireshark: !!this.wireshark,
      verdictHeading: this.verdictHeading,
    });
    const s = feed?.summary();
    if (s) this.channel.post({ type: 'summary', ...s });
  }

  error(message: string): void {
    this.channel.post({ type: 'status', state: 'error', message });
  }

  reveal(): void {
    this.panel.reveal();
  }

  private onMessage(m: PacketListToHost): void {
    switch (m.type) {
      case 'ready': {
        // a reload of the view: everything again
        const feed = this.feed;
        if (!feed) break;
        this.postState();
        this.channel.post({ type: 'packets', rows: feed.rows(), replace: true, lost: 0 });
        break;
      }
      case 'stop':
        void this.channel.answer(m.requestId, async () => {
          try {
            await this.feed?.stop();
          } catch (e) {
            this.error(`stopping: ${describe(e)}`);
            throw e;
          }
          this.postState();
          return { capturing: !!this.feed?.running() };
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

  private pcapng(numbers?: number[]): Buffer {
    if (!this.feed) throw new Error('nothing captured yet');
    return this.feed.pcapng(numbers);
  }

  private async save(numbers?: number[]): Promise<string | null> {
    const bytes = this.pcapng(numbers);
    const uri = await vscode.window.showSaveDialog({ title: 'Save as pcapng', filters: { pcapng: ['pcapng'] }, saveLabel: 'Save' });
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
