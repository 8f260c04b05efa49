// cgroup v2 directories for tests (sock_ops programs attach to a cgroup). Only names starting with `end_` are
// made or removed here, under the v2 mount of this kind of machine.
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './until';

/** The cgroup v2 mount: the hybrid layout's /sys/fs/cgroup/unified, else a pure v2 /sys/fs/cgroup. */
export const CGROUP2_ROOT = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';

function checkName(name: string): void {
  if (!/^end_[A-Za-z0-9_-]+$/.test(name)) throw new Error(`cgroup: "${name}" must start with end_ and hold only letters, digits, '_', '-'`);
}

/** Creates CGROUP2_ROOT/NAME (fails if it exists: a leftover would mean a previous run did not clean up). */
export function createCgroup(name: string): string {
  checkName(name);
  const path = join(CGROUP2_ROOT, name);
  mkdirSync(path);
  return path;
}

export function cgroupPids(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
}

/**
 * Removes a test cgroup: kills what still runs in it (only processes the test started can be there), then
 * rmdir, retried while the killed processes leave. Programs attached to it are released with it.
 */
export async function removeCgroup(path: string): Promise<void> {
  checkName(path.slice(CGROUP2_ROOT.length + 1));
  let lastError = '';
  const removed = (): boolean => {
    if (!existsSync(path)) return true;
    for (const pid of cgroupPids(path)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    try {
      rmdirSync(path);
      return true;
    } catch (e) {
      lastError = (e as Error).message;
      return false;
    }
  };
  await until(removed, `cgroup ${path} removed`, 5_000, 100).catch((e: Error) => {
    throw new Error(`cannot remove cgroup ${path}: ${lastError} (${e.message})`);
  });
}
