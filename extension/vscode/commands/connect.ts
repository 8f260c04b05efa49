// Connect to Host... / Connect to All Hosts / Disconnect. Connecting adds a host beside those already connected
// (several at once, issue 13). The host comes from an argument (a name, from the tree or the status bar), or a pick
// of ebpfNetDebug.hosts plus "other": a target typed as user@host[:port], an ssh_config alias or `local`.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import type { CommandFactory } from './table';
import type { HostSetting } from '../settingsModel';
import { withProgress } from '../errors';
import { parseSettings } from '../settingsModel';
import { hostOfArg } from '../hostsModel';

export const connectCommand: CommandFactory = {
  enabled: (ctx) => async (arg?: unknown) => {
    const host = await chooseHost(ctx, arg);
    if (!host) return undefined;
    await withProgress(`eBPF: connecting to ${host.name}`, (progress, token) =>
      ctx.connect(host, (m) => progress.report({ message: m }), token),
    );
    ctx.focus(host.name);
    void vscode.window.setStatusBarMessage(`eBPF: connected to ${host.name}`, 4000);
    return host.name;
  },
};

/** Every configured host not connected yet, together (bounded: ebpfNetDebug.connectConcurrency); a summary at the end. */
export const connectAllCommand: CommandFactory = {
  enabled: (ctx) => () => connectAll(ctx),
};

export async function connectAll(ctx: Ctx): Promise<string[]> {
  const hosts = ctx.settings.values.hosts.filter((h) => !ctx.sessionOf(h.name));
  if (!hosts.length) return ctx.sessions.map((s) => s.name);
  const results = await withProgress(`eBPF: connecting to ${hosts.length} host${hosts.length === 1 ? '' : 's'}`, (progress, token) =>
    ctx.connectMany(hosts, (m) => progress.report({ message: m }), token),
  );
  const failed = results.filter((r) => !r.ok);
  const ok = results.length - failed.length;
  if (failed.length) {
    // Each failed host's row says why too; this says it once for all of them.
    const why = failed.map((r) => `${r.host}: ${r.ok ? '' : r.error.message}`).join('; ');
    ctx.log.warn(`connect: ${ok} of ${results.length} hosts connected; failed: ${why}`);
    void vscode.window.showWarningMessage(`eBPF: connected ${ok} of ${results.length} hosts. Failed: ${why}`, 'Show Log').then((a) => {
      if (a === 'Show Log') ctx.log.show();
    });
  } else void vscode.window.setStatusBarMessage(`eBPF: connected to ${ok} host${ok === 1 ? '' : 's'}`, 4000);
  return results.filter((r) => r.ok).map((r) => r.host);
}

/** The host of the row (or the selected row); with several connected and no row, the user picks. */
export const disconnectCommand: CommandFactory = {
  enabled: (ctx) => async (arg?: unknown) => {
    const named = typeof arg === 'string' ? arg : hostOfArg(arg);
    if (named) return ctx.disconnect(named);
    const live = ctx.states.map((s) => s.host.name);
    if (live.length <= 1) return ctx.disconnect(live[0]);
    const selected = ctx.selectedHost && live.includes(ctx.selectedHost) ? ctx.selectedHost : undefined;
    if (selected) return ctx.disconnect(selected);
    const pick = await vscode.window.showQuickPick(
      [{ label: '$(close-all) All hosts', all: true }, ...live.map((label) => ({ label, all: false }))],
      {
        title: 'Disconnect which host?',
      },
    );
    if (!pick) return undefined;
    return ctx.disconnect(pick.all ? undefined : pick.label);
  },
};

async function chooseHost(ctx: Ctx, arg: unknown): Promise<HostSetting | undefined> {
  const hosts = ctx.settings.values.hosts;
  const name = typeof arg === 'string' ? arg : hostOfArg(arg);
  if (name) {
    const h = hosts.find((x) => x.name === name);
    if (h) return h;
    return targetToHost(name);
  }
  type Item = vscode.QuickPickItem & { host?: HostSetting };
  const items: Item[] = hosts.map((h) => ({
    label: h.name,
    description: h.target,
    host: h,
    detail: h.name === ctx.settings.values.defaultHost ? 'default host' : undefined,
  }));
  items.push({ label: '$(add) Other host...', description: 'user@host[:port], an ssh_config alias, or local' });
  const pick = await vscode.window.showQuickPick(items, { title: 'Connect to eBPF host', placeHolder: 'Host to connect to' });
  if (!pick) return undefined;
  if (pick.host) return pick.host;
  const target = await vscode.window.showInputBox({
    title: 'Connect to eBPF host',
    prompt: 'user@host[:port], an ssh_config alias, or local',
    validateInput: (v) => (targetToHost(v) ? undefined : 'Not a host: use user@host[:port], an ssh_config alias, or local'),
  });
  return target ? targetToHost(target) : undefined;
}

/** Validates a typed target with the same rules as the settings. */
function targetToHost(target: string): HostSetting | undefined {
  const { values, warnings } = parseSettings((k) => (k === 'hosts' ? [{ name: target, target }] : undefined));
  return warnings.length ? undefined : values.hosts[0];
}
