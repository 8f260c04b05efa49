// cgroup.list: `bpftool cgroup tree` over the cgroup v2 hierarchy, or `cgroup show` of one directory.
import type { CgroupAttachment } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { unsupported } from '../core/errors';
import { validateCgroupPath } from '../core/validate';
import { parseCgroupShow, parseCgroupTree } from '../parsers/cgroupTree';
import { singleFlight } from './singleFlight';

export function requireCgroupRoot(ctx: AgentContext): string {
  if (!ctx.cgroupRoot) throw unsupported('this host has no cgroup v2 hierarchy mounted');
  return ctx.cgroupRoot;
}

/** `shared`: the whole tree may come from a run in flight (read-only callers, see singleFlight.ts). */
export async function cgroupList(ctx: AgentContext, params: unknown, shared = false): Promise<CgroupAttachment[]> {
  const root = requireCgroupRoot(ctx);
  const p = (params && typeof params === 'object' ? params : {}) as { path?: unknown };
  if (p.path !== undefined) {
    const path = validateCgroupPath(p.path, root, 'path');
    const r = await ctx.run([bpftoolPath(ctx), '-j', 'cgroup', 'show', path]);
    return parseCgroupShow(r.stdout, path);
  }
  return cgroupTree(ctx, root, shared);
}

/** The whole v2 hierarchy; `source`: the `cgroup tree ROOT` JSON from elsewhere (a batch entry, snapshot.ts). */
export function cgroupTree(
  ctx: AgentContext,
  root: string,
  shared: boolean,
  source?: () => Promise<string | unknown[]>,
): Promise<CgroupAttachment[]> {
  const json = source ?? (async () => (await ctx.run([bpftoolPath(ctx), '-j', 'cgroup', 'tree', root])).stdout);
  const run = async () => parseCgroupTree(await json());
  return shared ? singleFlight(ctx, 'cgroups', run) : run();
}
