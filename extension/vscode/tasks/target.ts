// The host a build is for: the connected host (its kernel BTF read through the session), else this machine.
// vmlinux.h is cached per kernel release in the extension's storage by the engine (extension/core/compile/).
import { join } from 'node:path';
import { localTarget, type TargetHost } from '../../core/compile/compileForHost';
import { ensureVmlinuxHeader } from '../../core/compile/vmlinux';
import type { Ctx } from '../context';

export function buildTarget(ctx: Ctx): TargetHost {
  const s = ctx.session;
  if (!s) return localTarget();
  return { kernelRelease: s.facts.kernelRelease, arch: s.facts.arch, readBtf: () => s.readHostBtf() };
}

export function vmlinuxCacheDir(ctx: Ctx): string {
  return join(ctx.extension.globalStorageUri.fsPath, 'vmlinux');
}

export function vmlinuxDirFor(ctx: Ctx): Promise<string> {
  const t = buildTarget(ctx);
  return ensureVmlinuxHeader({ release: t.kernelRelease, readBtf: t.readBtf, cacheDir: vmlinuxCacheDir(ctx) });
}
