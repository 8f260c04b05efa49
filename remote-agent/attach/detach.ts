// detach {attachment}: reads the kernel's current state first and undoes exactly that: the XDP mode comes from
// `bpftool -j net show` (a generic program is NOT removed by a plain `xdp` detach: KERNEL-FACTS "TRAP"), and the
// result is checked afterwards, so "detached" means the kernel no longer shows it.
import { existsSync, rmSync } from 'node:fs';
import type { Attachment } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { AgentError, notFound } from '../core/errors';
import { objectLinksDir } from '../core/paths';
import { clipOutput, toolFailed } from '../core/runner';
import { requireObject, validateNetns } from '../core/validate';
import { AgentErrorCode } from '../../protocol/agent';
import { netAttachments } from '../listings/net';
import { parseCgroupShow } from '../parsers/cgroupTree';
import { formatAttachmentId, parseAttachmentId } from './attachmentId';
import { confirmAttachment } from '../safety/deadman';
import { forgetSkMsg } from './skmsg';
import { DETACH_MODE, xdpOn } from './xdp';
import { TC_PREF } from './tc';

export async function detach(ctx: AgentContext, raw: unknown): Promise<{ detached: Attachment }> {
  const p = requireObject(raw, 'detach');
  const a = parseAttachmentId(p.attachment);
  const bpftool = bpftoolPath(ctx);
  switch (a.kind) {
    case 'xdp': {
      const netns = validateNetns(a.netns, 'attachment');
      const now = await xdpOn(ctx, netns, a.dev);
      if (!now) throw notFound('attachment', `no XDP program is attached to ${a.dev} in netns ${netns}`);
      const mode = now.mode ?? 'driver';
      // net show gives XDP programs by id only: the name, for a reply that says which program went.
      const shown = await ctx.run([bpftool, '-j', 'prog', 'show', 'id', String(now.progId)], { allowFailure: true });
      const progName = shown.exitCode === 0 ? (JSON.parse(shown.stdout) as { name?: string }).name : now.progName;
      const r = await ctx.run([bpftool, 'net', 'detach', DETACH_MODE[mode].bpftool, 'dev', a.dev], { netns, allowFailure: true });
      if (r.exitCode !== 0) throw toolFailed(r, `detach XDP (${mode}) from ${a.dev}`);
      if (await xdpOn(ctx, netns, a.dev)) {
        throw new AgentError(AgentErrorCode.ToolFailed, `XDP program ${now.progId} is still attached to ${a.dev} after detach (${mode})`, {
          argv: r.argv,
          stdout: clipOutput(r.stdout),
          stderr: clipOutput(r.stderr),
        });
      }
      // Undone by hand: a rollback plan this agent armed for it has nothing left to do, and must not remove the same
      // program (same id, reused by content) when it is attached again before the plan's deadline.
      await confirmAttachment(formatAttachmentId(a)).catch(() => false);
      return { detached: { id: formatAttachmentId(a), kind: 'xdp', progId: now.progId, progName, dev: a.dev, netns, mode } };
    }
    case 'tc':
    case 'tcx': {
      const netns = validateNetns(a.netns, 'attachment');
      const before = (await netAttachments(ctx, netns)).filter((x) => x.kind === a.kind && x.dev === a.dev && x.direction === a.direction);
      const argv =
        a.kind === 'tcx'
          ? [bpftool, 'net', 'detach', `tcx_${a.direction}`, 'dev', a.dev]
          : ['tc', 'filter', 'del', 'dev', a.dev, a.direction, 'pref', TC_PREF];
      const r = await ctx.run(argv, { netns, allowFailure: true });
      if (r.exitCode !== 0) {
        if (/No such file|Cannot find specified filter|not found/i.test(r.stderr) || !before.length) {
          throw notFound('attachment', `nothing of ours is attached at ${a.kind} ${a.direction} on ${a.dev} in netns ${netns}`);
        }
        throw toolFailed(r, `detach ${a.kind} ${a.direction} from ${a.dev}`);
      }
      if (a.kind === 'tc') await removeEmptyClsact(ctx, netns, a.dev);
      return {
        detached: {
          id: formatAttachmentId(a),
          kind: a.kind,
          progId: before[0]?.progId,
          progName: before[0]?.progName,
          dev: a.dev,
          netns,
          direction: a.direction,
        },
      };
    }
    case 'cgroup': {
      const shown = parseCgroupShow(
        (await ctx.run([bpftool, '-j', 'cgroup', 'show', a.cgroup], { allowFailure: true })).stdout || '[]',
        a.cgroup,
      );
      if (!shown.some((x) => x.progId === a.progId && x.attachType === a.attachType)) {
        throw notFound('attachment', `program ${a.progId} is not attached as ${a.attachType} on ${a.cgroup}`);
      }
      await ctx.run([bpftool, 'cgroup', 'detach', a.cgroup, a.attachType, 'id', String(a.progId)]);
      return { detached: { id: formatAttachmentId(a), kind: 'cgroup', progId: a.progId, cgroup: a.cgroup, attachType: a.attachType } };
    }
    case 'sk_msg': {
      if (!existsSync(a.map)) {
        forgetSkMsg(ctx.stateDir, formatAttachmentId(a));
        throw notFound('attachment', `the map ${a.map} is gone, and its attachments with it`);
      }
      const r = await ctx.run([bpftool, 'prog', 'detach', 'id', String(a.progId), a.attachType, 'pinned', a.map], { allowFailure: true });
      forgetSkMsg(ctx.stateDir, formatAttachmentId(a));
      if (r.exitCode !== 0) {
        if (/No such file|not found|ENOENT/i.test(r.stderr))
          throw notFound('attachment', `program ${a.progId} is not attached to ${a.map}`);
        throw toolFailed(r, `detach ${a.attachType} from ${a.map}`);
      }
      return { detached: { id: formatAttachmentId(a), kind: 'sk_msg', progId: a.progId, map: a.map, attachType: a.attachType } };
    }
    case 'tracepoints': {
      const links = objectLinksDir(a.object);
      if (!existsSync(links)) throw notFound('attachment', `the tracepoints of "${a.object}" are not attached`);
      rmSync(links, { recursive: true, force: true });
      return { detached: { id: formatAttachmentId(a), kind: 'tracepoints', object: a.object } };
    }
  }
}

/** clsact holds nothing of anybody's any more: remove it (it would otherwise linger after the lab/test). */
async function removeEmptyClsact(ctx: AgentContext, netns: string, dev: string): Promise<void> {
  for (const dir of ['ingress', 'egress']) {
    const r = await ctx.run(['tc', 'filter', 'show', 'dev', dev, dir], { netns, allowFailure: true });
    if (r.exitCode !== 0 || r.stdout.trim()) return;
  }
  await ctx.run(['tc', 'qdisc', 'del', 'dev', dev, 'clsact'], { netns, allowFailure: true });
}
