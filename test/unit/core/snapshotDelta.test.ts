// listings.snapshot's deltas (protocol/snapshotDelta.ts): the edits between two versions of a list, applied to the
// first, give the second, for random lists with items loaded, unloaded, changed and moved; the edits of a load or
// unload among 1,000 are one small edit; splices out of order or range are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySplices, listEdits, partList, withList } from '../../../protocol/snapshotDelta';
import type { SnapshotSplice } from '../../../protocol/agent';

/** Deterministic pseudo-random numbers (xorshift), so a failure repeats. */
function rng(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return Math.abs(x) % n;
  };
}

function roundTrip(base: unknown[], next: unknown[]): SnapshotSplice[] {
  const text = (l: unknown[]) => l.map((i) => JSON.stringify(i));
  const splices = listEdits(text(base), text(next)).map(([at, gone, from, count]): SnapshotSplice => [
    at,
    gone,
    next.slice(from, from + count),
  ]);
  assert.deepEqual(applySplices(base, splices), next);
  return splices;
}

test('applying the edits of one list to the next gives the next list', () => {
  const r = rng(12345);
  for (let round = 0; round < 400; round++) {
    const base = Array.from({ length: r(30) }, () => ({ id: r(40), n: r(3) }));
    const next = base.filter(() => r(5) !== 0).map((i) => (r(6) === 0 ? { ...i, n: i.n + 1 } : i));
    for (let k = r(4); k > 0; k--) next.splice(r(next.length + 1), 0, { id: 100 + r(50), n: 0 });
    if (r(4) === 0 && next.length > 1) next.push(next.shift()!); // a move
    roundTrip(base, next);
  }
  roundTrip([], [{ id: 1 }]);
  roundTrip([{ id: 1 }], []);
  roundTrip([1, 1, 2], [2, 1, 1]);
});

test('one program loaded or unloaded among 1,000 is one edit of one item', () => {
  const progs = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, name: `p${i}`, pinned: [`/sys/fs/bpf/x/p${i}`] }));
  const loaded = [...progs, { id: 2000, name: 'new', pinned: [] }];
  assert.deepEqual(roundTrip(progs, loaded), [[1000, 0, [{ id: 2000, name: 'new', pinned: [] }]]]);
  const unloaded = progs.filter((p) => p.id !== 500);
  assert.deepEqual(roundTrip(progs, unloaded), [[499, 1, []]]);
  assert.deepEqual(roundTrip(progs, progs), []);
});

test('a part is its list, or the list of an object whose only key holds one', () => {
  assert.deepEqual(partList([1]), { list: [1] });
  const net = { namespaces: [{ name: 'root' }] };
  const of = partList(net)!;
  assert.deepEqual(of, { key: 'namespaces', list: net.namespaces });
  assert.deepEqual(withList(of, []), { namespaces: [] });
  assert.equal(partList({ a: [], b: [] }), undefined);
  assert.equal(partList('x'), undefined);
});

test('splices out of order or out of range are refused', () => {
  assert.throws(
    () =>
      applySplices(
        [1, 2, 3],
        [
          [2, 1, []],
          [0, 1, []],
        ],
      ),
    /out of order or range/,
  );
  assert.throws(() => applySplices([1, 2, 3], [[2, 2, []]]), /out of order or range/);
  assert.throws(() => applySplices([1], [[0, -1, []]]), /out of order or range/);
  assert.throws(() => applySplices([1], ['x' as unknown as SnapshotSplice]), /out of order or range/);
});
