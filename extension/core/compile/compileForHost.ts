// One step from a .bpf.c to an object for a particular host: that host's vmlinux.h (cached per kernel release),
// its architecture, then clang. The CLI's `build` and `attach FILE.bpf.c` and the editor's build all come here.
import { readFile } from 'node:fs/promises';
import { release as osRelease } from 'node:os';
import { compileBpf, type CompileOptions, type CompileResult } from './clang';
import { ensureVmlinuxHeader, VmlinuxError } from './vmlinux';

/** What compiling needs to know of a target host. */
export interface TargetHost {
  kernelRelease: string;
  arch: string;
  /** Reads the host's kernel BTF bytes. */
  readBtf: () => Promise<Buffer>;
}

/** This machine as a target (for `build` without --host, and `--host local`). */
export function localTarget(): TargetHost {
  return { kernelRelease: osRelease(), arch: process.arch, readBtf: () => readFile('/sys/kernel/btf/vmlinux') };
}

export interface CompileForHostOptions extends Omit<CompileOptions, 'arch' | 'vmlinuxDir'> {
  host: TargetHost;
  vmlinuxCacheDir?: string;
  bpftool?: string;
}

export async function compileForHost(opts: CompileForHostOptions): Promise<CompileResult & { vmlinuxDir?: string }> {
  const { host, vmlinuxCacheDir, bpftool, ...rest } = opts;
  let vmlinuxDir: string | undefined;
  try {
    vmlinuxDir = await ensureVmlinuxHeader({ release: host.kernelRelease, readBtf: host.readBtf, cacheDir: vmlinuxCacheDir, bpftool });
  } catch (e) {
    // A program that includes only uapi headers compiles without vmlinux.h; one that includes it cannot.
    if (!(e instanceof VmlinuxError) || (await mentionsVmlinux(rest.source))) throw e;
  }
  const result = await compileBpf({ ...rest, arch: host.arch, vmlinuxDir });
  return { ...result, vmlinuxDir };
}

async function mentionsVmlinux(source: string): Promise<boolean> {
  try {
    return (await readFile(source, 'utf8')).includes('vmlinux.h');
  } catch {
    return true;
  }
}
