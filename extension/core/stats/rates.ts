// Per-program rates from two stats.sample results of one host: runs per second, average ns per run, and the share
// of one CPU the program took (run time per wall time). Programs that appear only in the later sample (loaded in
// between) count from zero; counters that went backwards (a program replaced under the same id cannot happen,
// but statistics turned off and on again reset nothing either) are treated as no runs.
import type { StatsSample } from '../../../protocol/agent';
import type { ProgramRateView } from '../../../protocol/webview';

/** What the statistics view shows of a program (protocol/webview.ts), plus the counters it was computed from. */
export interface ProgramRate extends ProgramRateView {
  /** Cumulative counters at the later sample. */
  runCnt: number;
  runTimeNs: number;
}

export function programRates(prev: StatsSample, cur: StatsSample): ProgramRate[] {
  const wallNs = cur.atNs - prev.atNs;
  const before = new Map(prev.programs.map((p) => [p.id, p]));
  return cur.programs
    .map((p) => {
      const b = before.get(p.id);
      const runs = Math.max(0, p.runCnt - (b?.runCnt ?? 0));
      const ns = Math.max(0, p.runTimeNs - (b?.runTimeNs ?? 0));
      return {
        id: p.id,
        name: p.name,
        type: p.type,
        attachedTo: p.attachedTo,
        runCnt: p.runCnt,
        runTimeNs: p.runTimeNs,
        runsPerSec: wallNs > 0 ? round(runs / (wallNs / 1e9), 1) : 0,
        avgNs: runs > 0 ? round(ns / runs, 1) : 0,
        cpuPercent: wallNs > 0 ? round((ns / wallNs) * 100, 3) : 0,
      };
    })
    .sort((a, b) => b.cpuPercent - a.cpuPercent || b.runsPerSec - a.runsPerSec || a.id - b.id);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
