// "Trace Packet Path Across Hosts...": the packet path tracer on several connected hosts at once (the editor's own
// sessions, each scoped by its host's ebpfNetDebug.hosts[].netnsScope), run by the fleet trace engine
// (core/fleet/fleetPathTrace.ts: clocks estimated before the tracers start and again when they stop, each host's
// hops grouped there, joined into one path per packet across the hosts) and drawn by the packets-across-hosts view
// (webview/fleetPath). The view lists every host's state: a host whose connection drops mid-trace is named there as
// lost (when, why, that its hops stop there) while the other hosts keep tracing. The view's Stop button, the
// progress notification's Cancel and closing the panel each stop the trace. One panel per trace.
import * as vscode from 'vscode';
import type { FleetPathToHost, FleetPathToView, StatusMessage } from '../../../protocol/webview';
import { FleetPathTrace as FleetPathEngine, type FleetHostTraceState, type PathTraceHost } from '../../core/fleet/fleetPathTrace';
import { parsePacketFilter } from '../../core/packetPath';
import type { HostSession } from '../hostSession';
import type { NetnsScope } from '../settingsModel';
import { ViewChannel, describe } from './channel';
import { renderView } from './viewPage';

export interface FleetPathMember {
  session: HostSession;
  netnsScope: NetnsScope;
}

/** Joined paths are posted at most this often while events stream in (a join re-reads every host's packets). */
const POST_EVERY_MS = 250;

/** An editor session as a host of the engine: its drops and reconnects, its agent's errors. */
function traceHostOf({ session, netnsScope }: FleetPathMember): PathTraceHost {
  return {
    name: session.name,
    netnsScope,
    clockNow: () => session.client.clockNow(),
    startTrace: (p) => session.startTrace(p),
    onConnection: (listener) => {
      const reconnecting = session.onDidChangeReconnecting((r) =>
        listener(r ? { state: 'lost', reason: 'the connection dropped (reconnecting)' } : { state: 'back' }),
      );
      const closed = session.onDidClose((e) => listener({ state: 'gone', reason: e?.message ?? 'the session was closed' }));
      return () => {
        reconnecting.dispose();
        closed.dispose();
      };
    },
    onAgentError: (listener) => {
      const sub = session.client.onAgentLog((l) => {
        if (l.level === 'error') listener(l.message);
      });
      return () => sub.dispose();
    },
  };
}

export class FleetPathTrace implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly channel: ViewChannel<FleetPathToView, FleetPathToHost>;
  private readonly engine: FleetPathEngine;
  private status: StatusMessage = { type: 'status', state: 'connecting', message: 'estimating the hosts’ clocks...' };
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly stopEmitter = new vscode.EventEmitter<void>();
  private readonly changeEmitter = new vscode.EventEmitter<number>();
  private readonly hostEmitter = new vscode.EventEmitter<FleetHostTraceState>();
  /** The trace stopped (Stop, the panel closed, or it could not start on any host). */
  readonly onDidStop = this.stopEmitter.event;
  /** The joined packets were posted again; the event carries how many. */
  readonly onDidChangePackets = this.changeEmitter.event;
  /** A host's state changed (tracing, not traced, lost, back, stopped). */
  readonly onDidChangeHost = this.hostEmitter.event;

  private constructor(
    members: FleetPathMember[],
    filterText: string,
    private readonly log: vscode.LogOutputChannel,
    extensionUri: vscode.Uri,
  ) {
    const names = members.map((m) => m.session.name);
    this.engine = new FleetPathEngine(members.map(traceHostOf), {
      packetFilter: parsePacketFilter(filterText),
      log: (level, message) => (level === 'warn' ? log.warn(message) : log.info(message)),
    });
    this.panel = vscode.window.createWebviewPanel('ebpfNetDebug.fleetPath', `Packet Path: ${names.join(', ')}`, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    this.channel = new ViewChannel<FleetPathToView, FleetPathToHost>(this.panel.webview, log);
    renderView(this.panel.webview, extensionUri, 'fleetPath', 'Packets across hosts');
    const sub = this.channel.onMessage((m) => {
      // The view (re)started: it gets the state and the paths again.
      if (m.type === 'ready') {
        this.postPaths();
        this.channel.post({ type: 'hosts', hosts: this.engine.hostStates() });
        this.channel.post(this.status);
      }
      if (m.type === 'stop') void this.stop();
    });
    const offChange = this.engine.onChange(() => this.schedulePost());
    const offHost = this.engine.onHostState((h) => {
      this.channel.post({ type: 'hosts', hosts: this.engine.hostStates() });
      this.hostEmitter.fire(h);
      if (h.state === 'lost') {
        // What was joined up to the loss, posted now: the lost host's part of each path ends there.
        this.postPaths();
        if (this.status.state === 'connected') this.setStatus({ ...this.status, message: this.tracingLine() });
      }
      if (h.state === 'tracing' && this.status.state === 'connected') this.setStatus({ ...this.status, message: this.tracingLine() });
    });
    this.panel.onDidDispose(() => {
      sub.dispose();
      offChange();
      offHost();
      void this.stop();
    });
  }

  /**
   * Opens the panel and starts tracing `filterText` (the packet filter language; a bad word throws
   * PacketFilterError before anything opens) on every member. Resolves once the tracers run on the hosts that could
   * start one; a host that could not is named in the view's host list, its status line and the log.
   */
  static async start(
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    members: FleetPathMember[],
    filterText: string,
  ): Promise<FleetPathTrace> {
    parsePacketFilter(filterText);
    const t = new FleetPathTrace(members, filterText, log, extensionUri);
    try {
      t.setStatus({ type: 'status', state: 'connecting', message: `estimating the clocks of ${t.hosts.join(', ')}...` });
      await t.engine.start();
    } catch (e) {
      t.setStatus({ type: 'status', state: 'error', message: describe(e) });
      await t.stop();
      throw e;
    }
    if (t.engine.stopped) return t;
    const states = t.engine.hostStates();
    for (const h of states.filter((x) => x.state === 'not traced')) log.warn(`trace across hosts: not traced on ${h.host}: ${h.reason}`);
    const scopes = states
      .filter((h) => h.state === 'tracing')
      .map((h) => `${h.host} ${h.netnsScope}`)
      .join(', ');
    log.info(`trace across hosts: ${filterText || '(every packet)'} on ${scopes} (netns scope)`);
    // The clock offsets show with the (still empty) paths; the status line says what is traced where.
    t.postPaths();
    t.filterText = filterText;
    t.setStatus({ type: 'status', state: 'connected', message: t.tracingLine() });
    return t;
  }

  private filterText = '';

  get hosts(): string[] {
    return this.engine.hosts;
  }

  get stopped(): boolean {
    return this.engine.stopped;
  }

  /** Every host's state (tracing, not traced, lost, stopped). */
  hostStates(): FleetHostTraceState[] {
    return this.engine.hostStates();
  }

  /** What is traced where, and which hosts are not (any more). */
  private tracingLine(): string {
    const states = this.engine.hostStates();
    const tracing = states.filter((h) => h.state === 'tracing').map((h) => `${h.host} ${h.netnsScope}`);
    const notTraced = states.filter((h) => h.state === 'not traced').map((h) => `${h.host}: ${h.reason}`);
    const lost = states.filter((h) => h.state === 'lost').map((h) => h.host);
    return (
      `tracing ${this.filterText || 'every packet'} on ${tracing.length ? tracing.join(', ') : 'no host'} (network namespace scope)` +
      (lost.length ? `; LOST: ${lost.join(', ')}` : '') +
      (notTraced.length ? `; NOT traced: ${notTraced.join('; ')}` : '')
    );
  }

  private setStatus(s: StatusMessage): void {
    this.status = s;
    this.channel.post(s);
  }

  private schedulePost(): void {
    if (this.timer || this.engine.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.postPaths();
    }, POST_EVERY_MS);
  }

  /** The joined paths so far, with the clock offsets they were put on this machine's clock with. */
  private postPaths(): void {
    const paths = this.engine.paths();
    this.channel.post({ type: 'paths', paths, clocks: this.engine.clocks() });
    this.changeEmitter.fire(paths.length);
  }

  /** Stops every host's tracer, estimates the clocks once more and posts the final join. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      const traced = this.engine.hostStates().filter((h) => h.state !== 'not traced' && h.state !== 'starting');
      await this.engine.stop();
      this.channel.post({ type: 'hosts', hosts: this.engine.hostStates() });
      if (traced.length) {
        this.postPaths();
        if (this.status.state !== 'error') {
          const lost = this.engine.hostStates().filter((h) => h.state === 'lost');
          this.setStatus({
            type: 'status',
            state: 'disconnected',
            message: `stopped (${traced.map((t) => t.host).join(', ')})${lost.length ? `; lost before the stop: ${lost.map((h) => h.host).join(', ')}` : ''}`,
          });
        }
      }
      this.stopEmitter.fire();
    })();
    return this.stopping;
  }

  dispose(): void {
    this.panel.dispose();
    void this.stop();
  }
}
