// The kernel's own accounting of the trace ring buffer, used to measure what a trace stream missed while the
// connection was down (docs/ssh.md "How the gap is measured"). Per CPU, /sys/kernel/tracing/per_cpu/cpuN/stats
// counts "read events" (consumed by any trace_pipe reader) and "overrun" (overwritten before anyone read them).
// Their sum only grows; what grew while we were away and never reached us is the gap.
import type { Transport } from '../transport/transport';

/**
 * Constant Node.js script (no user data in it) printing every CPU's stats file of the top-level trace buffer. Node,
 * not sh: the agent needs node on the host anyway, and the sudoers rule we recommend allows only node.
 */
const READ_STATS_JS = "const fs=require('fs'),d='/sys/kernel/tracing/per_cpu';let o='';" +
  "for(const c of fs.readdirSync(d))if(/^cpu[0-9]+$/.test(c))o+=fs.readFileSync(d+'/'+c+'/stats','utf8');process.stdout.write(o)";

export interface TraceCounters {
  /** Sum over CPUs of "read events" + "overrun": lines that have left the buffer, host-wide. */
  gone: number;
  /** Sum of "entries": lines still waiting in the buffer (a new reader will get them). */
  entries: number;
}

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

/** How to run node on the host: its absolute path, and whether through `sudo -n` (tracefs is root-only). */
export interface HostNode { path: string; viaSudo: boolean }

/** Reads the counters over `transport`. */
export async function readTraceCounters(transport: Transport, node: HostNode): Promise<TraceCounters> {
  const argv = [...(node.viaSudo ? ['sudo', '-n'] : []), node.path, '-e', READ_STATS_JS];
  const r = await transport.exec(argv, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`reading trace buffer stats failed (exit ${r.code}): ${r.stderr.trim()}`);
  return parseTraceStats(r.stdout);
}
