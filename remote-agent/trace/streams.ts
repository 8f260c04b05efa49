// trace.start / trace.stop: each stream has its own filter and batcher; trace_pipe streams share one reader
// (lineSource.ts), packet_path streams run the tracer of remote-agent/packetPath.
import type { TraceEventsParams, TraceStartParams } from '../../protocol/agent';
import type { PacketPathEvent, TraceEvent } from '../../protocol/types';
import type { AgentContext } from '../core/context';
import { AgentErrorCode } from '../../protocol/agent';
import { AgentError, badArgument, notFound, unsupported } from '../core/errors';
import { requireObject, validateEnum } from '../core/validate';
import { linearRegex } from '../core/linearRegex';
import { findOnPath } from '../host/bpftool';
import { startPacketPath, type PacketPathTracer } from '../packetPath/index';
import { netnsScopeFilter } from './netnsScope';
import { parseTraceLine } from '../parsers/tracePipe';
import { Batcher } from './batcher';
import { ColumnBatcher } from './columnBatcher';
import { TaskNames, UNKNOWN_TASK } from './taskNames';
import { TracePipeSource } from './lineSource';

/** Trace streams one agent serves at once (each holds a batcher, a packet path stream a tracer process). */
export const MAX_STREAMS = 16;

interface Stream {
  id: string;
  stop(): Promise<void>;
}

/** A filter: plain substring, or /regex/flags. */
export function lineFilter(raw: unknown): ((line: string) => boolean) | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string' || raw.length > 1000) throw badArgument('filter', 'must be a string of at most 1000 characters');
  const m = /^\/(.*)\/([imsu]*)$/s.exec(raw);
  if (m) {
    // linear-time matching: a user's pattern must not be able to stall the agent (remote-agent/core/linearRegex.ts)
    try {
      return linearRegex(m[1], m[2]);
    } catch (e) {
      throw badArgument('filter', `bad regular expression: ${(e as Error).message}`);
    }
  }
  return (l) => l.includes(raw);
}

function batchOptions(raw: unknown): { maxEvents: number; maxDelayMs: number } {
  const b = (raw && typeof raw === 'object' ? raw : {}) as { maxEvents?: unknown; maxDelayMs?: unknown };
  const maxEvents = b.maxEvents === undefined ? 1000 : b.maxEvents;
  const maxDelayMs = b.maxDelayMs === undefined ? 20 : b.maxDelayMs;
  if (typeof maxEvents !== 'number' || !Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 100_000)
    throw badArgument('batch.maxEvents', 'must be 1..100000');
  if (typeof maxDelayMs !== 'number' || maxDelayMs < 1 || maxDelayMs > 10_000) throw badArgument('batch.maxDelayMs', 'must be 1..10000 ms');
  return { maxEvents, maxDelayMs };
}

export class TraceStreams {
  private readonly streams = new Map<string, Stream>();
  private next = 1;
  readonly tracePipe: TracePipeSource;
  private readonly taskNames = new TaskNames();

  constructor(
    private readonly ctx: AgentContext,
    tracePipe?: TracePipeSource,
  ) {
    this.tracePipe =
      tracePipe ??
      new TracePipeSource(
        undefined,
        (message) => ctx.log({ level: 'error', message }),
        (message) => ctx.log({ level: 'info', message }),
      );
  }

  async start(raw: unknown): Promise<{ stream: string }> {
    const p = requireObject(raw, 'trace.start') as Partial<TraceStartParams>;
    const source = validateEnum(p.source, ['trace_pipe', 'perf_array', 'packet_path'] as const, 'source');
    if (this.streams.size >= MAX_STREAMS) {
      throw new AgentError(
        AgentErrorCode.Busy,
        `this agent already runs ${this.streams.size} trace streams (at most ${MAX_STREAMS}); stop one first`,
      );
    }
    const opts = batchOptions(p.batch);
    const id = `${source}-${process.pid}-${this.next++}`;
    const send = <E extends TraceEvent | PacketPathEvent>(events: E[], dropped: number, sent: number) =>
      Promise.resolve(this.ctx.sendTraceEvents({ stream: id, source, events, dropped, sent } as TraceEventsParams));
    const batcher = <E>() => new Batcher<E>({ ...opts, maxQueued: Math.max(opts.maxEvents * 20, 20_000), maxInFlight: 4 }, send as never);

    if (source === 'trace_pipe' && p.columns === true) {
      const filter = lineFilter(p.filter);
      // More room than an events stream: a batch costs a tenth of the memory, and the room is what absorbs a
      // consumer that stalls for a moment (an SSH link, a busy client) without losing lines.
      const b = new ColumnBatcher(
        { ...opts, maxQueued: Math.max(opts.maxEvents * 20, 100_000), maxInFlight: 8 },
        (columns, dropped, sent) =>
          Promise.resolve(this.ctx.sendTraceEvents({ stream: id, source, events: [], columns, dropped, sent } as TraceEventsParams)),
        (task, pid) => (task === UNKNOWN_TASK ? this.taskNames.resolve(pid) : task),
      );
      const unsubscribe = this.tracePipe.subscribe((lines, lost) => {
        if (lost && !filter) b.drop(lost); // see below
        for (const line of lines) if (!filter || filter(line)) b.pushLine(line);
      });
      this.streams.set(id, {
        id,
        stop: async () => {
          unsubscribe();
          b.close();
        },
      });
    } else if (source === 'trace_pipe') {
      const filter = lineFilter(p.filter);
      const b = batcher<TraceEvent>();
      const unsubscribe = this.tracePipe.subscribe((lines, lost) => {
        // lines the kernel overwrote before the reader got them: every one was this stream's unless it filters
        // (then nobody can tell which were), so only an unfiltered stream counts them as dropped
        if (lost && !filter) b.drop(lost);
        for (const line of lines) {
          if (filter && !filter(line)) continue;
          if (b.full) {
            b.drop(1); // parse nothing we would drop anyway: this is what keeps up under a flood
            continue;
          }
          const ev = parseTraceLine(line);
          if (!ev) continue;
          if (ev.task === UNKNOWN_TASK) ev.task = this.taskNames.resolve(ev.pid);
          b.push(ev);
        }
      });
      this.streams.set(id, {
        id,
        stop: async () => {
          unsubscribe();
          b.close();
        },
      });
    } else if (source === 'packet_path') {
      const b = batcher<PacketPathEvent>();
      const inScope = netnsScopeFilter(p.netnsScope);
      const tracer: PacketPathTracer = await startPacketPath(
        {
          filter: p.packetFilter ?? {},
          packetBytes: p.packetBytes,
          bpftool: this.ctx.bpftool,
          object: this.ctx.tracepktObject,
          bpftrace: findOnPath('bpftrace') ? { path: findOnPath('bpftrace') as string } : null,
          // A reader that dies by itself would otherwise leave the stream silent: say so to the client.
          onFailure: (err) => this.ctx.log({ level: 'error', message: `packet path stream ${id}: ${err.message}` }),
        },
        (events, dropped) => {
          b.drop(dropped);
          for (const e of events) if (inScope(e)) b.push(e);
        },
      );
      this.streams.set(id, {
        id,
        stop: async () => {
          await tracer.stop();
          b.close();
        },
      });
    } else {
      throw unsupported('perf_array streams are not built yet; use trace_pipe (bpf_printk) or packet_path');
    }
    return { stream: id };
  }

  async stop(raw: unknown): Promise<{ stopped: boolean }> {
    const p = requireObject(raw, 'trace.stop');
    const s = typeof p.stream === 'string' ? this.streams.get(p.stream) : undefined;
    if (!s) throw notFound('stream', `stream: no trace stream "${String(p.stream)}"`);
    this.streams.delete(s.id);
    await s.stop();
    return { stopped: true };
  }

  async stopAll(): Promise<void> {
    for (const s of [...this.streams.values()]) await s.stop().catch(() => undefined);
    this.streams.clear();
  }
}
