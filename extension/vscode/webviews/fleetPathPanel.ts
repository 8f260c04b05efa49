// "Trace Packet Path Across Hosts...": the packet path tracer on several connected hosts at once (the editor's own
// sessions, each scoped by its host's ebpfNetDebug.hosts[].netnsScope), each host's hops grouped there
// (core/packetPath), joined into one path per packet across the hosts (core/fleet/crossHostPath.ts) and drawn by the
// packets-across-hosts view (webview/fleetPath). Each host's clock offset is estimated from agent round trips before
// the tracers start and again when they stop (the round trip with the least queueing wins, as the CLI's
// `trace --source packet-path --hosts` does) and stated in the view. One panel per trace; closing it stops the trace.
import * as vscode from 'vscode';
import type { TraceEventsParams } from '../../../protocol/agent';
import type { HostClock, PacketPathEvent } from '../../../protocol/types';
import type { FleetPathToHost, FleetPathToView, StatusMessage } from '../../../protocol/webview';
import { estimateClockOffset } from '../../core/fleet/clockOffset';
import { joinPacketPaths } from '../../core/fleet/crossHostPath';
import { PacketPathGrouper, parsePacketFilter } from '../../core/packetPath';
import type { SessionTraceStream } from '../../core/reconnect/traceStreams';
import type { HostSession } from '../hostSession';
import type { NetnsScope } from '../settingsModel';
import { ViewChannel, describe } from './channel';
import { renderView } from './viewPage';

export interface FleetPathMember {
  session: HostSession;
  netnsScope: NetnsScope;
}

/** Round trips per clock estimate (the CLI's count). */
const CLOCK_SAMPLES = 9;
/** Joined paths are posted at most this often while events stream in (a join re-reads every host's packets). */
const POST_EVERY_MS = 250;

interface Traced {
  name: string;
  grouper: PacketPathGrouper;
  stream: SessionTraceStream;
  off: () => void;
  logSub: { dispose(): void };
}

export class FleetPathTrace implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly channel: ViewChannel<FleetPathToView, FleetPathToHost>;
  private readonly clocks = new Map<string, HostClock>();
  private traced: Traced[] = [];
  private status: StatusMessage = { type: 'status', state: 'connecting', message: 'estimating the hosts’ clocks...' };
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private stoppedFlag = false;
  private readonly stopEmitter = new vscode.EventEmitter<void>();
  private readonly changeEmitter = new vscode.EventEmitter<number>();
  /** The trace stopped (Stop, the panel closed, or it could not start on any host). */
  readonly onDidStop = this.stopEmitter.event;
  /** The joined packets were posted again; the event carries how many. */
  readonly onDidChangePackets = this.changeEmitter.event;

  private constructor(
    private readonly members: FleetPathMember[],
    private readonly log: vscode.LogOutputChannel,
    extensionUri: vscode.Uri,
  ) {
    const names = members.map((m) => m.session.name);
    this.panel = vscode.window.createWebviewPanel('ebpfNetDebug.fleetPath', `Packet Path: ${names.join(', ')}`, vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
    });
    this.channel = new ViewChannel<FleetPathToView, FleetPathToHost>(this.panel.webview, log);
    renderView(this.panel.webview, extensionUri, 'fleetPath', 'Packets across hosts');
    const sub = this.channel.onMessage((m) => {
      // The view (re)started: it gets the state and the paths again.
      if (m.type === 'ready') {
        this.postPaths();
        this.channel.post(this.status);
      }
    });
    this.panel.onDidDispose(() => {
      sub.dispose();
      void this.stop();
    });
  }

  /**
   * Opens the panel and starts tracing `filterText` (the packet filter language; a bad word throws
   * PacketFilterError before anything opens) on every member. Resolves once the tracers run on the hosts that could
   * start one; a host that could not is named in the view's status line and the log.
   */
  static async start(
    extensionUri: vscode.Uri,
    log: vscode.LogOutputChannel,
    members: FleetPathMember[],
    filterText: string,
  ): Promise<FleetPathTrace> {
    const packetFilter = parsePacketFilter(filterText);
    const t = new FleetPathTrace(members, log, extensionUri);
    try {
      await t.begin(filterText, packetFilter);
    } catch (e) {
      t.setStatus({ type: 'status', state: 'error', message: describe(e) });
      await t.stop();
      throw e;
    }
    return t;
  }

  get hosts(): string[] {
    return this.members.map((m) => m.session.name);
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  private async begin(filterText: string, packetFilter: ReturnType<typeof parsePacketFilter>): Promise<void> {
    this.setStatus({ type: 'status', state: 'connecting', message: `estimating the clocks of ${this.hosts.join(', ')}...` });
    // Before the tracers load: loading makes the agents busy and the round trips long.
    await this.sampleClocks();
    const failures: string[] = [];
    const started = await Promise.allSettled(
      this.members.map(async ({ session, netnsScope }) => {
        if (!this.clocks.has(session.name)) throw new Error('its clock could not be read (clock.now)');
        const grouper = new PacketPathGrouper();
        const stream = await session.startTrace({ source: 'packet_path', packetFilter, netnsScope });
        if (this.stoppedFlag) {
          await stream.stop().catch(() => undefined);
          return;
        }
        const off = stream.onEvents((b: TraceEventsParams) => {
          grouper.add(b.events as PacketPathEvent[]);
          this.schedulePost();
        });
        const logSub = session.client.onAgentLog((l) => {
          if (l.level === 'error') this.log.warn(`[${session.name}] packet path tracer: ${l.message}`);
        });
        this.traced.push({ name: session.name, grouper, stream, off, logSub });
      }),
    );
    // In the order the hosts were given, whichever tracer came up first.
    this.traced.sort((x, y) => this.hosts.indexOf(x.name) - this.hosts.indexOf(y.name));
    started.forEach((r, i) => {
      if (r.status === 'rejected') failures.push(`${this.members[i].session.name}: ${describe(r.reason)}`);
    });
    if (this.stoppedFlag) return;
    if (!this.traced.length) throw new Error(`the packet path tracer started on no host (${failures.join('; ')})`);
    for (const f of failures) this.log.warn(`trace across hosts: not traced on ${f}`);
    const scopes = this.members
      .filter((m) => this.traced.some((t) => t.name === m.session.name))
      .map((m) => `${m.session.name} ${m.netnsScope}`)
      .join(', ');
    this.log.info(`trace across hosts: ${filterText || '(every packet)'} on ${scopes} (netns scope)`);
    // The clock offsets show with the (still empty) paths; the status line says what is traced where.
    this.postPaths();
    this.setStatus({
      type: 'status',
      state: 'connected',
      message: `tracing ${filterText || 'every packet'} on ${scopes} (network namespace scope)${failures.length ? `; NOT traced: ${failures.join('; ')}` : ''}`,
    });
  }

  /** Each member's clock offset; of this and earlier estimates the one with the shortest round trip is kept. */
  private async sampleClocks(): Promise<void> {
    await Promise.all(
      this.members.map(async ({ session }) => {
        try {
          const c = await estimateClockOffset(() => session.client.clockNow(), CLOCK_SAMPLES);
          const had = this.clocks.get(session.name);
          if (!had || c.uncertaintyNs < had.uncertaintyNs) this.clocks.set(session.name, c);
        } catch (e) {
          this.log.warn(`[${session.name}] clock.now: ${describe(e)}`);
        }
      }),
    );
  }

  private setStatus(s: StatusMessage): void {
    this.status = s;
    this.channel.post(s);
  }

  private schedulePost(): void {
    if (this.timer || this.stoppedFlag) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.postPaths();
    }, POST_EVERY_MS);
  }

  /** The joined paths so far, with the clock offsets they were put on this machine's clock with. */
  private postPaths(): void {
    const inputs = this.traced
      .filter((t) => this.clocks.has(t.name))
      .map((t) => ({ host: t.name, paths: t.grouper.paths(), clock: this.clocks.get(t.name)! }));
    const paths = joinPacketPaths(inputs);
    const clocks = this.hosts.filter((h) => this.clocks.has(h)).map((host) => ({ host, clock: this.clocks.get(host)! }));
    this.channel.post({ type: 'paths', paths, clocks });
    this.changeEmitter.fire(paths.length);
  }

  /** Stops every host's tracer, estimates the clocks once more and posts the final join. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stoppedFlag = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      const traced = this.traced;
      for (const t of traced) {
        t.off();
        t.logSub.dispose();
      }
      await Promise.all(
        traced.map((t) =>
          t.stream.stop().catch((e: unknown) => this.log.warn(`[${t.name}] stopping the packet path tracer: ${describe(e)}`)),
        ),
      );
      if (traced.length) {
        await this.sampleClocks();
        this.postPaths();
        if (this.status.state !== 'error')
          this.setStatus({ type: 'status', state: 'disconnected', message: `stopped (${traced.map((t) => t.name).join(', ')})` });
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
