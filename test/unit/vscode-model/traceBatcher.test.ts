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
  const b = new TraceBatcher((c, dropped) => void posts.push({ c, dropped }), 50, 4000);
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
  const b = new TraceBatcher((c, dropped) => void posts.push({ n: c.count, dropped }));
  b.add(undefined, 12);
  b.flush();
  assert.deepEqual(posts, [{ n: 0, dropped: 12 }]);
});

it('while the view has not taken maxInFlight lines, more are dropped and counted, then posting resumes', async () => {
  const posts: { n: number; dropped: number }[] = [];
  let release!: () => void;
  const taken = new Promise<void>((r) => (release = r));
  const b = new TraceBatcher(
    (c, dropped) => {
      posts.push({ n: c.count, dropped });
      return taken;
    },
    50,
    1000,
    2000,
  );
  const lines = (n: number) => toTraceColumns(Array.from({ length: n }, (_, i) => ev(i)));
  b.add(lines(2000), 0);
  b.flush();
  b.add(lines(500), 3);
  b.flush();
  assert.deepEqual(posts, [
    { n: 1000, dropped: 0 },
    { n: 1000, dropped: 0 },
  ]);
  release();
  await taken;
  b.add(lines(10), 0);
  b.flush();
  assert.deepEqual(posts.at(-1), { n: 10, dropped: 503 }, 'the 500 held-back lines and the 3 the agent dropped');
});
