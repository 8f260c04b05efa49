// Merges trace batches from the agent for a short while before posting them to the live trace webview, so a
// flood costs about 1000/flushMs posts per second however small the agent's batches are. Free of 'vscode' so
// the benchmark drives exactly this code.
import type { TraceEvent } from '../../../protocol/types';

export class TraceBatcher {
  private pending: TraceEvent[] = [];
  private dropped = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `maxLines`: at most this many lines per post. When the host falls behind (a burst over SSH), what piled up goes
   * out in several messages, so the view never gets one message whose rows take it over 50 ms to take in.
   */
  constructor(
    private readonly post: (lines: TraceEvent[], dropped: number) => void,
    private readonly flushMs = 50,
    private readonly maxLines = 4000,
  ) {}

  add(events: readonly TraceEvent[], dropped: number): void {
    for (const e of events) this.pending.push(e);
    this.dropped += dropped;
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length && !this.dropped) return;
    const lines = this.pending;
    const dropped = this.dropped;
    this.pending = [];
    this.dropped = 0;
    if (lines.length <= this.maxLines) {
      this.post(lines, dropped);
      return;
    }
    for (let i = 0; i < lines.length; i += this.maxLines) this.post(lines.slice(i, i + this.maxLines), i === 0 ? dropped : 0);
  }
}
