// "eBPF: Clean Host...": removes everything deployment put on a host (its login's ~/.cache/ebpf-netdebug; see
// extension/core/deploy/cleanHost.ts), after a confirmation. It connects without starting an agent, and refuses
// while an agent of ours runs there, ours included: connected to that host, it offers to disconnect first.
import * as vscode from 'vscode';
import { cleanHost, HostBusyError } from '../../core/deploy/cleanHost';
import { connectSsh } from '../../core/ssh/connect';
import type { Ctx } from '../context';
import { withProgress } from '../errors';
import { generatedSshConfig } from '../sessionOpener';
import type { HostSetting } from '../settingsModel';
import type { CommandFactory } from './table';

export const cleanHostCommand: CommandFactory = {
  enabled: (ctx) => async (arg?: unknown) => {
    const host = await pickHost(ctx, arg);
    if (!host) return undefined;
    if (ctx.sessionOf(host.name)) {
      const d = await vscode.window.showWarningMessage(
        `${host.name} is connected: its agent runs from the directory to clean.`,
        { modal: true },
        'Disconnect and Clean',
      );
      if (d !== 'Disconnect and Clean') return undefined;
      await ctx.disconnect(host.name);
    }
    const ok = await vscode.window.showWarningMessage(
      `Remove everything eBPF Network Debugger put on ${host.name} (the login's ~/.cache/ebpf-netdebug: agent, runtime, agent state)?`,
      { modal: true },
      'Clean',
    );
    if (ok !== 'Clean') return undefined;
    const secret = (message: string) =>
      Promise.resolve(vscode.window.showInputBox({ title: `eBPF: ${host.name}`, prompt: message, password: true, ignoreFocusOut: true }));
    const result = await withProgress(`eBPF: cleaning ${host.name}`, async () => {
      const configPath = generatedSshConfig(host, { storageDir: ctx.extension.globalStorageUri.fsPath });
      const t = await connectSsh(configPath ? host.name : host.target, {
        ...(configPath ? { configPath } : {}),
        prompt: (r) =>
          r.echo
            ? Promise.resolve(vscode.window.showInputBox({ title: `eBPF: ${host.name}`, prompt: r.message, ignoreFocusOut: true }))
            : secret(r.message),
      });
      try {
        return await cleanHost(t, { askSudoPassword: (q) => secret(`sudo password for ${q.user} on ${q.host}`) });
      } finally {
        await t.close();
      }
    }).catch((e: unknown) => {
      if (e instanceof HostBusyError) {
        void vscode.window.showWarningMessage(e.message);
        return undefined;
      }
      throw e;
    });
    if (!result) return undefined;
    const what = result.removed
      ? `removed ${result.removed}${result.entries.length ? ` (${result.entries.join(', ')})` : ''}`
      : 'nothing of ours to remove';
    ctx.log.info(`[${host.name}] host clean: ${what}`);
    void vscode.window.showInformationMessage(`${host.name}: ${what}`);
    return result;
  },
};

async function pickHost(ctx: Ctx, arg: unknown): Promise<HostSetting | undefined> {
  const hosts = ctx.settings.values.hosts.filter((h) => h.target !== 'local');
  if (typeof arg === 'string') return hosts.find((h) => h.name === arg);
  if (hosts.length === 0) {
    void vscode.window.showInformationMessage('No SSH hosts in ebpfNetDebug.hosts to clean.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    hosts.map((h) => ({ label: h.name, description: h.target, host: h })),
    { title: 'Clean eBPF host', placeHolder: 'Host to remove our files from' },
  );
  return pick?.host;
}
