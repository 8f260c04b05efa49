// The trace batcher: batches by count and by delay, and under a slow sender drops and counts instead of growing.
// Its delay is a timer of the unit under test, so the clock is node:test's mock timers: a batch is due exactly at
// maxDelayMs and not a tick before, whatever the machine's load.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Batcher } from '../../../remote-agent/trace/batcher';

/** Lets the sender's promise callbacks run (setImmediate is not mocked: it runs after every pending microtask). */
const settle = () => new Promise<void>((r) => setImmediate(r));

it('a full batch goes out at once; a partial one after the delay', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const batches: { n: number; dropped: number; sent: number }[] = [];
  const b = new Batcher<number>({ maxEvents: 3, maxDelayMs: 10, maxQueued: 100, maxInFlight: 4 }, async (e, dropped, sent) => {
    batches.push({ n: e.length, dropped, sent });
  });
  for (let i = 0; i < 4; i++) b.push(i);
  assert.deepEqual(batches, [{ n: 3, dropped: 0, sent: 3 }]);
  t.mock.timers.tick(9);
  await settle();
  assert.equal(batches.length, 1, 'the partial batch waits for the delay');
  t.mock.timers.tick(1);
  await settle();
  assert.deepEqual(batches[1], { n: 1, dropped: 0, sent: 4 });
  b.close();
});

it('while the sender is stuck, events beyond maxQueued are dropped and reported with the next batch', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const batches: { n: number; dropped: number }[] = [];
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  const b = new Batcher<number>({ maxEvents: 10, maxDelayMs: 5, maxQueued: 50, maxInFlight: 1 }, async (e, dropped) => {
    batches.push({ n: e.length, dropped });
    await stuck;
  });
  for (let i = 0; i < 1000; i++) b.push(i);
  assert.equal(batches.length, 1, 'one batch in flight, the rest waits');
  assert.ok(b.full);
  release();
  // the queued batches follow one another as each send completes; a partial rest would go at the delay
  await settle();
  t.mock.timers.tick(5);
  await settle();
  const total = batches.reduce((s, x) => s + x.n, 0);
  const dropped = batches.reduce((s, x) => s + x.dropped, 0);
  assert.equal(total + dropped, 1000, 'every event is either sent or counted as dropped');
  assert.ok(dropped >= 1000 - 10 - 50, `dropped ${dropped}`);
  b.close();
});
