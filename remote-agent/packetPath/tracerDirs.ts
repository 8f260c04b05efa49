// Each tracer instance pins its links and maps under its own directory,
//   /sys/fs/bpf/ebpf-netdebug/packet_path_tracers/<pid>_<process start time>_<random>/{links,maps}
// so two tracers never collide, and a later agent can tell a dead tracer's leftovers (its owner process is gone,
// or the pid now belongs to a process that started at another time) and remove them. bpffs refuses '.' in
// names, so the parent cannot be told apart from an object directory by its characters: object.load must treat
// the name `packet_path_tracers` as reserved.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const TRACERS_DIR = '/sys/fs/bpf/ebpf-netdebug/packet_path_tracers';

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when the process is gone. */
export function processStartTime(pid: number, procDir = '/proc'): string | null {
  try {
    const stat = readFileSync(join(procDir, String(pid), 'stat'), 'utf8');
    // comm (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

export interface TracerDir {
  root: string;
  links: string;
  maps: string;
}

export function createTracerDir(parent = TRACERS_DIR, pid = process.pid): TracerDir {
  const start = processStartTime(pid) ?? '0';
  const root = join(parent, `${pid}_${start}_${randomBytes(4).toString('hex')}`);
  // a stopping tracer removes the parent when it is empty: if that happens between our mkdirs, try again
  for (let attempt = 1; ; attempt++) {
    try {
      mkdirSync(join(root, 'links'), { recursive: true });
      mkdirSync(join(root, 'maps'), { recursive: true });
      return { root, links: join(root, 'links'), maps: join(root, 'maps') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
    }
  }
}

/**
 * Removes a tracer directory: link pins first (unpinning a tracepoint link detaches its program: `bpftool link
 * detach` is not supported for these perf links, KERNEL-FACTS), then map pins, then the directories.
 * Returns what it removed; what it could not remove is left for the next cleanup rather than thrown.
 */
export function removeTracerDir(root: string): { removed: string[]; failed: string[] } {
  const removed: string[] = [];
  const failed: string[] = [];
  const rmTree = (dir: string) => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      try {
        if (statSync(p).isDirectory()) rmTree(p);
        else {
          unlinkSync(p);
          removed.push(p);
        }
      } catch {
        failed.push(p);
      }
    }
    try {
      rmdirSync(dir);
      removed.push(dir);
    } catch {
      failed.push(dir);
    }
  };
  // links before maps: no program may fire into a map that is half gone
  if (existsSync(join(root, 'links'))) rmTree(join(root, 'links'));
  rmTree(root);
  return { removed, failed };
}

/** Removes the directories of tracers whose owner process no longer runs; returns their paths. */
export function cleanStaleTracerDirs(parent = TRACERS_DIR, procDir = '/proc'): string[] {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return [];
  }
  const cleaned: string[] = [];
  for (const name of entries) {
    const m = /^(\d+)_(\d+)_[0-9a-f]+$/.exec(name);
    if (!m) continue; // not ours: leave it
    if (processStartTime(Number(m[1]), procDir) === m[2]) continue; // its owner is alive
    removeTracerDir(join(parent, name));
    cleaned.push(join(parent, name));
  }
  return cleaned;
}
