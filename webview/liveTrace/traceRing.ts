// The bounded store behind the live trace: a ring of the newest `capacity` events addressed by a global sequence
// number, plus the sequence numbers that pass the current filter. Appends and evictions are O(1) per row, a filter
// change is one pass; the virtual list only asks "row i of what is shown".
import type { TraceEvent } from '../../protocol/types';

export type RowFilter = (e: TraceEvent) => boolean;

export class TraceRing {
  private rows: (TraceEvent | undefined)[];
  /** Sequence number of the next appended row; the oldest kept row is `total - size`. */
  private total = 0;
  private size = 0;
  private filter: RowFilter | undefined;
  /** Sequence numbers of matching rows; entries before `matchStart` have been evicted. */
  private matches: number[] = [];
  private matchStart = 0;
  /** Rows pushed out of the ring because it was full. */
  evicted = 0;

  constructor(private capacity: number) { this.rows = new Array(capacity); }

  get length(): number { return this.size; }
  get shown(): number { return this.filter ? this.matches.length - this.matchStart : this.size; }
  get maxRows(): number { return this.capacity; }

  append(events: readonly TraceEvent[]): void {
    for (const e of events) {
      if (this.size === this.capacity) { this.size--; this.evicted++; }
      this.rows[this.total % this.capacity] = e;
      if (this.filter?.(e)) this.matches.push(this.total);
      this.total++;
      this.size++;
    }
    this.dropEvictedMatches();
  }

  /** Row `i` (0 = oldest) of the rows that pass the filter. */
  shownAt(i: number): TraceEvent | undefined {
    if (i < 0 || i >= this.shown) return undefined;
    const seq = this.filter ? this.matches[this.matchStart + i] : this.total - this.size + i;
    return this.rows[seq % this.capacity];
  }

  *shownRows(): Generator<TraceEvent> { for (let i = 0; i < this.shown; i++) yield this.shownAt(i)!; }

  setFilter(filter: RowFilter | undefined): void {
    this.filter = filter;
    this.matches = [];
    this.matchStart = 0;
    if (!filter) return;
    for (let seq = this.total - this.size; seq < this.total; seq++) if (filter(this.rows[seq % this.capacity]!)) this.matches.push(seq);
  }

  clear(): void {
    this.rows = new Array(this.capacity);
    this.size = 0;
    this.matches = [];
    this.matchStart = 0;
  }

  /** A new ebpfNetDebug.trace.maxRows: keeps the newest rows that fit. */
  resize(capacity: number): void {
    const keep = Array.from({ length: Math.min(this.size, capacity) }, (_, i) => this.rows[(this.total - Math.min(this.size, capacity) + i) % this.capacity]!);
    this.evicted += this.size - keep.length;
    this.capacity = capacity;
    this.rows = new Array(capacity);
    this.total = 0;
    this.size = 0;
    const f = this.filter;
    this.filter = undefined;
    this.append(keep);
    this.setFilter(f);
  }

  private dropEvictedMatches(): void {
    if (!this.filter) return;
    const oldest = this.total - this.size;
    while (this.matchStart < this.matches.length && this.matches[this.matchStart] < oldest) this.matchStart++;
    if (this.matchStart > 4096 && this.matchStart * 2 > this.matches.length) {
      this.matches = this.matches.slice(this.matchStart);
      this.matchStart = 0;
    }
  }
}

/** A filter from the user's text: case-insensitive substring, or a regular expression. Throws on a bad regex. */
export function makeFilter(text: string, regex: boolean): RowFilter | undefined {
  if (!text) return undefined;
  if (regex) {
    const re = new RegExp(text, 'i');
    return (e) => re.test(e.message) || re.test(e.task) || re.test(String(e.pid));
  }
  const needle = text.toLowerCase();
  return (e) => e.message.toLowerCase().includes(needle) || e.task.toLowerCase().includes(needle) || String(e.pid) === text;
}
