// The "eBPF Trace" panel view: subscribes to trace_pipe on the current session while the view exists, and
// forwards batches to the webview. retainContextWhenHidden is on for this one view because its ring of up to
// ebpfNetDebug.trace.maxRows rows lives in the webview: without it, hiding the panel would throw them away (and
// re-sending 100,000 rows through getState on every batch would cost far more than keeping the page alive).
import * as vscode from 'vscode';
import { TraceBatcher } from './traceBatcher';
import { DEFAULT_TRACE_MAX_ROWS, toTraceColumns, type LiveTraceToHost, type LiveTraceToView } from '../../../protocol/webview';
import type { TraceEvent } from '../../../protocol/types';
import type { HostSession } from '../hostSession';
import type { SessionTraceStream } from '../../core/reconnect/traceStreams';
import { ViewChannel, describe } from './channel';
import { renderView } from './viewPage';
import type { WebviewHost } from './webviewHost';

export const LIVE_TRACE_VIEW_ID = 'ebpfNetDebug.liveTrace';
const DEFAULT_MAX_ROWS = DEFAULT_TRACE_MAX_ROWS;

export class LiveTraceView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private channel: ViewChannel<LiveTraceToView, LiveTraceToHost> | undefined;
  private stream: SessionTraceStream | undefined;
  private streamOff: (() => void) | undefined;
  private wanted = true;
  // Columns all the way (protocol/traceColumns.ts): the agent parses trace_pipe into them (trace.start `columns`),
  // and the webview unpacks a handful of arrays per batch instead of thousands of objects, which is what kept its
  // main thread and garbage collector busy in a flood.
  // Posted straight to the webview (not through the channel) for postMessage's promise: the batcher holds back
  // and counts lines while the view has not taken the last 100,000.
  private readonly batcher = new TraceBatcher((lines, dropped) => {
    const message: LiveTraceToView = { type: 'lines', dropped, ...lines };
    return this.view?.webview.postMessage(message);
  });
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly host: WebviewHost) {
    this.disposables.push(host.onDidChangeSession((s) => void this.follow(s)));
    if (host.onDidChangeTraceMaxRows)
      this.disposables.push(host.onDidChangeTraceMaxRows((n) => this.channel?.post({ type: 'config', maxRows: n })));
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const channel = (this.channel = new ViewChannel<LiveTraceToView, LiveTraceToHost>(view.webview, this.host.log));
    renderView(view.webview, this.host.extensionUri, 'liveTrace', 'eBPF Trace');
    const subs = [
      channel.onMessage((m) => this.onMessage(m)),
      view.onDidDispose(() => {
        for (const d of subs) d.dispose();
        this.view = undefined;
        this.channel = undefined;
        void this.stop();
      }),
    ];
  }

  /** "Show Live Trace": reveal the panel view (VS Code resolves it if it was never shown). */
  async show(): Promise<void> {
    await vscode.commands.executeCommand(`${LIVE_TRACE_VIEW_ID}.focus`);
  }

  private onMessage(m: LiveTraceToHost): void {
    switch (m.type) {
      case 'ready':
        this.channel?.post({ type: 'config', maxRows: this.host.traceMaxRows?.() ?? DEFAULT_MAX_ROWS });
        void this.follow(this.host.getSession());
        break;
      case 'save':
        void this.channel?.answer(m.requestId, () => this.save(m.format, m.content));
        break;
      case 'stream':
        void this.channel?.answer(m.requestId, async () => {
          this.wanted = m.on;
          if (m.on) await this.follow(this.host.getSession());
          else await this.stop();
          return { on: this.stream !== undefined };
        });
        break;
    }
  }

  /** (Re)subscribes to the given session's trace_pipe, or says there is none. */
  private async follow(session: HostSession | undefined): Promise<void> {
    await this.stop();
    if (!this.channel) return;
    if (!session) {
      this.channel.post({ type: 'status', state: 'noSession' });
      return;
    }
    if (!this.wanted) return;
    this.channel.post({ type: 'status', state: 'connecting', host: session.name });
    // The agent says on agent.log when trace_pipe is held by another reader (the kernel admits one) and it
    // retries; the view shows that instead of an empty list that looks like silence, until lines flow again.
    // Subscribed before trace.start: the agent says it once, as soon as its first reader fails.
    let waiting = false;
    const logSub = session.client.onAgentLog((p) => {
      if (!/^trace_pipe (is busy|reader)/.test(p.message)) return;
      waiting = true;
      this.channel?.post({ type: 'status', state: 'waiting', host: session.name, message: p.message });
    });
    try {
      const stream = await session.startTrace({ source: 'trace_pipe', columns: true });
      this.stream = stream;
      const eventsOff = stream.onEvents((p) => {
        if (waiting) {
          waiting = false;
          this.channel?.post({ type: 'status', state: 'connected', host: session.name });
        }
        this.batcher.add(p.columns ?? toTraceColumns(p.events as TraceEvent[]), p.dropped);
      });
      this.streamOff = () => {
        eventsOff();
        logSub.dispose();
      };
      if (!waiting) this.channel?.post({ type: 'status', state: 'connected', host: session.name });
    } catch (e) {
      logSub.dispose();
      this.host.log.error(`live trace on ${session.name}: ${describe(e)}`);
      this.channel?.post({ type: 'status', state: 'error', host: session.name, message: describe(e) });
    }
  }

  private async stop(): Promise<void> {
    this.streamOff?.();
    this.streamOff = undefined;
    const s = this.stream;
    this.stream = undefined;
    this.batcher.flush();
    if (s) await s.stop().catch((e: unknown) => this.host.log.warn(`stopping the trace stream: ${describe(e)}`));
  }

  private async save(format: 'text' | 'json', content: string): Promise<{ saved: boolean; path?: string }> {
    const target = await vscode.window.showSaveDialog({
      title: 'Save trace lines',
      saveLabel: 'Save',
      filters: format === 'json' ? { JSON: ['json'] } : { Text: ['txt', 'log'] },
      defaultUri: vscode.Uri.file(`trace.${format === 'json' ? 'json' : 'txt'}`),
    });
    if (!target) return { saved: false };
    await vscode.workspace.fs.writeFile(target, Buffer.from(content, 'utf8'));
    return { saved: true, path: target.fsPath };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    void this.stop();
  }
}
