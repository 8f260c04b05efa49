// remote-agent/progRun: what a run changed in the maps (per-CPU values summed), and verdict names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffMaps, numericDelta, sumPerCpu } from '../../../remote-agent/progRun/mapDiff';
import { signedRetval, verdictName } from '../../../remote-agent/progRun/verdicts';
import { parsePacketHex } from '../../../remote-agent/progRun/run';

describe('prog.run map changes', () => {
  const m = (entries: { key: unknown; value: unknown; keyHex?: string[] }[]) => [
    { id: 5, name: 'psh_stats', type: 'percpu_array', entries },
  ];
  it('per-CPU values are summed; delta is after - before per field', () => {
    const before = m([
      {
        key: 0,
        keyHex: ['0x00'],
        value: [
          { cpu: 0, value: { eligible: 10, marked: 1 } },
          { cpu: 1, value: { eligible: 5, marked: 0 } },
        ],
      },
    ]);
    const after = m([
      {
        key: 0,
        keyHex: ['0x00'],
        value: [
          { cpu: 0, value: { eligible: 1010, marked: 101 } },
          { cpu: 1, value: { eligible: 5, marked: 0 } },
        ],
      },
    ]);
    assert.deepEqual(diffMaps(before, after), [
      {
        map: { id: 5, name: 'psh_stats', type: 'percpu_array' },
        key: 0,
        keyHex: ['0x00'],
        before: { eligible: 15, marked: 1 },
        after: { eligible: 1015, marked: 101 },
        delta: { eligible: 1000, marked: 100 },
      },
    ]);
  });
  it('unchanged entries are left out; created and deleted ones have null on one side', () => {
    const before = m([
      { key: 1, value: 7 },
      { key: 2, value: 3 },
    ]);
    const after = m([
      { key: 1, value: 7 },
      { key: 3, value: 4 },
    ]);
    assert.deepEqual(
      diffMaps(before, after).map((c) => [c.key, c.before, c.after, c.delta]),
      [
        [3, null, 4, 4],
        [2, 3, null, undefined],
      ],
    );
  });
  it('sumPerCpu and numericDelta leave non-numbers alone', () => {
    assert.deepEqual(sumPerCpu({ a: 1 }), { a: 1 });
    assert.equal(numericDelta('x', 'y'), undefined);
    assert.deepEqual(numericDelta([1, 2], [1, 5]), [0, 3]);
  });
});

describe('prog.run verdicts and input', () => {
  it('names XDP and tc verdicts; tc is signed', () => {
    assert.equal(verdictName('xdp', 1), 'XDP_DROP');
    assert.equal(verdictName('xdp', 2), 'XDP_PASS');
    assert.equal(verdictName('sched_cls', signedRetval('sched_cls', 4294967295)), 'TC_ACT_UNSPEC');
    assert.equal(verdictName('sched_cls', 2), 'TC_ACT_SHOT');
    assert.equal(verdictName('xdp', 9), '9');
  });
  it('packet hex may carry spaces and colons; too short or odd is refused', () => {
    assert.equal(parsePacketHex('00:11 22 33 44 55 66 77 88 99 aa bb cc dd').length, 14);
    assert.throws(() => parsePacketHex('001'), /packet/);
    assert.throws(() => parsePacketHex('0011'), /shorter than an Ethernet header/);
  });
});
