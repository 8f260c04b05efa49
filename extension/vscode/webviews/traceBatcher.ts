// Merges trace batches from the agent for a short while before posting them to the live trace webview, so a
// flood costs about 1000/flushMs posts per second however small the agent's batches are. Batches stay columns
// (protocol/traceColumns.ts) from the agent to the view: merging them is a few array copies, no object per line.
// Free of 'vscode' so the benchmark drives exactly this code.
import { concatTraceColumns, emptyTraceColumns, sliceTraceColumns, type TraceColumns } from '../../../protocol/traceColumns';

export class TraceBatcher {
  private pending: TraceColumns[] = [];
  private lines = 0;
  private dropped = 0;
  /** Lines posted whose post has not settled yet (the webview has not taken them). */
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `maxLines`: at most this many lines per post. When the host falls behind (a burst over SSH), what piled up goes
   * out in several messages, so the view never gets one message whose copy alone keeps its main thread busy.
   */
  /**
   * `post` may return a promise that settles once the webview has the message (webview.postMessage does): while
   * `maxInFlight` lines are posted and not yet taken, further lines are dropped and counted in the next post's
   * `dropped` (shown in the view) instead of piling up in the extension host without bound.
   */
  constructor(
    private readonly post: (lines: TraceColumns, dropped: number) => PromiseLike<unknown> | void,
    private readonly flushMs = 50,
    private readonly maxLines = 10_000,
    private readonly maxInFlight = 100_000,
  ) {}

  add(columns: TraceColumns | undefined, dropped: number): void {
    if (columns?.count) {
      this.pending.push(columns);
      this.lines += columns.count;
    }
    this.dropped += dropped;
    if (this.lines || this.dropped) this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.lines && !this.dropped) return;
    let dropped = this.dropped;
    const batches = this.pending;
    this.pending = [];
    this.lines = 0;
    this.dropped = 0;
    let group: TraceColumns[] = [];
    let groupLines = 0;
    const send = () => {
      if (groupLines && this.inFlight + groupLines > this.maxInFlight) {
        // the view is not taking what it was sent: count these as dropped, post them never
        this.dropped += dropped + groupLines;
        this.timer ??= setTimeout(() => this.flush(), this.flushMs);
      } else {
        const n = groupLines;
        this.inFlight += n;
        const done = () => {
          this.inFlight -= n;
        };
        const posted = this.post(group.length ? concatTraceColumns(group) : emptyTraceColumns(), dropped);
        if (posted && typeof posted.then === 'function') posted.then(done, done);
        else done();
      }
      dropped = 0;
      group = [];
      groupLines = 0;
    };
    for (const b of batches) {
      for (let from = 0; from < b.count;) {
        const take = Math.min(b.count - from, this.maxLines - groupLines);
        group.push(from === 0 && take === b.count ? b : sliceTraceColumns(b, from, from + take));
        groupLines += take;
        from += take;
        if (groupLines === this.maxLines) send();
      }
    }
    if (groupLines || dropped) send();
  }
}
