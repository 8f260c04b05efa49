// attach.xdp: `bpftool net attach xdp|xdpgeneric|xdpoffload PROG dev IF [overwrite]` or, via iproute2,
// `ip [-force] link set dev IF xdpdrv|xdpgeneric|xdpoffload object O sec S`, both inside the namespace with nsenter.
// The reply is read back from `bpftool -j net show`, so it carries the mode the kernel really uses.
import type { AttachXdpParams } from '../../protocol/agent';
import type { Attachment, NetAttachment, XdpKernelMode, XdpMode } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { badArgument, notFound } from '../core/errors';
import { requireObject, validateEnum, validateIfName, validateNetns } from '../core/validate';
import { netAttachments } from '../listings/net';
import { resolveProgram } from '../objects/refs';
import { readRecord } from '../objects/store';
import { formatAttachmentId } from './attachmentId';
import { attachFailure } from './classify';
import { attachArmed, confirmWithinMs } from './confirm';
import { programId } from '../objects/progId';
import type { RollbackPlan } from '../safety/deadman';

const BPFTOOL_MODE: Record<XdpMode, string> = { native: 'xdp', generic: 'xdpgeneric', offload: 'xdpoffload' };
const IP_MODE: Record<XdpMode, string> = { native: 'xdpdrv', generic: 'xdpgeneric', offload: 'xdpoffload' };
/** bpftool `net detach` / ip keyword for the mode the kernel reports. */
export const DETACH_MODE: Record<XdpKernelMode, { bpftool: string; ip: string }> = {
  driver: { bpftool: 'xdp', ip: 'xdpdrv' },
  generic: { bpftool: 'xdpgeneric', ip: 'xdpgeneric' },
  offload: { bpftool: 'xdpoffload', ip: 'xdpoffload' },
};

export async function xdpOn(ctx: AgentContext, netns: string, dev: string): Promise<NetAttachment | undefined> {
  return (await netAttachments(ctx, netns)).find((a) => a.kind === 'xdp' && a.dev === dev);
}

/** The commands that remove whatever XDP program the kernel reports on dev, for the watchdog. */
export function xdpDetachCommands(bpftool: string, netns: string, dev: string, mode: XdpKernelMode): string[][] {
  const ns = netns === 'root' ? [] : ['nsenter', `--net=/run/netns/${netns}`, '--'];
  return [
    [...ns, bpftool, 'net', 'detach', DETACH_MODE[mode].bpftool, 'dev', dev],
    [...ns, 'ip', 'link', 'set', 'dev', dev, DETACH_MODE[mode].ip, 'off'],
  ];
}

export async function attachXdp(ctx: AgentContext, raw: unknown): Promise<Attachment> {
  const p = requireObject(raw, 'attach.xdp') as Partial<AttachXdpParams>;
  const dev = validateIfName(p.dev);
  const netns = validateNetns(p.netns);
  const mode = validateEnum<XdpMode>(p.mode, ['native', 'generic', 'offload'], 'mode', 'native');
  const via = validateEnum(p.via, ['bpftool', 'iproute2'] as const, 'via', 'bpftool');
  const within = confirmWithinMs(p.confirmWithin);
  const prog = resolveProgram(p.program);
  const bpftool = bpftoolPath(ctx);

  const exists = await ctx.run(['ip', 'link', 'show', 'dev', dev], { netns, allowFailure: true });
  if (exists.exitCode !== 0) throw notFound('dev', `dev: no interface "${dev}" in network namespace ${netns}`);

  let argv: string[];
  if (via === 'iproute2') {
    if (!prog.object || !prog.name)
      throw badArgument('program', 'via iproute2 needs an OBJECT/PROGRAM reference (ip loads the object file itself)');
    const rec = readRecord(ctx.stateDir, prog.object);
    const section = rec?.programs.find((x) => x.name === prog.name)?.section;
    if (!rec || !section)
      throw notFound('program', `program: no record of the object file of "${prog.object}"; load it again with object.load`);
    argv = ['ip', ...(p.replace ? ['-force'] : []), 'link', 'set', 'dev', dev, IP_MODE[mode], 'object', rec.file, 'sec', section];
  } else {
    argv = [bpftool, 'net', 'attach', BPFTOOL_MODE[mode], ...prog.bpftoolArgs, 'dev', dev, ...(p.replace ? ['overwrite'] : [])];
  }
  // The kernel mode this attach asks for (bpftool and ip never fall back to another): the rollback's commands.
  const kernelMode: XdpKernelMode = mode === 'native' ? 'driver' : mode;
  const id = formatAttachmentId({ kind: 'xdp', netns, dev });
  const plan: RollbackPlan = {
    attachment: id,
    description: `xdp on ${dev} (netns ${netns})`,
    commands: xdpDetachCommands(bpftool, netns, dev, kernelMode),
    target: within ? { progId: await programId(ctx, prog), argv: netShowArgv(bpftool, netns, dev), kind: 'xdp', dev } : undefined,
  };
  return attachArmed(within, plan, async () => {
    const r = await ctx.run(argv, { netns, allowFailure: true });
    if (r.exitCode !== 0) throw attachFailure(r, `attach XDP (${mode}) on ${dev}`, { offload: mode === 'offload' });

    const now = await xdpOn(ctx, netns, dev);
    if (!now) throw notFound('dev', `the XDP attach on ${dev} reported success but bpftool net show does not list it`);
    // net show gives XDP programs by id only; the name makes the reply readable
    const shown = await ctx.run([bpftool, '-j', 'prog', 'show', 'id', String(now.progId)], { allowFailure: true });
    const progName = shown.exitCode === 0 ? (JSON.parse(shown.stdout) as { name?: string }).name : undefined;
    return { id, kind: 'xdp', progId: now.progId, progName: progName ?? now.progName, dev, netns, mode: now.mode, via };
  });
}

/** What the watchdog runs to see what is attached on dev (remote-agent/safety/deadman.ts RollbackPlan.target). */
export function netShowArgv(bpftool: string, netns: string, dev: string): string[] {
  const ns = netns === 'root' ? [] : ['nsenter', `--net=/run/netns/${netns}`, '--'];
  return [...ns, bpftool, '-j', 'net', 'show', 'dev', dev];
}
