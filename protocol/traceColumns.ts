// A batch of trace lines as columns rather than an array of objects, on every hop of the live trace: the agent
// builds it while parsing trace_pipe (trace.start `columns: true`), the extension host merges batches and posts
// them to the webview, and the webview's ring copies the numbers into typed arrays. Per line that is a few
// numbers and a slice of one string instead of a seven-field object: smaller JSON on the SSH link, a cheaper
// JSON.parse in the extension host, and no structured clone of thousands of objects into the webview (which
// under a 50,000 lines/s flood stretched the view's tasks past 50 ms). Plain arrays (not typed arrays), so a
// batch survives JSON unchanged.
import type { TraceEvent } from './types';

export interface TraceColumns {
  count: number;
  timestamp: number[];
  cpu: number[];
  pid: number[];
  /** The distinct task names, flags and function names of the batch; `task`, `flags`, `fn` index into it. */
  words: string[];
  task: number[];
  flags: number[];
  /** Index of the function name, '' (index of an empty word) when the line had none. */
  fn: number[];
  /** Every message, one after the other; line i's message is `text.slice(end[i-1] ?? 0, end[i])`. */
  text: string;
  end: number[];
}

/** An empty batch to fill with `addTraceRow`. */
export function emptyTraceColumns(): TraceColumns {
  return { count: 0, timestamp: [], cpu: [], pid: [], words: [], task: [], flags: [], fn: [], text: '', end: [] };
}

/** Interns a batch's words (task names, flags, function names): a batch holds few distinct ones. */
export class WordIndex {
  private readonly index = new Map<string, number>();
  constructor(private readonly words: string[]) {}
  id(w: string): number {
    let i = this.index.get(w);
    if (i === undefined) {
      i = this.words.push(w) - 1;
      this.index.set(w, i);
    }
    return i;
  }
}

/** Packs events into columns. */
export function toTraceColumns(events: readonly TraceEvent[]): TraceColumns {
  const n = events.length;
  const c: TraceColumns = {
    count: n,
    timestamp: new Array<number>(n),
    cpu: new Array<number>(n),
    pid: new Array<number>(n),
    words: [],
    task: new Array<number>(n),
    flags: new Array<number>(n),
    fn: new Array<number>(n),
    text: '',
    end: new Array<number>(n),
  };
  const words = new WordIndex(c.words);
  const parts = new Array<string>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const e = events[i];
    c.timestamp[i] = e.timestamp;
    c.cpu[i] = e.cpu;
    c.pid[i] = e.pid;
    c.task[i] = words.id(e.task);
    c.flags[i] = words.id(e.flags);
    c.fn[i] = words.id(e.function ?? '');
    parts[i] = e.message;
    at += e.message.length;
    c.end[i] = at;
  }
  c.text = parts.join('');
  return c;
}

/** Line i of a batch as an event (for code that wants objects: the CLI, tests, saving). */
export function traceColumnsAt(c: TraceColumns, i: number): TraceEvent {
  const e: TraceEvent = {
    task: c.words[c.task[i]],
    pid: c.pid[i],
    cpu: c.cpu[i],
    flags: c.words[c.flags[i]],
    timestamp: c.timestamp[i],
    message: c.text.slice(i ? c.end[i - 1] : 0, c.end[i]),
  };
  const fn = c.words[c.fn[i]];
  if (fn) e.function = fn;
  return e;
}

/** Lines `from` to `to` (exclusive) of a batch as a batch of their own. */
export function sliceTraceColumns(c: TraceColumns, from: number, to = c.count): TraceColumns {
  const base = from ? c.end[from - 1] : 0;
  return {
    count: to - from,
    timestamp: c.timestamp.slice(from, to),
    cpu: c.cpu.slice(from, to),
    pid: c.pid.slice(from, to),
    words: c.words,
    task: c.task.slice(from, to),
    flags: c.flags.slice(from, to),
    fn: c.fn.slice(from, to),
    text: c.text.slice(base, to ? c.end[to - 1] : 0),
    end: base ? c.end.slice(from, to).map((e) => e - base) : c.end.slice(from, to),
  };
}

/** Several batches as one, in order (the words of each mapped once per batch, not once per line). */
export function concatTraceColumns(batches: readonly TraceColumns[]): TraceColumns {
  if (batches.length === 1) return batches[0];
  const out = emptyTraceColumns();
  const words = new WordIndex(out.words);
  const texts: string[] = [];
  let at = 0;
  for (const b of batches) {
    const ids = b.words.map((w) => words.id(w));
    for (let i = 0; i < b.count; i++) {
      out.timestamp.push(b.timestamp[i]);
      out.cpu.push(b.cpu[i]);
      out.pid.push(b.pid[i]);
      out.task.push(ids[b.task[i]]);
      out.flags.push(ids[b.flags[i]]);
      out.fn.push(ids[b.fn[i]]);
      out.end.push(at + b.end[i]);
    }
    texts.push(b.text);
    at += b.text.length;
    out.count += b.count;
  }
  out.text = texts.join('');
  return out;
}
