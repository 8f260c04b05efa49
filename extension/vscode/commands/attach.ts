// Attach XDP to eth0, Attach XDP Program to Interface..., Attach tc Program..., Attach sock_ops / sk_msg...
// Each asks what only a person can answer (the interface, the XDP mode unless a default is set, the tc direction,
// the cgroup), then runs the attach workflow the CLI runs too (extension/core/attach/attachWorkflow.ts): compile
// for the host, load or reuse, attach, the dead-man confirmation over a fresh timed round trip, unload on failure.
// Its questions (which program, which map) are pickers, its progress the notification. A rollback by the host's
// watchdog is this command's outcome, told once, naming the program and the interface.
import * as vscode from 'vscode';
import type { XdpMode } from '../../../protocol/types';
import { AttachRolledBack } from '../../core/attach/attachError';
import { attachWorkflow, type AttachHooks, type AttachRequest, type AttachResult } from '../../core/attach/attachWorkflow';
import type { PreparedObject } from '../../core/attach/preparedObject';
import type { ObjectMap, ObjectProgram } from '../../core/elf/bpfObject';
import type { Ctx } from '../context';
import type { HostSession } from '../hostSession';
import { Cancelled, withProgress } from '../errors';
import { needsSession, type CommandFactory } from './table';
import { chooseObject, compileWithTask, prepareChoice, showVerifierRejection, type ObjectChoice } from './objectSource';
import { pickInterface, type InterfaceChoice } from './pickInterface';

export const attachXdpEth0Command: CommandFactory = needsSession(
  (ctx, s, arg) => attachXdp(ctx, s, arg, { netns: undefined, dev: 'eth0' }, 'Attach XDP to eth0'),
  'Attach XDP to eth0',
);

export const attachXdpCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  // From the tree's interface row the interface is given; from the palette or the explorer it is asked.
  const iface = interfaceOf(arg) ?? (await pickInterface(s, 'Attach XDP to which interface?'));
  return attachXdp(ctx, s, interfaceOf(arg) ? undefined : arg, iface, 'Attach XDP Program to Interface');
}, 'Attach XDP Program to Interface...');

export const attachTcCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const iface = interfaceOf(arg) ?? (await pickInterface(s, 'Attach tc program to which interface?'));
  const dir = await vscode.window.showQuickPick(
    [
      { label: 'egress', description: 'packets leaving the interface' },
      { label: 'ingress', description: 'packets arriving' },
    ],
    { title: `tc direction on ${iface.dev}` },
  );
  if (!dir) throw new Cancelled();
  const direction = dir.label as 'ingress' | 'egress';
  const choice = await chooseObject(ctx, interfaceOf(arg) ? undefined : arg, 'Attach tc program');
  const r = await runAttach(ctx, s, choice, {
    kind: 'tc',
    command: 'Attach tc Program',
    target: { dev: iface.dev, netns: iface.netns, direction, replace: true },
  });
  if (r) await done(ctx, `Attached ${programName(r)} to ${iface.dev} tc ${direction}${nsText(iface.netns)}${progIdText(r, ' (', ')')}.`, r);
}, 'Attach tc Program...');

export const attachSockopsCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const choice = await chooseObject(ctx, arg, 'Attach sock_ops / sk_msg');
  // Compiled once for both attaches; the second finds the object loaded by the first (same bytes, same name) and
  // so shares its maps.
  const obj = await withProgress(`eBPF: preparing ${choice.file.split('/').pop()}`, () =>
    prepareChoice(ctx, s, choice, 'Attach sock_ops / sk_msg'),
  );
  const kinds = new Set(obj.info.programs.map((p) => p.attachKind));
  if (!kinds.has('sockops') && !kinds.has('skmsg')) throw new Error(`${choice.file.split('/').pop()} has no sock_ops or sk_msg program`);
  const prepared = { file: choice.file, prepared: async () => obj };
  const msgs: string[] = [];
  let last: AttachResult | undefined;
  if (kinds.has('sockops')) {
    const cg = await vscode.window.showInputBox({
      title: 'Attach sock_ops',
      prompt: 'cgroup v2 directory (absolute), or a new name (end_...) to create under the v2 root',
      value: 'end_sockmap',
      validateInput: (v) =>
        /^(\/[^\0]+|end_[A-Za-z0-9_-]{1,60})$/.test(v) ? undefined : 'An absolute cgroup path or a name starting with end_',
    });
    if (!cg) throw new Cancelled();
    last = await runAttach(ctx, s, prepared, {
      kind: 'sockops',
      command: 'Attach sock_ops',
      target: { cgroup: cg, createCgroup: !cg.startsWith('/') },
    });
    if (!last) return;
    msgs.push(`${describeProgram(last)} on cgroup ${cg}`);
  }
  if (kinds.has('skmsg')) {
    last = await runAttach(ctx, s, prepared, { kind: 'skmsg', command: 'Attach sk_msg', target: {} });
    if (!last) return;
    msgs.push(`${describeProgram(last)} on ${last.attachment.map ?? 'its sock map'}`);
  }
  await ctx.kernelStateChanged();
  void vscode.window.showInformationMessage(`Attached ${msgs.join(' and ')}.`);
}, 'Attach sock_ops / sk_msg...');

async function attachXdp(
  ctx: Ctx,
  s: HostSession,
  arg: unknown,
  iface: InterfaceChoice,
  command: string,
): Promise<AttachResult | undefined> {
  const choice = await chooseObject(ctx, arg, `Attach XDP to ${iface.dev}`);
  const mode = await chooseMode(ctx);
  const r = await runAttach(ctx, s, choice, { kind: 'xdp', command, target: { dev: iface.dev, netns: iface.netns, mode, replace: true } });
  if (r)
    await done(
      ctx,
      `Attached ${programName(r)} to ${iface.dev}${nsText(iface.netns)} (XDP ${r.attachment.mode ?? mode}${progIdText(r, ', ', '')}).`,
      r,
    );
  return r;
}

type EditorRequest = Omit<AttachRequest, 'object' | 'program' | 'confirm'>;

/**
 * Runs the workflow under a notification. Resolves undefined when the host's watchdog rolled the attach back: that
 * outcome was told (a warning naming the program and the interface) and the views were refreshed.
 */
async function runAttach(
  ctx: Ctx,
  s: HostSession,
  choice: ObjectChoice | { file: string; prepared: () => Promise<PreparedObject> },
  req: EditorRequest,
): Promise<AttachResult | undefined> {
  const object = 'prepared' in choice ? choice : { file: choice.file, compile: compileWithTask(ctx) };
  const program = 'program' in choice ? choice.program : undefined;
  const withinMs = Math.round(ctx.settings.values.confirmWithin * 1000);
  try {
    return await withProgress(`eBPF: ${req.command} on ${s.host.name}`, async (p) => {
      const hooks: AttachHooks = {
        progress: (m) => {
          p.report({ message: m });
          ctx.log.info(`${req.command}: ${m}`);
        },
        chooseProgram: (fit) => pickProgram(fit),
        chooseMap: (maps) => pickMap(maps),
        loadRejected: (e, obj) => showVerifierRejection(ctx, e, obj),
      };
      // ebpfNetDebug.confirmWithin: the window for the interface carrying SSH (0 turns the switch off).
      return attachWorkflow(
        s.engine,
        { ...req, object, program, confirm: withinMs === 0 ? { noConfirm: true } : { defaultWithinMs: withinMs } },
        hooks,
      );
    });
  } catch (e) {
    if (!(e instanceof AttachRolledBack)) throw e;
    ctx.log.warn(`${req.command}: ${e.message}`);
    await ctx.kernelStateChanged();
    void vscode.window.showWarningMessage(e.message, 'Show Log').then((a) => {
      if (a === 'Show Log') ctx.log.show();
    });
    return undefined;
  }
}

async function pickProgram(fit: ObjectProgram[]): Promise<ObjectProgram> {
  const pick = await vscode.window.showQuickPick(
    fit.map((p) => ({ label: p.name, description: `${p.programType ?? p.section}, section ${p.section}`, p })),
    { title: 'Which program?' },
  );
  if (!pick) throw new Cancelled();
  return pick.p;
}

async function pickMap(maps: ObjectMap[]): Promise<ObjectMap> {
  const pick = await vscode.window.showQuickPick(
    maps.map((m) => ({ label: m.name, description: m.type, m })),
    { title: 'Which sock map?' },
  );
  if (!pick) throw new Cancelled();
  return pick.m;
}

export async function chooseMode(ctx: Ctx): Promise<XdpMode> {
  const def = ctx.settings.values.xdpDefaultMode;
  if (def !== 'ask') return def;
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'native', description: 'driver mode: fastest; veth, most NICs' },
      { label: 'generic', description: 'skb mode: works on every interface, slower' },
    ],
    { title: 'XDP mode', placeHolder: 'Set ebpfNetDebug.xdp.defaultMode to stop this question' },
  );
  if (!pick) throw new Cancelled();
  return pick.label as XdpMode;
}

function programName(r: AttachResult): string {
  return r.program ?? r.attachment.progName ?? r.object;
}

/** "xdp_drop_ping #864": the program by name and kernel id. */
function describeProgram(r: AttachResult): string {
  return `${programName(r)}${progIdText(r, ' ', '')}`;
}

function progIdText(r: AttachResult, before: string, after: string): string {
  return r.attachment.progId ? `${before}#${r.attachment.progId}${after}` : '';
}

async function done(ctx: Ctx, message: string, r: AttachResult): Promise<void> {
  const confirmed = r.confirmation.status === 'confirmed' ? ' (confirmed: the host still answers)' : '';
  ctx.log.info(`${message}${confirmed} object ${r.object}${r.loadedNow ? '' : ' (already loaded, reused)'}, attachment ${r.attachment.id}`);
  await ctx.kernelStateChanged();
  void vscode.window.showInformationMessage(message, 'Detach').then((a) => {
    if (a === 'Detach') void vscode.commands.executeCommand('ebpfNetDebug.detach', r.attachment.id);
  });
}

function nsText(netns: string | undefined): string {
  return netns && netns !== 'root' ? ` in ${netns}` : '';
}

/** A tree interface row passes itself: it has dev and netns. */
function interfaceOf(arg: unknown): InterfaceChoice | undefined {
  if (arg && typeof arg === 'object' && 'dev' in arg && 'netns' in arg) {
    const o = arg as { dev: unknown; netns: unknown };
    if (typeof o.dev === 'string') return { dev: o.dev, netns: typeof o.netns === 'string' && o.netns !== 'root' ? o.netns : undefined };
  }
  return undefined;
}
