// Trace filters run in linear time: a catastrophic pattern matches a long line at once (it would take longer than
// the age of the universe with backtracking), patterns that cannot be linear are refused, and `i` still works.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { linearRegex } from '../../../remote-agent/core/linearRegex';

/** What trace/streams.ts lineFilter does with "/source/flags" (that module loads the packet path tracer). */
function lineFilter(raw: string): (line: string) => boolean {
  const m = /^\/(.*)\/([imsu]*)$/s.exec(raw);
  assert.ok(m, raw);
  return linearRegex(m[1], m[2]);
}

it('a catastrophic pattern over a long line answers (false) instead of stalling', () => {
  const f = lineFilter('/(a+)+$/');
  assert.ok(f);
  assert.equal(f('a'.repeat(100_000) + 'b'), false);
  assert.equal(f('xaaa'), true);
  const g = lineFilter('/^(\\w+\\s?)*$/');
  assert.equal(g?.(`${'word '.repeat(20_000)}!`), false);
});

it('case-insensitive filters keep their escapes', () => {
  const f = lineFilter('/PING\\D+seq=\\d+/i');
  assert.equal(f?.('end-ping to host SEQ=12'), true);
  assert.equal(f?.('ping 12 seq=12'), false, '\\D still means a non-digit');
  assert.equal(lineFilter('/[A-C]x/i')?.('bX'), true);
});

it('back-references and look-arounds are refused, saying why', () => {
  for (const re of ['/(a)\\1/', '/a(?=b)/', '/(?<!x)y/']) {
    assert.throws(() => lineFilter(re), /cannot run in linear time/, re);
  }
});
