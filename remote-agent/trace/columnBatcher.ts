// Batches of trace_pipe lines parsed straight into columns (protocol/traceColumns.ts) for streams started with
// `columns: true`: no object per line, a few array pushes and one slice of the message. A batch goes out when it
// holds maxEvents lines or maxDelayMs after its first line. Backpressure as in batcher.ts: while maxInFlight
// notifications are not yet written to stdout (a slow SSH link), sealed batches wait, up to maxQueued lines in
// all; beyond that lines are dropped and counted (`dropped` of the next batch), never parsed or buffered.
import { emptyTraceColumns, WordIndex, type TraceColumns } from '../../protocol/traceColumns';
import { TRACE_LINE } from '../parsers/tracePipe';
import type { BatcherOptions } from './batcher';

export type ColumnSender = (columns: TraceColumns, dropped: number, sent: number) => Promise<void>;

export class ColumnBatcher {
  private cur = emptyTraceColumns();
  private words = new WordIndex(this.cur.words);
  private parts: string[] = [];
  private at = 0;
  private readonly sealed: TraceColumns[] = [];
  private queued = 0;
  private dropped = 0;
  private sent = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The previous line's raw task (with its pid: `<...>` is named per pid), flags and event name, with their ids. */
  private last = ColumnBatcher.noLast();

  constructor(
    private readonly opts: BatcherOptions,
    private readonly send: ColumnSender,
    /** The name of a task trace_pipe printed as `<...>` (remote-agent/trace/taskNames.ts). */
    private readonly taskName: (task: string, pid: number) => string = (t) => t,
  ) {}

  /** No room for more lines right now: callers drop (`drop(1)`) instead of parsing. */
  get full(): boolean {
    return this.queued >= this.opts.maxQueued;
  }

  drop(n: number): void {
    this.dropped += n;
    // a loss is news even when no line follows it: send it within maxDelayMs
    this.arm();
  }

  /** Parses one trace_pipe line into the current batch; false if it is not a trace line (a header, a blank). */
  pushLine(line: string): boolean {
    if (this.closed) return false;
    if (this.full) {
      this.dropped++;
      return false;
    }
    const m = TRACE_LINE.exec(line);
    if (!m) return false;
    const c = this.cur;
    const pid = Number(m[2]);
    c.timestamp.push(Number(m[5]));
    c.cpu.push(Number(m[3]));
    c.pid.push(pid);
    // A flood's lines mostly repeat the previous line's task, flags and event name: compare with that before
    // hashing a fresh string into the word table (three Map lookups per line were a tenth of the agent's time).
    const l = this.last;
    if (m[1] !== l.task || pid !== l.pid) {
      l.task = m[1];
      l.pid = pid;
      l.taskId = this.words.id(this.taskName(m[1], pid));
    }
    if (m[4] !== l.flags) {
      l.flags = m[4];
      l.flagsId = this.words.id(m[4] ?? '');
    }
    if (m[6] !== l.fn) {
      l.fn = m[6];
      l.fnId = this.words.id(m[6] ?? '');
    }
    c.task.push(l.taskId);
    c.flags.push(l.flagsId);
    c.fn.push(l.fnId);
    this.parts.push(m[7]);
    this.at += m[7].length;
    c.end.push(this.at);
    c.count++;
    this.queued++;
    if (c.count >= this.opts.maxEvents) {
      this.seal();
      if (this.inFlight < this.opts.maxInFlight) this.flush();
    }
    this.arm();
    return true;
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.seal();
    while ((this.sealed.length || this.dropped) && this.inFlight < this.opts.maxInFlight) {
      const batch = this.sealed.shift() ?? emptyTraceColumns();
      const dropped = this.dropped;
      this.dropped = 0;
      this.queued -= batch.count;
      this.sent += batch.count;
      this.inFlight++;
      this.send(batch, dropped, this.sent)
        .catch(() => undefined)
        .finally(() => {
          this.inFlight--;
          if (this.sealed.length) this.flush();
        });
    }
  }

  /** Sends what is queued and stops accepting lines. */
  close(): void {
    this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Nothing remembered (a new batch: word ids are per batch). NUL never occurs in trace_pipe's text. */
  private static noLast() {
    return { task: '\0', pid: -1, taskId: 0, flags: '\0' as string | undefined, flagsId: 0, fn: '\0' as string | undefined, fnId: 0 };
  }

  /** The current batch is complete: it joins the queue and a fresh one starts. */
  private seal(): void {
    if (!this.cur.count) return;
    this.cur.text = this.parts.join('');
    this.sealed.push(this.cur);
    this.cur = emptyTraceColumns();
    this.words = new WordIndex(this.cur.words);
    this.parts = [];
    this.at = 0;
    this.last = ColumnBatcher.noLast();
  }

  private arm(): void {
    if (!this.closed && !this.timer) this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs);
  }
}
