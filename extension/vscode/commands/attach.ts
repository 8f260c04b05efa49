// Attach XDP to eth0, Attach XDP Program to Interface..., Attach tc Program..., Attach sock_ops / sk_msg...
// Each asks only what it must (which program when the object has several, the XDP mode unless a default is set,
// the interface when none is given), loads the object, attaches, confirms the dead-man switch over a fresh round
// trip, and refreshes every view from the kernel.
import * as vscode from 'vscode';
import type { Attachment, XdpMode } from '../../../protocol/types';
import type { Ctx } from '../context';
import type { HostSession } from '../hostSession';
import { Cancelled, checkCancelled, withProgress } from '../errors';
import { needsSession, type CommandFactory } from './table';
import { chooseObject } from './objectSource';
import { chooseProgram, loadObject } from './load';
import { pickInterface, type InterfaceChoice } from './pickInterface';

export const attachXdpEth0Command: CommandFactory = needsSession(
  (ctx, s, arg) => attachXdp(ctx, s, arg, { netns: undefined, dev: 'eth0' }), 'Attach XDP to eth0');

export const attachXdpCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  // From the tree's interface row the interface is given; from the palette or the explorer it is asked.
  const iface = interfaceOf(arg) ?? await pickInterface(s, 'Attach XDP to which interface?');
  return attachXdp(ctx, s, interfaceOf(arg) ? undefined : arg, iface);
}, 'Attach XDP Program to Interface...');

export const attachTcCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const iface = interfaceOf(arg) ?? await pickInterface(s, 'Attach tc program to which interface?');
  const dir = await vscode.window.showQuickPick([
    { label: 'egress', description: 'packets leaving the interface' }, { label: 'ingress', description: 'packets arriving' },
  ], { title: `tc direction on ${iface.dev}` });
  if (!dir) throw new Cancelled();
  const obj = await chooseObject(ctx, interfaceOf(arg) ? undefined : arg, 'Attach tc program');
  const program = await withProgress(`eBPF: loading ${obj.name}`, (p) => loadObject(ctx, s, obj, (m) => p.report({ message: m })));
  const prog = await chooseProgram(program, ['sched_cls', 'sched_act'], obj.program);
  const att = await withProgress(`eBPF: attaching ${prog.name} to ${iface.dev} ${dir.label}`, async (p, token) => {
    const a = await s.client.attachTc({
      program: `${program.name}/${prog.name}`, dev: iface.dev, netns: iface.netns, direction: dir.label as 'ingress' | 'egress',
      replace: true, confirmWithin: confirmMs(ctx),
    });
    checkCancelled(token);
    return confirm(ctx, s, a, (m) => p.report({ message: m }));
  });
  done(ctx, `Attached ${prog.name} to ${iface.dev} tc ${dir.label}${nsText(iface.netns)}.`, att);
}, 'Attach tc Program...');

export const attachSockopsCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const obj = await chooseObject(ctx, arg, 'Attach sock_ops / sk_msg');
  const loaded = await withProgress(`eBPF: loading ${obj.name}`, (p) => loadObject(ctx, s, obj, (m) => p.report({ message: m })));
  const sockops = loaded.programs.filter((p) => p.type === 'sock_ops');
  const skmsg = loaded.programs.filter((p) => p.type === 'sk_msg');
  if (!sockops.length && !skmsg.length) throw new Error(`${loaded.name} has no sock_ops or sk_msg program`);
  const msgs: string[] = [];
  if (sockops.length) {
    const cg = await vscode.window.showInputBox({
      title: 'Attach sock_ops', prompt: 'cgroup v2 directory (absolute), or a new name (end_...) to create under the v2 root',
      value: 'end_sockmap', validateInput: (v) => (/^(\/[^\0]+|end_[A-Za-z0-9_-]{1,60})$/.test(v) ? undefined : 'An absolute cgroup path or a name starting with end_'),
    });
    if (!cg) throw new Cancelled();
    const prog = await chooseProgram(loaded, ['sock_ops']);
    await withProgress(`eBPF: attaching ${prog.name} to ${cg}`, () =>
      s.client.attachCgroup({ program: `${loaded.name}/${prog.name}`, cgroup: cg, type: 'sock_ops', create: !cg.startsWith('/') }));
    msgs.push(`${prog.name} on cgroup ${cg}`);
  }
  if (skmsg.length) {
    const prog = await chooseProgram(loaded, ['sk_msg']);
    const maps = loaded.maps.filter((m) => m.type === 'sockhash' || m.type === 'sockmap');
    const map = maps.length === 1 ? maps[0] : (await vscode.window.showQuickPick(maps.map((m) => ({ label: m.name, description: m.type, m })), { title: 'Which sock map?' }))?.m;
    if (!map) throw new Error(`${loaded.name} has no sockhash/sockmap for ${prog.name}`);
    await withProgress(`eBPF: attaching ${prog.name} to ${map.name}`, () =>
      s.client.attachSkMsg({ program: `${loaded.name}/${prog.name}`, map: `${loaded.name}/${map.name}` }));
    msgs.push(`${prog.name} on ${map.name}`);
  }
  ctx.kernelStateChanged();
  void vscode.window.showInformationMessage(`Attached ${msgs.join(' and ')}.`);
}, 'Attach sock_ops / sk_msg...');

async function attachXdp(ctx: Ctx, s: HostSession, arg: unknown, iface: InterfaceChoice): Promise<Attachment> {
  const obj = await chooseObject(ctx, arg, `Attach XDP to ${iface.dev}`);
  const loaded = await withProgress(`eBPF: loading ${obj.name} on ${s.host.name}`, (p) => loadObject(ctx, s, obj, (m) => p.report({ message: m })));
  const prog = await chooseProgram(loaded, ['xdp'], obj.program);
  const mode = await chooseMode(ctx);
  const att = await withProgress(`eBPF: attaching ${prog.name} to ${iface.dev}`, async (p, token) => {
    p.report({ message: `${mode} mode` });
    const a = await s.client.attachXdp({
      program: `${loaded.name}/${prog.name}`, dev: iface.dev, netns: iface.netns, mode, replace: true, confirmWithin: confirmMs(ctx),
    });
    checkCancelled(token);
    return confirm(ctx, s, a, (m) => p.report({ message: m }));
  });
  done(ctx, `Attached ${prog.name} to ${iface.dev}${nsText(iface.netns)} (XDP ${att.mode ?? mode}).`, att);
  return att;
}

async function chooseMode(ctx: Ctx): Promise<XdpMode> {
  const def = ctx.settings.values.xdpDefaultMode;
  if (def !== 'ask') return def;
  const pick = await vscode.window.showQuickPick([
    { label: 'native', description: 'driver mode: fastest; veth, most NICs' },
    { label: 'generic', description: 'skb mode: works on every interface, slower' },
  ], { title: 'XDP mode', placeHolder: 'Set ebpfNetDebug.xdp.defaultMode to stop this question' });
  if (!pick) throw new Cancelled();
  return pick.label as XdpMode;
}

function confirmMs(ctx: Ctx): number {
  return Math.round(ctx.settings.values.confirmWithin * 1000);
}

/**
 * The dead-man switch: a fresh round trip after the attach proves the host is still reachable; only then is the
 * attachment confirmed. If this round trip cannot happen, the host's watchdog detaches on its own.
 */
async function confirm(ctx: Ctx, s: HostSession, a: Attachment, report: (m: string) => void): Promise<Attachment> {
  if (!a.pendingConfirmation) return a;
  report('confirming the host is still reachable');
  await s.client.listPrograms();
  const r = await s.client.attachConfirm({ attachment: a.id });
  ctx.log.info(`dead-man switch for ${a.id}: ${r.confirmed ? 'confirmed' : 'NOT confirmed (rolled back already?)'}`);
  if (!r.confirmed) throw new Error(`the host rolled ${a.id} back before it could be confirmed`);
  return { ...a, pendingConfirmation: undefined };
}

function done(ctx: Ctx, message: string, att: Attachment): void {
  ctx.log.info(`${message} attachment ${att.id}`);
  ctx.kernelStateChanged();
  void vscode.window.showInformationMessage(message, 'Detach').then((a) => {
    if (a === 'Detach') void vscode.commands.executeCommand('ebpfNetDebug.detach', att.id);
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
