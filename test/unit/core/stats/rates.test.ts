// extension/core/stats/rates.ts and the `top` table: rates between two samples, sorted by CPU share.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatsSample } from '../../../../protocol/agent';
import { programRates } from '../../../../extension/core/stats/rates';
import { formatTop } from '../../../../extension/cli/commands/top';
import { runInProcess } from '../../cli/runCli';

const prog = (id: number, runCnt: number, runTimeNs: number) => ({
  id,
  name: `p${id}`,
  type: 'xdp',
  runCnt,
  runTimeNs,
  attachedTo: id === 2 ? ['xdp (generic) eth0 [end_x_b]'] : [],
});

describe('programRates', () => {
  const s0: StatsSample = { atNs: 1e9, statsOn: true, programs: [prog(1, 100, 10_000), prog(2, 0, 0)] };
  const s1: StatsSample = { atNs: 3e9, statsOn: true, programs: [prog(1, 300, 30_000), prog(2, 4000, 2_000_000), prog(3, 10, 500)] };
  it("runs/s, average ns and percent of a CPU over the samples' wall time; sorted by CPU share", () => {
    const r = programRates(s0, s1);
    assert.deepEqual(
      r.map((x) => [x.id, x.runsPerSec, x.avgNs, x.cpuPercent]),
      [
        [2, 2000, 500, 0.1],
        [1, 100, 100, 0.001],
        [3, 5, 50, 0],
      ],
    );
  });
  it('counters that went backwards count as no runs', () => {
    const r = programRates(s1, { ...s0, atNs: 4e9 });
    assert.ok(r.every((x) => x.runsPerSec === 0 && x.avgNs === 0 && x.cpuPercent === 0));
  });
  it('the top table lists programs that ran, with where they are attached, and counts the idle ones', () => {
    const text = formatTop(
      {
        at: Date.UTC(2026, 0, 1, 12, 0, 0),
        intervalS: 2,
        rates: programRates(s0, { ...s1, programs: s1.programs.slice(0, 2).concat(prog(9, 0, 0)) }),
        sample: s1,
      },
      'h',
    );
    assert.match(text, /^h: 3 programs, 2 ran in the last 2\.0 s \(12:00:00 UTC\)\n/);
    assert.match(text, /ID\s+NAME\s+TYPE\s+RUNS\/S\s+AVG NS\s+CPU %\s+ATTACHED TO/);
    assert.match(text, /2\s+p2\s+xdp\s+2000\s+500\s+0\.100\s+xdp \(generic\) eth0 \[end_x_b\]/);
    assert.match(text, /\(1 idle\)\n$/);
  });
});

describe('cli top: usage errors never connect', () => {
  for (const [argv, pattern] of [
    [['top', '--host', 'h', '--interval', '0'], /--interval 0: expected a positive number/],
    [['top', '--host', 'h', '--interval', '0.01'], /expected 0\.1\.\.3600 seconds/],
    [['top', '--host', 'h', 'extra'], /unexpected argument extra/],
  ] as const) {
    it(argv.slice(3).join(' '), async () => {
      const r = await runInProcess([...argv]);
      assert.equal(r.code, 2);
      assert.match(r.err, pattern);
      assert.deepEqual(r.connected, []);
    });
  }
});
