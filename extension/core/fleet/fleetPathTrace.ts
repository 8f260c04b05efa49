// A packet path trace on several hosts at once, without the editor: each host's tracer stream, its hops grouped
// there (core/packetPath), its clock offset (clockOffset.ts), the join across hosts (crossHostPath.ts), and what
// each host is doing. A host whose connection drops mid-trace is LOST: its state says when and why, the hops it
// sent until then stay in the join (its part of a path ends there), and every other host keeps tracing. If its
// session reconnects, the session restarts the tracer (core/reconnect/traceStreams.ts) and the host is tracing
// again, with the gap stated. The editor's "Trace Packet Path Across Hosts..." view (vscode/webviews/
// fleetPathPanel.ts) is drawn from this.
import type { ClockNowResult, TraceEventsParams, TraceStartParams } from '../../../protocol/agent';
import type { FleetHostTraceState, HostClock, PacketFilter, PacketPathEvent } from '../../../protocol/types';
import { PacketPathGrouper } from '../packetPath';
import type { SessionTraceStream } from '../reconnect/traceStreams';
import type { Session } from '../session';
import { estimateClockOffset } from './clockOffset';
import { joinPacketPaths, type FleetPacketPath } from './crossHostPath';

export type { FleetHostTraceState } from '../../../protocol/types';

/** What the connection of a traced host did: dropped (maybe reconnecting), came back, or is gone for good. */
export type ConnectionChange = { state: 'lost' | 'gone'; reason: string } | { state: 'back' };

/** One host as the trace needs it (a core Session: `pathTraceHostOf`; the editor's HostSession: its panel). */
export interface PathTraceHost {
  name: string;
  netnsScope: 'own' | 'all';
  clockNow(): Promise<ClockNowResult>;
  startTrace(params: TraceStartParams): Promise<SessionTraceStream>;
  /** Subscribes to the connection's changes; returns the unsubscribe. */
  onConnection(listener: (c: ConnectionChange) => void): () => void;
  /** The agent's error lines (a tracer that failed on the host), for the log. */
  onAgentError?(listener: (message: string) => void): () => void;
}

/** A core Session as a traced host. */
export function pathTraceHostOf(name: string, session: Session, netnsScope: 'own' | 'all'): PathTraceHost {
  return {
    name,
    netnsScope,
    clockNow: () => session.client.clockNow(),
    startTrace: (p) => session.startTrace(p),
    onConnection: (listener) =>
      session.onStateChange((c) => {
        const reason = c.reason?.message ?? 'connection closed';
        if (c.state === 'reconnecting') listener({ state: 'lost', reason });
        else if (c.state === 'disconnected') listener({ state: 'gone', reason });
        else listener({ state: 'back' });
      }),
    onAgentError: (listener) => {
      const sub = session.client.onAgentLog((l) => {
        if (l.level === 'error') listener(l.message);
      });
      return () => sub.dispose();
    },
  };
}

/** Round trips per clock estimate (the CLI's count). */
const CLOCK_SAMPLES = 9;

interface Traced {
  host: PathTraceHost;
  grouper: PacketPathGrouper;
  stream?: SessionTraceStream;
  state: FleetHostTraceState;
  offs: (() => void)[];
}

export interface FleetPathTraceOptions {
  packetFilter?: PacketFilter;
  /** First bytes of each packet to carry in its events (the CLI's -w pcapng); default the tracer's. */
  packetBytes?: number;
  /** Lines for the log (a host not traced, lost, back). */
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Wall clock, ms (tests). */
  now?: () => number;
}

export class FleetPathTrace {
  private readonly traced: Traced[];
  private readonly clockOf = new Map<string, HostClock>();
  private readonly changeListeners = new Set<() => void>();
  private readonly stateListeners = new Set<(s: FleetHostTraceState) => void>();
  private stopping: Promise<void> | undefined;
  private stoppedFlag = false;
  private readonly now: () => number;

  constructor(
    hosts: PathTraceHost[],
    private readonly opts: FleetPathTraceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.traced = hosts.map((host) => ({
      host,
      grouper: new PacketPathGrouper(),
      state: { host: host.name, state: 'starting', netnsScope: host.netnsScope },
      offs: [],
    }));
  }

  get hosts(): string[] {
    return this.traced.map((t) => t.host.name);
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Every host's state, in the order the hosts were given. */
  hostStates(): FleetHostTraceState[] {
    return this.traced.map((t) => ({ ...t.state }));
  }

  /** Hops arrived (the join may have changed). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** A host's state changed (tracing, not traced, lost, back, stopped). */
  onHostState(listener: (s: FleetHostTraceState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Estimates the clocks, then starts the tracer on every host. Resolves once the tracers run on the hosts that
   * could start one (the others are `not traced`, with why); throws if none could.
   */
  async start(): Promise<void> {
    // Before the tracers load: loading makes the agents busy and the round trips long.
    await this.sampleClocks(this.traced);
    await Promise.all(this.traced.map((t) => this.startOne(t)));
    if (this.stoppedFlag) return;
    if (!this.traced.some((t) => t.state.state === 'tracing')) {
      const why = this.traced.map((t) => `${t.host.name}: ${t.state.reason ?? t.state.state}`).join('; ');
      throw new Error(`the packet path tracer started on no host (${why})`);
    }
  }

  private async startOne(t: Traced): Promise<void> {
    if (!this.clockOf.has(t.host.name)) return this.setState(t, { state: 'not traced', reason: 'its clock could not be read (clock.now)' });
    // Subscribed before the stream starts: a drop during trace.start is a lost host too.
    t.offs.push(t.host.onConnection((c) => this.connectionChanged(t, c)));
    if (t.host.onAgentError) t.offs.push(t.host.onAgentError((m) => this.opts.log?.('warn', `[${t.host.name}] packet path tracer: ${m}`)));
    let stream: SessionTraceStream;
    try {
      stream = await t.host.startTrace({
        source: 'packet_path',
        packetFilter: this.opts.packetFilter,
        netnsScope: t.host.netnsScope,
        ...(this.opts.packetBytes !== undefined ? { packetBytes: this.opts.packetBytes } : {}),
      });
    } catch (e) {
      this.unsubscribe(t);
      return this.setState(t, { state: 'not traced', reason: (e as Error).message });
    }
    if (this.stoppedFlag) {
      await stream.stop().catch(() => undefined);
      return;
    }
    t.stream = stream;
    t.offs.push(
      stream.onEvents((b: TraceEventsParams) => {
        t.grouper.add(b.events as PacketPathEvent[]);
        if (!t.state.firstHopAt) t.state.firstHopAt = this.now();
        t.state.lastHopAt = this.now();
        for (const l of [...this.changeListeners]) l();
      }),
    );
    // A drop seen while trace.start was in flight already made the host lost: that stays.
    if (t.state.state === 'starting') this.setState(t, { state: 'tracing' });
  }

  private connectionChanged(t: Traced, c: ConnectionChange): void {
    if (this.stoppedFlag) return;
    if (c.state === 'back') {
      if (t.state.state !== 'lost' || t.state.final) return;
      const away = t.state.since === undefined ? '' : ` after ${((this.now() - t.state.since) / 1000).toFixed(1)} s`;
      this.opts.log?.('info', `trace across hosts: ${t.host.name} reconnected${away}; its tracer runs again`);
      return this.setState(t, { state: 'tracing', reason: `reconnected${away}: its hops from that time are missing` });
    }
    if (t.state.state === 'lost' && (t.state.final || c.state === 'lost')) return;
    const final = c.state === 'gone';
    const since = t.state.state === 'lost' ? t.state.since : this.now();
    this.opts.log?.(
      'warn',
      `trace across hosts: ${t.host.name} lost (${c.reason})${final ? '' : '; reconnecting'}; its hops stop there, the other hosts go on`,
    );
    this.setState(t, { state: 'lost', reason: c.reason, since, ...(final ? { final: true } : {}) });
  }

  private setState(t: Traced, s: Omit<FleetHostTraceState, 'host' | 'netnsScope' | 'firstHopAt' | 'lastHopAt'>): void {
    const { firstHopAt, lastHopAt } = t.state;
    t.state = {
      host: t.host.name,
      netnsScope: t.host.netnsScope,
      ...s,
      ...(firstHopAt ? { firstHopAt } : {}),
      ...(lastHopAt ? { lastHopAt } : {}),
    };
    for (const l of [...this.stateListeners]) l({ ...t.state });
  }

  private unsubscribe(t: Traced): void {
    for (const off of t.offs.splice(0)) off();
  }

  /** Of this and earlier estimates, each host keeps the one with the shortest round trip. */
  private async sampleClocks(traced: Traced[]): Promise<void> {
    await Promise.all(
      traced.map(async (t) => {
        try {
          const c = await estimateClockOffset(() => t.host.clockNow(), CLOCK_SAMPLES);
          const had = this.clockOf.get(t.host.name);
          if (!had || c.uncertaintyNs < had.uncertaintyNs) this.clockOf.set(t.host.name, c);
        } catch (e) {
          this.opts.log?.('warn', `[${t.host.name}] clock.now: ${(e as Error).message}`);
        }
      }),
    );
  }

  /** The joined paths so far (a lost host's hops up to its loss included), on this machine's clock. */
  paths(): FleetPacketPath[] {
    return joinPacketPaths(
      this.traced
        .filter((t) => t.stream && this.clockOf.has(t.host.name))
        .map((t) => ({ host: t.host.name, paths: t.grouper.paths(), clock: this.clockOf.get(t.host.name)! })),
    );
  }

  /** Each host's clock offset, in host order. */
  clocks(): { host: string; clock: HostClock }[] {
    return this.hosts.filter((h) => this.clockOf.has(h)).map((host) => ({ host, clock: this.clockOf.get(host)! }));
  }

  /** Stops every tracer still reachable, estimates their clocks once more; each host that was tracing is `stopped`. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stoppedFlag = true;
      for (const t of this.traced) this.unsubscribe(t);
      const reachable = this.traced.filter((t) => t.stream && t.state.state === 'tracing');
      await Promise.all(
        this.traced
          .filter((t) => t.stream)
          .map((t) =>
            t.stream!.stop().catch((e: unknown) => {
              if (t.state.state === 'tracing')
                this.opts.log?.('warn', `[${t.host.name}] stopping the packet path tracer: ${(e as Error).message}`);
            }),
          ),
      );
      if (reachable.length) await this.sampleClocks(reachable);
      for (const t of reachable) this.setState(t, { state: 'stopped' });
    })();
    return this.stopping;
  }
}
