// Connect to Host... / Disconnect. The host comes from an argument (a name, from the tree or the status bar), or a
// pick of ebpfNetDebug.hosts plus "other": a target typed as user@host[:port], an ssh_config alias or `local`.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import type { CommandFactory } from './table';
import type { HostSetting } from '../settingsModel';
import { withProgress } from '../errors';
import { parseSettings } from '../settingsModel';

export const connectCommand: CommandFactory = {
  enabled: (ctx) => async (arg?: unknown) => {
    const host = await chooseHost(ctx, arg);
    if (!host) return undefined;
    await withProgress(`eBPF: connecting to ${host.name}`, (progress, token) =>
      ctx.connect(host, (m) => progress.report({ message: m }), token),
    );
    void vscode.window.setStatusBarMessage(`eBPF: connected to ${host.name}`, 4000);
    return host.name;
  },
};

export const disconnectCommand: CommandFactory = {
  enabled: (ctx) => () => ctx.disconnect(),
};

async function chooseHost(ctx: Ctx, arg: unknown): Promise<HostSetting | undefined> {
  const hosts = ctx.settings.values.hosts;
  const name = typeof arg === 'string' ? arg : hostNameOf(arg);
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

/** Tree nodes pass themselves: a host node carries `hostName`. */
function hostNameOf(arg: unknown): string | undefined {
  if (arg && typeof arg === 'object' && 'hostName' in arg && typeof (arg as { hostName: unknown }).hostName === 'string') {
    return (arg as { hostName: string }).hostName;
  }
  return undefined;
}
