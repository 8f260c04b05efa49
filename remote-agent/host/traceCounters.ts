// `trace.counters`: the kernel's own accounting of the trace ring buffer, used by the client to measure what a trace
// stream missed while the connection was down (docs/ssh.md "How the gap is measured"). Per CPU,
// /sys/kernel/tracing/per_cpu/cpuN/stats counts "read events" (consumed by any trace_pipe reader) and "overrun"
// (overwritten before anyone read them). Their sum only grows; what grew while away and never arrived is the gap.
// Read here by the agent (root already), so the client needs no exec of its own and no sudo rule for it.
import { readdir, readFile } from 'node:fs/promises';
import type { TraceCounters } from '../../protocol/agent';

const PER_CPU = '/sys/kernel/tracing/per_cpu';

export function parseTraceStats(text: string): TraceCounters {
  let gone = 0;
  let entries = 0;
  let seen = 0;
  for (const line of text.split('\n')) {
    const m = /^(entries|overrun|read events):\s*(\d+)/.exec(line.trim());
    if (!m) continue;
    seen++;
    if (m[1] === 'entries') entries += Number(m[2]);
    else gone += Number(m[2]);
  }
  if (seen === 0) throw new Error('trace buffer stats: no counters found');
  return { gone, entries };
}

export async function readTraceCounters(perCpuDir = PER_CPU): Promise<TraceCounters> {
  const cpus = (await readdir(perCpuDir)).filter((c) => /^cpu[0-9]+$/.test(c));
  const texts = await Promise.all(cpus.map((c) => readFile(`${perCpuDir}/${c}/stats`, 'utf8')));
  return parseTraceStats(texts.join(''));
}
