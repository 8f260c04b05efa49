// The columnar trace batcher (trace.start `columns`): captured trace_pipe lines come out as the same events the
// object parser makes, and under a stuck sender lines beyond the queue are dropped and counted, never lost silently.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { traceColumnsAt, type TraceColumns } from '../../../protocol/traceColumns';
import { parseTraceLine } from '../../../remote-agent/parsers/tracePipe';
import { ColumnBatcher } from '../../../remote-agent/trace/columnBatcher';
import { fixture } from './fixtures';

const lines = [fixture('trace-pipe-printk.txt'), fixture('trace-pipe-markers.txt')].flatMap((t) => t.split('\n').filter(Boolean));

it('parses captured lines into columns that read back as the object parser`s events, <...> named', async () => {
  const got: TraceColumns[] = [];
  const b = new ColumnBatcher(
    { maxEvents: 100, maxDelayMs: 1, maxQueued: 1000, maxInFlight: 4 },
    async (c) => {
      got.push(c);
    },
    (task, pid) => (task === '<...>' ? `comm-of-${pid}` : task),
  );
  for (const l of lines) assert.ok(b.pushLine(l), l);
  assert.equal(b.pushLine('# tracer: nop'), false);
  b.close();
  assert.equal(got.length, 1);
  const c = got[0];
  assert.equal(c.count, lines.length);
  for (let i = 0; i < lines.length; i++) {
    const want = parseTraceLine(lines[i])!;
    if (want.task === '<...>') want.task = `comm-of-${want.pid}`;
    assert.deepEqual(traceColumnsAt(c, i), want);
  }
  assert.ok(c.words.length < c.count * 3, 'task names, flags and function names are interned per batch');
});

it('while the sender is stuck, lines beyond maxQueued are dropped and reported with a later batch', async () => {
  const batches: { n: number; dropped: number }[] = [];
  let release!: () => void;
  const stuck = new Promise<void>((r) => (release = r));
  let total = 0;
  let allIn!: () => void;
  const accounted = new Promise<void>((r) => (allIn = r));
  const b = new ColumnBatcher({ maxEvents: 10, maxDelayMs: 1, maxQueued: 50, maxInFlight: 1 }, async (c, dropped) => {
    batches.push({ n: c.count, dropped });
    total += c.count + dropped;
    if (total === 1000) allIn();
    await stuck;
  });
  for (let i = 0; i < 1000; i++) b.pushLine(lines[i % lines.length]);
  assert.equal(batches.length, 1, 'one batch in flight, the rest waits');
  assert.ok(b.full);
  release();
  await accounted;
  const dropped = batches.reduce((s, x) => s + x.dropped, 0);
  assert.ok(dropped >= 1000 - 10 - 50, `dropped ${dropped}`);
  b.close();
});
