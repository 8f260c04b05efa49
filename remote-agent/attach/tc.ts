// attach.tc: clsact qdisc + a cls_bpf direct-action filter at the agent's own priority (TC_PREF), so detach removes
// exactly our filter and leaves anybody else's; or tcx (kernel >= 6.6, bpftool >= 7.4) with
// `bpftool net attach tcx_ingress|tcx_egress`. Both run inside the namespace with nsenter.
import { rmSync } from 'node:fs';
import type { AttachTcParams } from '../../protocol/agent';
import type { Attachment, TcDirection } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { notFound, unsupported } from '../core/errors';
import { PIN_ROOT } from '../core/paths';
import { requireObject, validateEnum, validateIfName, validateNetns } from '../core/validate';
import { netAttachments } from '../listings/net';
import { resolveProgram, type ResolvedRef } from '../objects/refs';
import { formatAttachmentId } from './attachmentId';
import { attachFailure } from './classify';
import { attachArmed, confirmWithinMs } from './confirm';
import { netShowArgv } from './xdp';
import { programId } from '../objects/progId';
import type { RollbackPlan } from '../safety/deadman';

/** The tc filter priority the agent uses; `tc filter del ... pref TC_PREF` removes only ours. */
export const TC_PREF = '49001';

function nsArgv(netns: string): string[] {
  return netns === 'root' ? [] : ['nsenter', `--net=/run/netns/${netns}`, '--'];
}

export function tcDetachCommands(netns: string, dev: string, direction: TcDirection): string[][] {
  return [[...nsArgv(netns), 'tc', 'filter', 'del', 'dev', dev, direction, 'pref', TC_PREF]];
}
export function tcxDetachCommands(bpftool: string, netns: string, dev: string, direction: TcDirection): string[][] {
  return [[...nsArgv(netns), bpftool, 'net', 'detach', `tcx_${direction}`, 'dev', dev]];
}

/** tc needs a pin path; a program given as id:N is pinned for the duration of the attach. */
async function withPin<T>(ctx: AgentContext, prog: ResolvedRef, fn: (pin: string) => Promise<T>): Promise<T> {
  if (prog.pin) return fn(prog.pin);
  // bpffs refuses names with a dot (EPERM), hence underscores.
  const tmp = `${PIN_ROOT}/tmp_tc_${process.pid}_${Date.now()}`;
  await ctx.run(['mkdir', '-p', PIN_ROOT]);
  await ctx.run([bpftoolPath(ctx), 'prog', 'pin', ...prog.bpftoolArgs, tmp]);
  try {
    return await fn(tmp);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export async function attachTc(ctx: AgentContext, raw: unknown): Promise<Attachment> {
  const p = requireObject(raw, 'attach.tc') as Partial<AttachTcParams>;
  const dev = validateIfName(p.dev);
  const netns = validateNetns(p.netns);
  const direction = validateEnum<TcDirection>(p.direction, ['ingress', 'egress'], 'direction');
  const via = validateEnum(p.via, ['tc', 'tcx'] as const, 'via', 'tc');
  const within = confirmWithinMs(p.confirmWithin);
  const prog = resolveProgram(p.program);
  const bpftool = bpftoolPath(ctx);

  const exists = await ctx.run(['ip', 'link', 'show', 'dev', dev], { netns, allowFailure: true });
  if (exists.exitCode !== 0) throw notFound('dev', `dev: no interface "${dev}" in network namespace ${netns}`);

  const kind = via === 'tcx' ? 'tcx' : 'tc';
  const id = formatAttachmentId({ kind, netns, dev, direction });
  if (via === 'tcx' && !ctx.bpftool?.features.tcx) {
    throw unsupported(
      `tcx needs bpftool >= 7.4 and kernel >= 6.6 (this host: bpftool ${ctx.bpftool?.version}, kernel ${ctx.kernelRelease}); use via: 'tc'`,
      { tool: 'bpftool' },
    );
  }
  const plan: RollbackPlan = {
    attachment: id,
    description: `${kind} ${direction} on ${dev} (netns ${netns})`,
    commands: via === 'tcx' ? tcxDetachCommands(bpftool, netns, dev, direction) : tcDetachCommands(netns, dev, direction),
    target: within ? { progId: await programId(ctx, prog), argv: netShowArgv(bpftool, netns, dev), kind, dev, direction } : undefined,
  };
  return attachArmed(within, plan, async () => {
    if (via === 'tcx') {
      if (p.replace) await ctx.run([bpftool, 'net', 'detach', `tcx_${direction}`, 'dev', dev], { netns, allowFailure: true });
      const r = await ctx.run([bpftool, 'net', 'attach', `tcx_${direction}`, ...prog.bpftoolArgs, 'dev', dev], {
        netns,
        allowFailure: true,
      });
      if (r.exitCode !== 0) throw attachFailure(r, `attach tcx ${direction} on ${dev}`);
    } else {
      const q = await ctx.run(['tc', 'qdisc', 'add', 'dev', dev, 'clsact'], { netns, allowFailure: true });
      if (q.exitCode !== 0 && !/File exists|Exclusivity flag on/.test(q.stderr)) throw attachFailure(q, `add clsact qdisc on ${dev}`);
      const addedQdisc = q.exitCode === 0;
      try {
        await withPin(ctx, prog, async (pin) => {
          const verb = p.replace ? 'replace' : 'add';
          const r = await ctx.run(
            ['tc', 'filter', verb, 'dev', dev, direction, 'pref', TC_PREF, 'handle', '1', 'bpf', 'da', 'pinned', pin],
            { netns, allowFailure: true },
          );
          if (r.exitCode !== 0) throw attachFailure(r, `attach tc ${direction} on ${dev}`);
        });
      } catch (e) {
        // the clsact this attach added goes again, if nobody put a filter on it meanwhile (one that was there before
        // stays: it may hold others' filters)
        if (addedQdisc) {
          const shown = await Promise.all(
            ['ingress', 'egress'].map((d) => ctx.run(['tc', 'filter', 'show', 'dev', dev, d], { netns, allowFailure: true })),
          );
          if (shown.every((r) => r.exitCode === 0 && !r.stdout.trim()))
            await ctx.run(['tc', 'qdisc', 'del', 'dev', dev, 'clsact'], { netns, allowFailure: true });
        }
        throw e;
      }
    }
    const seen = (await netAttachments(ctx, netns)).filter((a) => a.kind === kind && a.dev === dev && a.direction === direction);
    const mine = seen[seen.length - 1];
    const att: Attachment = {
      id,
      kind,
      progId: mine?.progId,
      progName: mine?.progName,
      dev,
      netns,
      direction,
      via: via === 'tcx' ? 'bpftool' : 'tc',
    };
    return att;
  });
}
