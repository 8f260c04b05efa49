// Phase timings for finding where a command's time goes: with EBPF_NETDEBUG_TIMING=1 each phase prints one line to
// stderr (`timing: <phase> <ms> ms (at <ms since the process started> ms)`). Off by default, so output stays clean.
import { performance } from 'node:perf_hooks';

export interface Timer {
  /** Runs `work` as one named phase and reports its duration. */
  phase<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Reports a point in time (e.g. "started": how long node took to reach our code). */
  mark(name: string): void;
}

export function makeTimer(env: NodeJS.ProcessEnv, err: (text: string) => void): Timer {
  const on = env.EBPF_NETDEBUG_TIMING === '1';
  const line = (name: string, ms: number | undefined) => {
    const at = performance.now().toFixed(0);
    err(ms === undefined ? `timing: ${name} (at ${at} ms)\n` : `timing: ${name} ${ms.toFixed(0)} ms (at ${at} ms)\n`);
  };
  return {
    async phase(name, work) {
      if (!on) return work();
      const t = performance.now();
      try {
        return await work();
      } finally {
        line(name, performance.now() - t);
      }
    },
    mark(name) {
      if (on) line(name, undefined);
    },
  };
}
