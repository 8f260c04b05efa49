// Lines the kernel overwrote before the reader got them: summed from per_cpu/cpuN/stats, and sent as `dropped`
// even when no event follows.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Batcher } from '../../../remote-agent/trace/batcher';
import { kernelLostEvents } from '../../../remote-agent/trace/overrun';

const stats = (overrun: number, dropped: number) =>
  `entries: 0\noverrun: ${overrun}\ncommit overrun: 0\nbytes: 0\noldest event ts:  5150.705170\nnow ts:  5157.356889\ndropped events: ${dropped}\nread events: 856063\n`;

describe('trace lines lost in the kernel', () => {
  it("sums overrun and dropped events over every CPU (the layout of this kernel's tracefs)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'end-tracefs-'));
    try {
      for (const [cpu, o, d] of [
        [0, 537379, 0],
        [1, 12, 3],
      ] as const) {
        mkdirSync(join(dir, 'per_cpu', `cpu${cpu}`), { recursive: true });
        writeFileSync(join(dir, 'per_cpu', `cpu${cpu}`, 'stats'), stats(o, d));
      }
      assert.equal(kernelLostEvents(dir), 537394);
      assert.equal(kernelLostEvents(join(dir, 'nope')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a loss with no event after it still goes out within maxDelayMs', async (t) => {
    // the delay is the batcher's own timer: mock timers make "at maxDelayMs, not before" exact
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const sent: [number, number][] = [];
    const b = new Batcher<string>({ maxEvents: 10, maxDelayMs: 5, maxQueued: 100, maxInFlight: 1 }, async (events, dropped) => {
      sent.push([events.length, dropped]);
    });
    b.drop(42);
    t.mock.timers.tick(4);
    assert.deepEqual(sent, [], 'not before the delay');
    t.mock.timers.tick(1);
    assert.deepEqual(sent, [[0, 42]]);
    b.close();
  });
});
