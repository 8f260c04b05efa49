// How rows look when saved: text in trace_pipe's own layout (so existing tools and habits still work on it),
// or JSON with the parsed fields.
import type { TraceEvent } from '../../protocol/types';

export function formatTime(seconds: number): string {
  return seconds.toFixed(6);
}

/** `task-pid [cpu] flags timestamp: function: message`, as trace_pipe prints it. */
export function toTraceLine(e: TraceEvent): string {
  const head = `${e.task}-${e.pid}`.padStart(16);
  const fn = e.function ? `${e.function}: ` : '';
  return `${head} [${String(e.cpu).padStart(3, '0')}] ${e.flags} ${formatTime(e.timestamp)}: ${fn}${e.message}`;
}

export function toText(rows: Iterable<TraceEvent>): string {
  let out = '';
  for (const r of rows) out += toTraceLine(r) + '\n';
  return out;
}

export function toJson(rows: Iterable<TraceEvent>): string {
  return JSON.stringify([...rows], null, 1) + '\n';
}
