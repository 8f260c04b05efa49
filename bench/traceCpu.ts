// CPU time of a process tree, grouped by command name, for the trace benchmarks: which process of a pipeline
// (cat, the agent, sshd, the extension host stand-in, Chromium) used the machine's two CPUs while a flood ran.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface Proc {
  ppid: number;
  comm: string;
  ms: number;
}

function readAll(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      all.set(Number(d), { ppid: Number(f[1]), comm, ms: (Number(f[11]) + Number(f[12])) * TICK_MS });
    } catch {
      // ended meanwhile
    }
  }
  return all;
}

/** Every process under `roots` (roots included), with its CPU time so far. */
export function treeCpu(roots: number[]): Map<number, Proc> {
  const all = readAll();
  const kids = new Map<number, number[]>();
  for (const [pid, p] of all) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), pid]);
  const out = new Map<number, Proc>();
  const todo = [...roots];
  while (todo.length) {
    const pid = todo.pop()!;
    const p = all.get(pid);
    if (!p || out.has(pid)) continue;
    out.set(pid, p);
    todo.push(...(kids.get(pid) ?? []));
  }
  return out;
}

/** CPU ms used between two snapshots by processes alive at the second, summed per command name, largest first. */
export function cpuByCommand(before: Map<number, Proc>, after: Map<number, Proc>, label = (p: Proc, _pid: number) => p.comm): string {
  const by = new Map<string, number>();
  for (const [pid, p] of after) {
    const ms = p.ms - (before.get(pid)?.comm === p.comm ? before.get(pid)!.ms : 0);
    if (ms > 0) by.set(label(p, pid), (by.get(label(p, pid)) ?? 0) + ms);
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
    .join(', ');
}
