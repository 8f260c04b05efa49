// The bounded store behind the live trace: a ring of the newest `capacity` events addressed by a global sequence
// number, plus the sequence numbers that pass the current filter. Appends and evictions are O(1) per row, a filter
// change is one pass; the virtual list only asks "row i of what is shown".
// Rows are kept in columns (numbers in typed arrays, repeated words such as task names interned) rather than as
// 100,000 objects: the garbage collector then has about one object per row to trace instead of five, which is
// what kept its pauses long under a 50,000 lines/s flood. Messages are not split into one string per row either:
// each batch's text is kept whole (a "chunk") and a row holds its chunk and offsets, so appending a batch
// allocates nothing per row; a message becomes a string only when it is shown, filtered or saved.
import type { TraceEvent } from '../../protocol/types';
import { toTraceColumns, type TraceColumns } from '../../protocol/webview';

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
  private msgChunk!: Uint32Array;
  private msgStart!: Uint32Array;
  private msgEnd!: Uint32Array;
  /** Batch texts still referenced by kept rows, with how many rows point into each. */
  private chunks = new Map<number, { text: string; rows: number }>();
  private nextChunk = 0;
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

  constructor(private capacity: number) {
    this.allocate(capacity);
  }

  get length(): number {
    return this.size;
  }
  get shown(): number {
    return this.filter ? this.matches.length - this.matchStart : this.size;
  }
  get maxRows(): number {
    return this.capacity;
  }

  append(events: readonly TraceEvent[]): void {
    if (events.length) this.appendColumns(toTraceColumns(events));
  }

  /** Appends rows `from` to `to` (exclusive) of a batch: a few array writes per row, no allocation per row. */
  appendColumns(c: TraceColumns, from = 0, to = c.count): void {
    if (to <= from) return;
    if (this.words.list.length >= 65_535) this.compactWords();
    // The batch's few distinct words, mapped to ours once rather than looked up for every row.
    const ids = c.words.map((w) => this.words.id(w));
    const chunkId = this.nextChunk++;
    const chunk = { text: c.text, rows: 0 };
    this.chunks.set(chunkId, chunk);
    const filter = this.filter;
    for (let i = from; i < to; i++) {
      const slot = this.total % this.capacity;
      if (this.size === this.capacity) {
        this.release(slot);
        this.size--;
        this.evicted++;
      }
      this.timestamp[slot] = c.timestamp[i];
      this.cpu[slot] = c.cpu[i];
      this.pid[slot] = c.pid[i];
      this.task[slot] = ids[c.task[i]];
      this.flags[slot] = ids[c.flags[i]];
      this.fn[slot] = ids[c.fn[i]];
      this.msgChunk[slot] = chunkId;
      this.msgStart[slot] = i ? c.end[i - 1] : 0;
      this.msgEnd[slot] = c.end[i];
      chunk.rows++;
      this.total++;
      this.size++;
      if (filter && filter(this.bySeq(this.total - 1))) this.matches.push(this.total - 1);
    }
    if (!chunk.rows) this.chunks.delete(chunkId);
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

  *shownRows(): Generator<TraceEvent> {
    for (let i = 0; i < this.shown; i++) yield this.shownAt(i)!;
  }

  setFilter(filter: RowFilter | undefined): void {
    this.filter = filter;
    this.matches = [];
    this.matchStart = 0;
    if (!filter) return;
    for (let seq = this.total - this.size; seq < this.total; seq++) if (filter(this.bySeq(seq))) this.matches.push(seq);
  }

  clear(): void {
    this.allocate(this.capacity);
    this.chunks.clear();
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
    this.chunks.clear();
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
    const e: TraceEvent = {
      task: w[this.task[s]],
      pid: this.pid[s],
      cpu: this.cpu[s],
      flags: w[this.flags[s]],
      timestamp: this.timestamp[s],
      message: this.chunks.get(this.msgChunk[s])!.text.slice(this.msgStart[s], this.msgEnd[s]),
    };
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
    this.msgChunk = new Uint32Array(capacity);
    this.msgStart = new Uint32Array(capacity);
    this.msgEnd = new Uint32Array(capacity);
    this.words = new Words();
  }

  /** The row in `slot` is overwritten: its batch text goes once no kept row points into it. */
  private release(slot: number): void {
    const id = this.msgChunk[slot];
    const chunk = this.chunks.get(id)!;
    // (A batch longer than the ring overwrites its own first rows: its chunk stays until the batch is in.)
    if (--chunk.rows === 0 && id !== this.nextChunk - 1) this.chunks.delete(id);
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
