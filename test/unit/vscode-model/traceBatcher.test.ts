// The live trace's host-side batcher: columnar batches from the agent are merged and, when a pile has built up
// (the host fell behind), posted in messages of at most maxLines, in order, the drop count with the first.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TraceEvent } from '../../../protocol/types';
import { toTraceColumns, traceColumnsAt, type TraceColumns } from '../../../protocol/traceColumns';
import { TraceBatcher } from '../../../extension/vscode/webviews/traceBatcher';

const ev = (i: number): TraceEvent => ({
  task: `t${i % 3}`,
  pid: i,
  cpu: i % 2,
  flags: i % 5 ? 'd..1.' : '',
  timestamp: i / 1000,
  message: `m${i}`,
  ...(i % 4 ? { function: 'bpf_trace_printk' } : {}),
});
const rows = (c: TraceColumns) => Array.from({ length: c.count }, (_, i) => traceColumnsAt(c, i));

it('merges batches and splits a large flush into posts of at most maxLines, in order, dropped counted once', () => {
  const posts: { c: TraceColumns; dropped: number }[] = [];
  const b = new TraceBatcher((c, dropped) => posts.push({ c, dropped }), 50, 4000);
  const all = Array.from({ length: 9000 }, (_, i) => ev(i));
  // batches of uneven sizes, each with its own word table
  b.add(toTraceColumns(all.slice(0, 2500)), 7);
  b.add(toTraceColumns(all.slice(2500, 2501)), 0);
  b.add(toTraceColumns(all.slice(2501, 9000)), 0);
  b.flush();
  assert.deepEqual(
    posts.map((p) => [p.c.count, p.dropped]),
    [
      [4000, 7],
      [4000, 0],
      [1000, 0],
    ],
  );
  assert.deepEqual(
    posts.flatMap((p) => rows(p.c)),
    all,
  );
  b.add(toTraceColumns([ev(1)]), 0);
  b.flush();
  assert.equal(posts.length, 4);
});

it('a loss with no line is posted too', () => {
  const posts: { n: number; dropped: number }[] = [];
  const b = new TraceBatcher((c, dropped) => posts.push({ n: c.count, dropped }));
  b.add(undefined, 12);
  b.flush();
  assert.deepEqual(posts, [{ n: 0, dropped: 12 }]);
});
