// The bounded store behind the live trace: a ring of the newest `capacity` events addressed by a global sequence
// number, plus the sequence numbers that pass the current filter. Appends and evictions are O(1) per row, a filter
// change is one pass; the virtual list only asks "row i of what is shown".
// Rows are kept in columns (numbers in typed arrays, repeated words such as task names interned) rather than as
// 100,000 objects: the garbage collector then has about one object per row to trace instead of five, which is
// what kept its pauses long under a 50,000 lines/s flood.
import type { TraceEvent } from '../../protocol/types';

export type RowFilter = (e: TraceEvent) => boolean;

/** Interns the few distinct values of a column (task names, flags, function names). */
class Words {
  private readonly index = new Map<string, number>();
  readonly list: string[] = [];
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      // Past this many distinct words (a storm of unique task names), stop interning rather than grow forever.
      if (this.list.length >= 65_535) return this.list.push(s) - 1;
      i = this.list.push(s) - 1;
      this.index.set(s, i);
    }
    return i;
  }
}

export class TraceRing {
  private timestamp!: Float64Array;
  private cpu!: Uint32Array;
  private pid!: Int32Array;
  private task!: Uint32Array;
  private flags!: Uint32Array;
  private fn!: Uint32Array;
  private message!: (string | undefined)[];
  private words = new Words();
  /** Sequence number of the next appended row; the oldest kept row is `total - size`. */
  private total = 0;
  private size = 0;
  private filter: RowFilter | undefined;
  /** Sequence numbers of matching rows; entries before `matchStart` have been evicted. */
  private matches: number[] = [];
  private matchStart = 0;
  /** Rows pushed out of the ring because it was full. */
  evicted = 0;

  constructor(private capacity: number) { this.allocate(capacity); }

  get length(): number { return this.size; }
  get shown(): number { return this.filter ? this.matches.length - this.matchStart : this.size; }
  get maxRows(): number { return this.capacity; }

  append(events: readonly TraceEvent[]): void {
    if (this.words.list.length >= 65_535) this.compactWords();
    for (const e of events) {
      if (this.size === this.capacity) { this.size--; this.evicted++; }
      const slot = this.total % this.capacity;
      this.timestamp[slot] = e.timestamp;
      this.cpu[slot] = e.cpu;
      this.pid[slot] = e.pid;
      this.task[slot] = this.words.id(e.task);
      this.flags[slot] = this.words.id(e.flags);
      this.fn[slot] = this.words.id(e.function ?? '');
      this.message[slot] = e.message;
      if (this.filter?.(e)) this.matches.push(this.total);
      this.total++;
      this.size++;
    }
    this.dropEvictedMatches();
  }

  /** The sequence number of shown row `i` (-1 when out of range): stable while the row stays in the ring. */
  shownSeq(i: number): number {
    if (i < 0 || i >= this.shown) return -1;
    return this.filter ? this.matches[this.matchStart + i] : this.total - this.size + i;
  }

  /** Row `i` (0 = oldest) of the rows that pass the filter, as a fresh object. */
  shownAt(i: number): TraceEvent | undefined {
    if (i < 0 || i >= this.shown) return undefined;
    return this.bySeq(this.filter ? this.matches[this.matchStart + i] : this.total - this.size + i);
  }

  *shownRows(): Generator<TraceEvent> { for (let i = 0; i < this.shown; i++) yield this.shownAt(i)!; }

  setFilter(filter: RowFilter | undefined): void {
    this.filter = filter;
    this.matches = [];
    this.matchStart = 0;
    if (!filter) return;
    for (let seq = this.total - this.size; seq < this.total; seq++) if (filter(this.bySeq(seq))) this.matches.push(seq);
  }

  clear(): void {
    this.allocate(this.capacity);
    this.size = 0;
    this.matches = [];
    this.matchStart = 0;
  }

  /** A new ebpfNetDebug.trace.maxRows: keeps the newest rows that fit (sequence numbers go on from where they were). */
  resize(capacity: number): void {
    const n = Math.min(this.size, capacity);
    const keep = Array.from({ length: n }, (_, i) => this.bySeq(this.total - n + i));
    this.evicted += this.size - n;
    this.capacity = capacity;
    this.allocate(capacity);
    this.total = Math.ceil(this.total / capacity) * capacity;
    this.size = 0;
    const f = this.filter;
    this.filter = undefined;
    this.append(keep);
    this.setFilter(f);
  }

  private bySeq(seq: number): TraceEvent {
    const s = seq % this.capacity;
    const w = this.words.list;
    const e: TraceEvent = { task: w[this.task[s]], pid: this.pid[s], cpu: this.cpu[s], flags: w[this.flags[s]], timestamp: this.timestamp[s], message: this.message[s]! };
    const fn = w[this.fn[s]];
    if (fn) e.function = fn;
    return e;
  }

  private allocate(capacity: number): void {
    this.timestamp = new Float64Array(capacity);
    this.cpu = new Uint32Array(capacity);
    this.pid = new Int32Array(capacity);
    this.task = new Uint32Array(capacity);
    this.flags = new Uint32Array(capacity);
    this.fn = new Uint32Array(capacity);
    this.message = new Array(capacity);
    this.words = new Words();
  }

  /** Rebuilds the word table from the rows still kept (after a storm of distinct task names). */
  private compactWords(): void {
    const slots: number[] = [];
    for (let seq = this.total - this.size; seq < this.total; seq++) slots.push(seq % this.capacity);
    const old = this.words.list.slice();
    this.words = new Words();
    for (const s of slots) {
      this.task[s] = this.words.id(old[this.task[s]]);
      this.flags[s] = this.words.id(old[this.flags[s]]);
      this.fn[s] = this.words.id(old[this.fn[s]]);
    }
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
