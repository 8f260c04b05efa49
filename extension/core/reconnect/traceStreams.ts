// Trace streams that survive reconnects. The agent's stream ids die with the agent process, so the session hands out
// its own ids and maps them to the current agent stream; after a reconnect it re-issues trace.start with the same
// parameters and reports what was lost in between as a TraceGap (never silently: docs/ssh.md "Reconnect").
import type { TraceEventsParams, TraceStartParams } from '../../../protocol/agent';
import type { AgentClient } from '../agentClient';
import type { TraceCounters } from '../../../protocol/agent';

/** What one stream missed while the connection was down. */
export interface TraceGap {
  /** The session's stream id (stable). */
  stream: string;
  /** When the link was lost and when the stream was running again (ms since the epoch). */
  from: number;
  to: number;
  /**
   * trace_pipe: an upper bound of lines this stream missed: lines that left the host's trace buffer (read by any
   * reader, or overwritten) between the last sample before the drop and the restart, minus the lines we received
   * in that interval. null when the source has no such counter (packet_path, perf_array).
   */
  lostLines: number | null;
  /** Events the interrupted agent stream reported as dropped (sum of its batches' `dropped`), for the summary. */
  droppedByAgent: number;
  /** Events the previous agent counted as sent (`sent`) that never arrived here. */
  sentNotReceived: number;
  /** How lostLines was measured, in words for the user. */
  measuredBy: string;
}

export interface SessionTraceStream {
  readonly id: string;
  readonly params: TraceStartParams;
  /** Events received so far, over all connections. */
  readonly received: number;
  /** Sum of the agent's `dropped` counts over all connections. */
  readonly dropped: number;
  /** Batches of events; `params.stream` is this stream's stable id. */
  onEvents(listener: (p: TraceEventsParams) => void): () => void;
  onGap(listener: (g: TraceGap) => void): () => void;
  stop(): Promise<void>;
}

/** How often trace_pipe's kernel counters are sampled while a stream is open (bounds the gap estimate's slack). */
const SAMPLE_MS = 1000;
/** trace_pipe has one reader at a time: when the agent's reader fails (busy), retry with this backoff. */
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 4000;
/** What the agent says (agent.log) when its trace_pipe reader fails; see remote-agent/trace/lineSource.ts. */
const READER_FAILED = /trace_pipe reader (ended|failed)/;

interface StreamState {
  id: string;
  params: TraceStartParams;
  agentStream: string | undefined;
  received: number;
  dropped: number;
  /** The `sent` counter of the current agent stream at its last batch, and what we received from that agent. */
  agentSent: number;
  receivedFromAgent: number;
  droppedFromAgent: number;
  /** Baseline for the gap: the kernel's `gone` counter and our `received` at the last sample while healthy. */
  base: { gone: number; received: number; at: number } | undefined;
  /** The agent's reader failed (trace_pipe busy) or the link is down: the baseline stays where it was. */
  broken: boolean;
  eventListeners: Set<(p: TraceEventsParams) => void>;
  gapListeners: Set<(g: TraceGap) => void>;
  stopped: boolean;
}

class Stream implements SessionTraceStream {
  constructor(
    private readonly s: StreamState,
    private readonly owner: TraceStreams,
  ) {}
  get id() {
    return this.s.id;
  }
  get params() {
    return this.s.params;
  }
  get received() {
    return this.s.received;
  }
  get dropped() {
    return this.s.dropped;
  }
  onEvents(l: (p: TraceEventsParams) => void) {
    this.s.eventListeners.add(l);
    return () => {
      this.s.eventListeners.delete(l);
    };
  }
  onGap(l: (g: TraceGap) => void) {
    this.s.gapListeners.add(l);
    return () => {
      this.s.gapListeners.delete(l);
    };
  }
  stop() {
    return this.owner.stop(this.s.id);
  }
}

export class TraceStreams {
  private readonly streams = new Map<string, StreamState>();
  private next = 1;
  private subscribedClient: AgentClient | undefined;
  private unsubscribe: (() => void) | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private sampling = false;
  private lostAt: number | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Counts the agent's reader failures (agent.log), to notice one that arrives while a restart is in flight. */
  private readerFailures = 0;
  private restarting: Promise<void> = Promise.resolve();
  private restartDelay = RESTART_MIN_MS;

  constructor(
    /** The agent client of the current connection (the counters are read through it: trace.counters). */
    private readonly client: () => AgentClient,
  ) {}

  async start(params: TraceStartParams): Promise<SessionTraceStream> {
    const id = `s${this.next++}`;
    const s: StreamState = {
      id,
      params,
      agentStream: undefined,
      received: 0,
      dropped: 0,
      agentSent: 0,
      receivedFromAgent: 0,
      droppedFromAgent: 0,
      base: undefined,
      broken: false,
      eventListeners: new Set(),
      gapListeners: new Set(),
      stopped: false,
    };
    this.subscribe();
    s.agentStream = (await this.client().traceStart(params)).stream;
    this.streams.set(id, s);
    if (params.source === 'trace_pipe') {
      // The stream's start is its first baseline, even if its reader fails at once (trace_pipe busy).
      const c = await this.readCounters().catch(() => undefined);
      if (c && !s.base) s.base = { gone: c.gone, received: s.received, at: Date.now() };
    }
    this.schedule();
    return new Stream(s, this);
  }

  async stop(id: string): Promise<void> {
    const s = this.streams.get(id);
    if (!s) return;
    s.stopped = true;
    this.streams.delete(id);
    if (this.streams.size === 0) this.unschedule();
    if (s.agentStream !== undefined && !this.client().isClosed) await this.client().traceStop({ stream: s.agentStream });
  }

  async stopAll(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await Promise.all([...this.streams.keys()].map((id) => this.stop(id).catch(() => undefined)));
    this.unschedule();
  }

  /** The link died: stop sampling; remember when. */
  connectionLost(): void {
    this.lostAt = Date.now();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.unschedule();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.subscribedClient = undefined;
  }

  /** Reconnected: measure the gap, restart every open stream under its old id, tell each stream's listeners. */
  async resume(): Promise<TraceGap[]> {
    const from = this.lostAt ?? Date.now();
    this.lostAt = undefined;
    if (this.streams.size === 0) return [];
    this.subscribe();
    const gaps = await this.restart([...this.streams.values()], from, 'reconnected');
    this.schedule();
    return gaps;
  }

  /**
   * Restarts `streams` on the current agent and reports, per stream, what was missed since its baseline: the growth
   * of the kernel's `gone` counter minus what the stream received in that interval (an upper bound).
   */
  private async restart(streams: StreamState[], from: number, why: string): Promise<TraceGap[]> {
    let after: TraceCounters | undefined;
    let counterError = '';
    if (streams.some((s) => s.params.source === 'trace_pipe')) {
      try {
        after = await this.readCounters();
      } catch (e) {
        counterError = (e as Error).message;
      }
    }
    const gaps: TraceGap[] = [];
    for (const s of streams) {
      if (s.stopped) continue;
      const sentNotReceived = Math.max(0, s.agentSent - s.receivedFromAgent);
      const gap: TraceGap = {
        stream: s.id,
        from,
        to: 0,
        lostLines: null,
        droppedByAgent: s.droppedFromAgent,
        sentNotReceived,
        measuredBy: '',
      };
      if (s.params.source === 'trace_pipe' && s.base && after) {
        const left = after.gone - s.base.gone;
        const got = s.received - s.base.received;
        gap.lostLines = Math.max(0, left - got);
        gap.measuredBy = `kernel trace buffer counters (read events + overrun) grew by ${left} since ${new Date(s.base.at).toISOString()}; ${got} of those lines reached this stream (${why})`;
      } else if (s.params.source === 'trace_pipe') {
        gap.measuredBy = `unknown (${why}): ${counterError || 'no counter sample before the interruption'}`;
      } else {
        gap.measuredBy = `unknown (${why}): ${s.params.source} has no kernel-side counter; events between ${new Date(from).toISOString()} and the restart were not seen`;
      }
      const old = s.agentStream;
      const failuresBefore = this.readerFailures;
      try {
        s.agentStream = (await this.client().traceStart(s.params)).stream;
        s.agentSent = 0;
        s.receivedFromAgent = 0;
        s.droppedFromAgent = 0;
        // A reader failure reported while trace.start was in flight (trace_pipe busy at once) keeps the stream
        // broken, so the restart timer readerFailed() set will try again.
        s.broken = this.readerFailures !== failuresBefore;
        // The next gap counts from here (set before awaiting anything: a new failure may be reported meanwhile).
        if (after) s.base = { gone: after.gone, received: s.received, at: Date.now() };
      } catch (e) {
        gap.measuredBy += `; restart failed: ${(e as Error).message}`;
        s.broken = true;
      }
      // After a reader failure on a live connection the old agent stream still exists: end it.
      if (old && old !== s.agentStream && !this.client().isClosed && why !== 'reconnected') {
        await this.client()
          .traceStop({ stream: old })
          .catch(() => undefined);
      }
      gap.to = Date.now();
      gaps.push(gap);
      for (const l of s.gapListeners) l(gap);
    }
    return gaps;
  }

  /** The agent's trace_pipe reader failed (another reader holds trace_pipe): retry with backoff. */
  private readerFailed(): void {
    this.readerFailures++;
    const pipes = [...this.streams.values()].filter((s) => s.params.source === 'trace_pipe');
    if (!pipes.length || this.lostAt !== undefined) return;
    const first = !pipes.some((s) => s.broken);
    for (const s of pipes) s.broken = true;
    if (first) this.restartDelay = RESTART_MIN_MS;
    if (this.restartTimer) return;
    const from = Date.now();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.lostAt !== undefined) return; // the reconnect restarts them
      const still = [...this.streams.values()].filter((s) => s.params.source === 'trace_pipe' && s.broken);
      this.restartDelay = Math.min(RESTART_MAX_MS, this.restartDelay * 2);
      // One restart at a time; a failure during it schedules the next round.
      this.restarting = this.restarting
        .then(() =>
          this.restart(
            still.filter((s) => s.broken),
            from,
            'trace_pipe reader failed, restarted',
          ),
        )
        .then(
          () => undefined,
          () => undefined,
        );
    }, this.restartDelay);
    this.restartTimer.unref();
  }

  /** Gave up reconnecting: streams end. */
  abandon(_reason: Error): void {
    this.unschedule();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    for (const s of this.streams.values()) s.stopped = true;
    this.streams.clear();
  }

  private subscribe(): void {
    const client = this.client();
    if (this.subscribedClient === client) return;
    this.unsubscribe?.();
    const d = client.onTraceEvents((p) => this.route(p));
    const l = client.onAgentLog((p) => {
      if (READER_FAILED.test(p.message)) this.readerFailed();
    });
    this.subscribedClient = client;
    this.unsubscribe = () => {
      d.dispose();
      l.dispose();
    };
  }

  private route(p: TraceEventsParams): void {
    for (const s of this.streams.values()) {
      if (s.agentStream !== p.stream) continue;
      const n = p.columns ? p.columns.count : p.events.length;
      s.received += n;
      s.receivedFromAgent += n;
      s.dropped += p.dropped;
      s.droppedFromAgent += p.dropped;
      s.agentSent = p.sent;
      const out: TraceEventsParams = { ...p, stream: s.id };
      for (const l of s.eventListeners) l(out);
    }
  }

  private schedule(): void {
    if (this.sampleTimer || ![...this.streams.values()].some((s) => s.params.source === 'trace_pipe')) return;
    this.sampleTimer = setInterval(() => {
      void this.sample();
    }, SAMPLE_MS);
    this.sampleTimer.unref();
  }

  private unschedule(): void {
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.sampleTimer = undefined;
  }

  private async sample(): Promise<void> {
    if (this.sampling || this.lostAt !== undefined) return;
    this.sampling = true;
    try {
      const counters = await this.readCounters();
      if (this.lostAt !== undefined) return; // the link died while sampling: the sample may be incomplete
      const at = Date.now();
      for (const s of this.streams.values()) {
        if (s.params.source === 'trace_pipe' && !s.broken) s.base = { gone: counters.gone, received: s.received, at };
      }
    } catch {
      // A failed sample leaves the previous baseline in place: the gap estimate only gets looser, never smaller.
    } finally {
      this.sampling = false;
    }
  }

  private readCounters(): Promise<TraceCounters> {
    return this.client().traceCounters();
  }
}
