// Putting one program in place of another on an XDP or tc attachment, atomically where the kernel allows it:
//   XDP: `bpftool net attach xdp|xdpgeneric PROG dev IF overwrite` (netlink without UPDATE_IF_NOEXIST: the kernel
//        swaps the program in one step, no packet sees no program);
//   tc:  `tc filter replace ... pref 49001 handle 1 bpf da pinned PIN` (cls_bpf swaps the program under RCU).
// The same commands, as argument arrays, are the watchdog's plan for putting the plain program back.
import type { TcDirection, XdpKernelMode } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { notFound, unsupported } from '../core/errors';
import { netAttachments } from '../listings/net';
import { TC_PREF } from '../attach/tc';
import { DETACH_MODE } from '../attach/xdp';

export type SwapTarget = { kind: 'xdp'; netns: string; dev: string } | { kind: 'tc'; netns: string; dev: string; direction: TcDirection };

function nsArgv(netns: string): string[] {
  return netns === 'root' ? [] : ['nsenter', `--net=/run/netns/${netns}`, '--'];
}

/** The program on the attachment now, as the kernel reports it (tc: our filter at TC_PREF, read from tc itself). */
export async function attachedNow(ctx: AgentContext, t: SwapTarget): Promise<{ progId: number; mode?: XdpKernelMode; ifindex: number }> {
  const all = await netAttachments(ctx, t.netns);
  if (t.kind === 'xdp') {
    const found = all.find((a) => a.kind === 'xdp' && a.dev === t.dev);
    if (!found) throw notFound('attachment', `attachment: there is no XDP program on ${t.dev} in network namespace ${t.netns}`);
    if (found.mode === 'offload') throw unsupported('verdict capture cannot swap an offloaded XDP program (it runs on the NIC)');
    return { progId: found.progId, mode: found.mode, ifindex: found.ifindex };
  }
  // bpftool's listing does not say the filter's priority; tc does (`... pref 49001 bpf ... id 17 ...`).
  const r = await ctx.run(['tc', 'filter', 'show', 'dev', t.dev, t.direction, 'pref', TC_PREF], { netns: t.netns, allowFailure: true });
  const id = /\bid (\d+)/.exec(r.stdout);
  if (r.exitCode !== 0 || !id) {
    throw notFound(
      'attachment',
      `attachment: there is no tc ${t.direction} filter of ours (pref ${TC_PREF}) on ${t.dev} in network namespace ${t.netns}`,
    );
  }
  const any = all.find((a) => a.dev === t.dev);
  return { progId: Number(id[1]), ifindex: any?.ifindex ?? -1 };
}

/** The command (without nsenter) that puts the program pinned at `pin` on the attachment in place of the one there. */
export function swapCommand(ctx: AgentContext, t: SwapTarget, pin: string, mode: XdpKernelMode | undefined): string[] {
  if (t.kind === 'xdp')
    return [bpftoolPath(ctx), 'net', 'attach', DETACH_MODE[mode ?? 'driver'].bpftool, 'pinned', pin, 'dev', t.dev, 'overwrite'];
  return ['tc', 'filter', 'replace', 'dev', t.dev, t.direction, 'pref', TC_PREF, 'handle', '1', 'bpf', 'da', 'pinned', pin];
}

/** The same for the watchdog, which runs outside the agent (nsenter included). */
export function watchdogCommands(ctx: AgentContext, t: SwapTarget, pin: string, mode: XdpKernelMode | undefined): string[][] {
  return [[...nsArgv(t.netns), ...swapCommand(ctx, t, pin, mode)]];
}

export async function swapIn(
  ctx: AgentContext,
  t: SwapTarget,
  pin: string,
  mode: XdpKernelMode | undefined,
): Promise<{ ok: boolean; message: string }> {
  const r = await ctx.run(swapCommand(ctx, t, pin, mode), { netns: t.netns, allowFailure: true });
  return { ok: r.exitCode === 0, message: `${r.stderr}${r.stdout}`.trim() };
}
