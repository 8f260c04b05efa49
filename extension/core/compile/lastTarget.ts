// What a host's kernel was the last time we connected to it (release and architecture), remembered next to the
// vmlinux.h cache. It lets `attach FILE.bpf.c` compile WHILE the SSH connection is still being set up: the guess is
// checked against agent.hello once connected, and the program is compiled again when the host's kernel changed.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultVmlinuxCacheDir } from './vmlinux';

export interface KernelTarget {
  kernelRelease: string;
  arch: string;
}

function recordPath(host: string, vmlinuxCacheDir: string): string {
  // The host as typed (alias or user@host:port) names the file through a hash: no path characters from input.
  const key = createHash('sha256').update(host).digest('hex').slice(0, 24);
  return join(dirname(vmlinuxCacheDir), 'hosts', `${key}.json`);
}

/** The last kernel seen on `host`, or undefined (never connected, or the record is unreadable). */
export async function recallTarget(host: string, vmlinuxCacheDir = defaultVmlinuxCacheDir()): Promise<KernelTarget | undefined> {
  try {
    const t = JSON.parse(await readFile(recordPath(host, vmlinuxCacheDir), 'utf8')) as Partial<KernelTarget>;
    return typeof t.kernelRelease === 'string' && typeof t.arch === 'string' ? { kernelRelease: t.kernelRelease, arch: t.arch } : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers the kernel `host` runs now (best effort: a read-only cache only costs the head start). */
export async function rememberTarget(host: string, target: KernelTarget, vmlinuxCacheDir = defaultVmlinuxCacheDir()): Promise<void> {
  const path = recordPath(host, vmlinuxCacheDir);
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ kernelRelease: target.kernelRelease, arch: target.arch }));
    await rename(tmp, path);
  } catch {
    /* best effort */
  }
}
