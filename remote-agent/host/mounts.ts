// bpffs and tracefs: the agent needs both. On a fresh host they may be unmounted; the agent mounts them and says so
// in agent.hello (mountedByAgent) rather than failing later with a confusing "No such file or directory".
import { readFileSync } from 'node:fs';
import type { MountState } from '../../protocol/types';
import type { Runner } from '../core/runner';

/** Mount points of a given fs type in /proc/mounts text. */
export function mountPointsOfType(procMounts: string, fsType: string): string[] {
  return procMounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 3 && f[2] === fsType)
    .map((f) => f[1].replace(/\\040/g, ' '));
}

function readMounts(): string {
  try {
    return readFileSync('/proc/mounts', 'utf8');
  } catch {
    return '';
  }
}

export async function ensureMounted(runner: Runner, path: string, fsType: string, source: string): Promise<MountState> {
  if (mountPointsOfType(readMounts(), fsType).includes(path)) return { path, mounted: true };
  const r = await runner(['mount', '-t', fsType, source, path], { allowFailure: true, timeoutMs: 10_000 }).catch(() => null);
  const ok = mountPointsOfType(readMounts(), fsType).includes(path);
  return ok ? { path, mounted: true, mountedByAgent: r?.exitCode === 0 } : { path, mounted: false };
}

/** The cgroup v2 mount to use: /sys/fs/cgroup/unified on hybrid hosts, /sys/fs/cgroup on unified ones. */
export function cgroup2Root(procMounts = readMounts(), candidates = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']): string | null {
  const v2 = mountPointsOfType(procMounts, 'cgroup2');
  return candidates.find((c) => v2.includes(c)) ?? v2[0] ?? null;
}
