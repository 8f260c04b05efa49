// The live trace's host-side batcher: a pile of lines (the host fell behind) goes to the view in messages of at
// most maxLines, in order, the drop count with the first.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TraceEvent } from '../../../protocol/types';
import { TraceBatcher } from '../../../extension/vscode/webviews/traceBatcher';

it('splits a large flush into posts of at most maxLines, in order, dropped counted once', () => {
  const posts: { n: number; first: string; dropped: number }[] = [];
  const b = new TraceBatcher((lines, dropped) => posts.push({ n: lines.length, first: lines[0]?.message ?? '', dropped }), 50, 4000);
  const ev = (i: number): TraceEvent => ({ task: 't', pid: 1, cpu: 0, flags: '', timestamp: i, message: `m${i}` });
  b.add(
    Array.from({ length: 9000 }, (_, i) => ev(i)),
    7,
  );
  b.flush();
  assert.deepEqual(posts, [
    { n: 4000, first: 'm0', dropped: 7 },
    { n: 4000, first: 'm4000', dropped: 0 },
    { n: 1000, first: 'm8000', dropped: 0 },
  ]);
  b.add([ev(1)], 0);
  b.flush();
  assert.equal(posts.length, 4);
});
