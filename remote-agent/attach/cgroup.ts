// attach.cgroup: `bpftool cgroup attach CG TYPE PROG` on a cgroup v2 directory (sock_ops, ingress, egress, ...).
// With `create`, a bare name (prefix end_) becomes a directory under the v2 root, so tests and labs get their own.
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import type { AttachCgroupParams } from '../../protocol/agent';
import type { Attachment } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { badArgument } from '../core/errors';
import { requireObject, validateCgroupPath } from '../core/validate';
import { requireCgroupRoot } from '../listings/cgroup';
import { parseCgroupShow } from '../parsers/cgroupTree';
import { programId } from '../objects/progId';
import { resolveProgram } from '../objects/refs';
import { formatAttachmentId } from './attachmentId';
import { attachFailure } from './classify';

const ATTACH_TYPE = /^[a-z0-9_]{1,32}$/;

/** The cgroup directory, made when asked (`created` says so: a failed attach then removes it again). */
export function resolveCgroup(root: string, value: unknown, create: boolean): { path: string; created: boolean } {
  if (typeof value === 'string' && !value.startsWith('/')) {
    if (!/^end_[A-Za-z0-9_][A-Za-z0-9_-]{0,59}$/.test(value))
      throw badArgument('cgroup', `"${value}" must be an absolute cgroup v2 path, or a name starting with end_ to create under ${root}`);
    value = `${root}/${value}`;
  }
  const path = validateCgroupPath(value, root, 'cgroup', false);
  let created = false;
  if (!existsSync(path)) {
    if (!create) throw badArgument('cgroup', `no cgroup directory ${path} (pass create: true to make it)`);
    if (!/\/end_[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(path))
      throw badArgument('cgroup', `only cgroups named end_* are created by the agent (${path})`);
    mkdirSync(path, { recursive: false });
    created = true;
  }
  try {
    return { path: validateCgroupPath(path, root, 'cgroup', true), created };
  } catch (e) {
    if (created) rmdirQuietly(path);
    throw e;
  }
}

function rmdirQuietly(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    /* a process moved in meanwhile: it is not ours to empty */
  }
}

export async function attachCgroup(ctx: AgentContext, raw: unknown): Promise<Attachment> {
  const p = requireObject(raw, 'attach.cgroup') as Partial<AttachCgroupParams>;
  const root = requireCgroupRoot(ctx);
  const type = p.type;
  if (typeof type !== 'string' || !ATTACH_TYPE.test(type))
    throw badArgument('type', `"${String(type)}" is not a cgroup attach type (sock_ops, ingress, egress, ...)`);
  const prog = resolveProgram(p.program);
  const bpftool = bpftoolPath(ctx);
  const { path: cgroup, created } = resolveCgroup(root, p.cgroup, p.create === true);
  const r = await ctx.run([bpftool, 'cgroup', 'attach', cgroup, type, ...prog.bpftoolArgs], { allowFailure: true }).catch((e: unknown) => {
    if (created) rmdirQuietly(cgroup);
    throw e;
  });
  if (r.exitCode !== 0) {
    if (created) rmdirQuietly(cgroup); // a failed attach leaves nothing it made behind
    throw attachFailure(r, `attach ${type} on cgroup ${cgroup}`);
  }
  const shown = parseCgroupShow((await ctx.run([bpftool, '-j', 'cgroup', 'show', cgroup])).stdout, cgroup);
  const progId = await programId(ctx, prog);
  const entry = shown.find((a) => a.progId === progId && a.attachType === type);
  return {
    id: formatAttachmentId({ kind: 'cgroup', attachType: type, cgroup, progId }),
    kind: 'cgroup',
    progId,
    progName: entry?.progName,
    cgroup,
    attachType: type,
    via: 'bpftool',
  };
}
