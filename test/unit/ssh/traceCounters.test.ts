// The gap measurement reads the kernel's per-CPU trace buffer stats: parsed here from this machine's real files
// (test/ssh/reconnect.test.ts checks the resulting gap against markers end to end). Also the reconnect backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseTraceStats } from '../../../remote-agent/host/traceCounters';
import { reconnectWithBackoff } from '../../../extension/core/reconnect/backoff';

const PER_CPU = '/sys/kernel/tracing/per_cpu';

function realStats(): string {
  return readdirSync(PER_CPU)
    .filter((d) => /^cpu\d+$/.test(d))
    .map((d) => readFileSync(`${PER_CPU}/${d}/stats`, 'utf8'))
    .join('');
}

test('parses the real per-CPU stats of this kernel: entries, and read events + overrun as "gone"', () => {
  const text = realStats();
  const c = parseTraceStats(text);
  let gone = 0;
  let entries = 0;
  for (const m of text.matchAll(/^(overrun|read events|entries): (\d+)$/gm)) {
    if (m[1] === 'entries') entries += Number(m[2]);
    else gone += Number(m[2]);
  }
  assert.deepEqual(c, { gone, entries });
  assert.doesNotMatch(text, /commit overrun: [1-9]/, 'commit overruns would be lines lost without being counted as overrun');
});

test('a file without counters is an error, not a zero', () => {
  assert.throws(() => parseTraceStats('cat: /sys/kernel/tracing/per_cpu/cpu*/stats: No such file or directory\n'), /no counters found/);
});

test('backoff retries until success, and stops at once on a permanent error', async () => {
  let n = 0;
  const v = await reconnectWithBackoff(
    async () => {
      if (++n < 3) throw new Error(`try ${n}`);
      return 'up';
    },
    { initialDelayMs: 1, maxDelayMs: 2 },
  );
  assert.equal(v, 'up');
  assert.equal(n, 3);
  let m = 0;
  await assert.rejects(
    reconnectWithBackoff(
      async () => {
        m++;
        throw new Error('host key changed');
      },
      { initialDelayMs: 1, isPermanent: (e) => /host key/.test(e.message) },
    ),
    /host key changed/,
  );
  assert.equal(m, 1);
  await assert.rejects(
    reconnectWithBackoff(
      async () => {
        throw new Error('down');
      },
      { initialDelayMs: 5, giveUpAfterMs: 20 },
    ),
    /gave up reconnecting after \d+ attempts: down/,
  );
});
