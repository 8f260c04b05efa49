// The kernel prints `<...>` for a task whose name fell out of its small pid -> comm cache
// (/sys/kernel/tracing/saved_cmdlines_size, 128 by default), which happens as soon as a host runs many processes.
// While the process is alive, /proc/PID/comm still knows the name: look it up, remembering answers briefly so a
// flood of lines from one pid costs one read. A pid that is gone stays `<...>`: we never guess.
import { readFileSync } from 'node:fs';

export const UNKNOWN_TASK = '<...>';

export class TaskNames {
  private readonly cache = new Map<number, { name: string; at: number }>();

  constructor(
    private readonly ttlMs = 1000,
    private readonly readComm = defaultReadComm,
    private readonly now = Date.now,
  ) {}

  resolve(pid: number): string {
    const t = this.now();
    const hit = this.cache.get(pid);
    if (hit && t - hit.at < this.ttlMs) return hit.name;
    const name = this.readComm(pid) ?? UNKNOWN_TASK;
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(pid, { name, at: t });
    return name;
  }
}

function defaultReadComm(pid: number): string | undefined {
  if (!(pid > 0)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trimEnd() || undefined;
  } catch {
    return undefined;
  }
}
