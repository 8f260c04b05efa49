// Batches one stream's events into `trace.events` notifications: a batch goes out when it holds maxEvents or
// maxDelayMs after its first event. Backpressure: while `inFlight` notifications are not yet written to stdout
// (a slow SSH link), events queue up to `maxQueued`; beyond that they are dropped and counted, never buffered
// without bound. `dropped` in each batch counts the losses since the previous batch.
export interface BatcherOptions {
  maxEvents: number;
  maxDelayMs: number;
  maxQueued: number;
  maxInFlight: number;
}

export type BatchSender<E> = (events: E[], dropped: number, sent: number) => Promise<void>;

export class Batcher<E> {
  private queue: E[] = [];
  private dropped = 0;
  private sent = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly send: BatchSender<E>,
  ) {}

  /** Room for more events right now? Callers use it to skip parsing lines that would be dropped anyway. */
  get full(): boolean {
    return this.queue.length >= this.opts.maxQueued;
  }

  drop(n: number): void {
    this.dropped += n;
    // a loss is news even when no event follows it: send it within maxDelayMs
    if (!this.closed && !this.timer) this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs);
  }

  push(e: E): void {
    if (this.closed) return;
    if (this.queue.length >= this.opts.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(e);
    if (this.queue.length >= this.opts.maxEvents) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs);
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while ((this.queue.length || this.dropped) && this.inFlight < this.opts.maxInFlight) {
      const events = this.queue.splice(0, this.opts.maxEvents);
      const dropped = this.dropped;
      this.dropped = 0;
      this.sent += events.length;
      this.inFlight++;
      this.send(events, dropped, this.sent)
        .catch(() => undefined)
        .finally(() => {
          this.inFlight--;
          if (this.queue.length >= this.opts.maxEvents || (this.queue.length && !this.timer)) this.flush();
        });
    }
    if (this.queue.length && !this.timer && this.inFlight < this.opts.maxInFlight) {
      this.timer = setTimeout(() => this.flush(), this.opts.maxDelayMs);
    }
  }

  /** Sends what is queued and stops accepting events. */
  close(): void {
    this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
