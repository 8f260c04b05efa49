// Names for network namespace inodes, the ones a user knows: `root` for the namespace of pid 1, the name under
// /run/netns (what `ip netns` shows), else the lowest pid living in it, as `pid:1234 (sshd)` (a container or a
// process started with unshare). The kernel only gives the tracer an inode (dev->nd_net.net->ns.inum).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface NetnsNamerOptions {
  netnsDir?: string;
  procDir?: string;
  /** A rescan for an unknown inode happens at most this often (namespaces come and go during a trace). */
  minRescanMs?: number;
  now?: () => number;
}

/**
 * The inode recent kernels give the initial network namespace (PROC_NET_INIT_INO, 0xEFFFFFF9), used to name `root`
 * when /proc/1/ns/net cannot be read (a sandbox whose pid 1 we may not inspect).
 */
export const INIT_NET_INODE = 0xeffffff9;

function inodeOf(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null; // gone meanwhile, or not a namespace we may look at
  }
}

/** Scans /run/netns and /proc once: inode -> name. Named namespaces win over pids; root wins over everything. */
export function scanNetnsNames(netnsDir = '/run/netns', procDir = '/proc'): Map<number, string> {
  const names = new Map<number, string>();
  const pids: number[] = [];
  try {
    for (const e of readdirSync(procDir)) if (/^\d+$/.test(e)) pids.push(Number(e));
  } catch {
    /* no /proc: only named namespaces */
  }
  pids.sort((a, b) => a - b);
  for (const pid of pids) {
    const ino = inodeOf(join(procDir, String(pid), 'ns/net'));
    if (ino === null || names.has(ino)) continue;
    let comm = '';
    try {
      comm = readFileSync(join(procDir, String(pid), 'comm'), 'utf8').trim();
    } catch {
      /* exited */
    }
    names.set(ino, comm ? `pid:${pid} (${comm})` : `pid:${pid}`);
  }
  try {
    for (const name of readdirSync(netnsDir).sort()) {
      const ino = inodeOf(join(netnsDir, name));
      if (ino !== null) names.set(ino, name);
    }
  } catch {
    /* no named namespaces */
  }
  const root = inodeOf(join(procDir, '1/ns/net'));
  names.set(root ?? INIT_NET_INODE, 'root');
  return names;
}

export class NetnsNamer {
  private names = new Map<number, string>();
  private scannedAt = -Infinity;
  private readonly opts: Required<NetnsNamerOptions>;

  constructor(opts: NetnsNamerOptions = {}) {
    this.opts = {
      netnsDir: opts.netnsDir ?? '/run/netns',
      procDir: opts.procDir ?? '/proc',
      minRescanMs: opts.minRescanMs ?? 1000,
      now: opts.now ?? Date.now,
    };
  }

  /** The name of a namespace inode, or undefined when nothing on the host names it (it may be gone already). */
  nameOf(inode: number): string | undefined {
    const known = this.names.get(inode);
    if (known !== undefined) return known;
    if (this.opts.now() - this.scannedAt < this.opts.minRescanMs) return undefined;
    this.rescan();
    return this.names.get(inode);
  }

  rescan(): void {
    this.names = scanNetnsNames(this.opts.netnsDir, this.opts.procDir);
    this.scannedAt = this.opts.now();
  }
}
