// vmlinux.h for a target host: generated from that host's kernel BTF with `bpftool btf dump ... format c`, once per
// kernel release, and cached under ~/.cache/ebpf-netdebug/vmlinux/<release>/vmlinux.h. Reading the BTF is passed
// in, so a remote host (over SSH) supplies its own /sys/kernel/btf/vmlinux and the programs match its kernel.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface VmlinuxOptions {
  /** The target's kernel release (`uname -r`): the cache key. */
  release: string;
  /** Reads the target's kernel BTF (/sys/kernel/btf/vmlinux) bytes. */
  readBtf: () => Promise<Buffer>;
  /** Default: $XDG_CACHE_HOME or ~/.cache, + /ebpf-netdebug/vmlinux. */
  cacheDir?: string;
  /** The bpftool that turns BTF into C on this machine; default `bpftool` from PATH, then /usr/sbin/bpftool. */
  bpftool?: string;
}

export class VmlinuxError extends Error {
  override readonly name = 'VmlinuxError';
}

export function defaultVmlinuxCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'ebpf-netdebug', 'vmlinux');
}

/** Returns the directory holding vmlinux.h for this release (for clang's -I), generating it when missing. */
export async function ensureVmlinuxHeader(opts: VmlinuxOptions): Promise<string> {
  // The release becomes a directory name: refuse anything that could climb out of the cache.
  if (!/^[A-Za-z0-9._+~-]{1,128}$/.test(opts.release) || opts.release === '.' || opts.release === '..') {
    throw new VmlinuxError(`bad kernel release "${opts.release}" (expected something like 6.1.0-13-amd64)`);
  }
  const dir = join(opts.cacheDir ?? defaultVmlinuxCacheDir(), opts.release);
  const header = join(dir, 'vmlinux.h');
  if (await nonEmpty(header)) return dir;

  const btf = await opts.readBtf().catch((e: Error) => {
    throw new VmlinuxError(`cannot read the host's kernel BTF (needs CONFIG_DEBUG_INFO_BTF, /sys/kernel/btf/vmlinux): ${e.message}`);
  });
  if (btf.length < 24 || (btf.readUInt16LE(0) !== 0xeb9f && btf.readUInt16BE(0) !== 0xeb9f)) {
    throw new VmlinuxError("the host's /sys/kernel/btf/vmlinux is not BTF");
  }
  const work = await mkdtemp(join(tmpdir(), 'ebpf-netdebug-btf-'));
  try {
    const btfPath = join(work, 'vmlinux.btf');
    await writeFile(btfPath, btf);
    const c = await runBpftool(opts.bpftool, ['btf', 'dump', 'file', btfPath, 'format', 'c']);
    await mkdir(dir, { recursive: true });
    // Write then rename, so a parallel build never includes a half-written header.
    const tmp = join(dir, `.vmlinux.h.${process.pid}.${Date.now()}`);
    await writeFile(tmp, c);
    await rename(tmp, header);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return dir;
}

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

function runBpftool(explicit: string | undefined, args: string[]): Promise<Buffer> {
  const candidates = explicit ? [explicit] : ['bpftool', '/usr/sbin/bpftool', '/usr/local/sbin/bpftool'];
  const attempt = (i: number): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      execFile(candidates[i], args, { encoding: 'buffer', maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          if (i + 1 < candidates.length) return resolve(attempt(i + 1));
          return reject(
            new VmlinuxError(
              "bpftool not found on this machine; it turns the host's BTF into vmlinux.h " +
                '(install it: apt-get install bpftool, or dnf install bpftool; or set its path)',
            ),
          );
        }
        reject(new VmlinuxError(`bpftool btf dump failed: ${stderr.toString().trim() || err.message}`));
      });
    });
  return attempt(0);
}
