// Compare Two Hosts...: two configured hosts (ebpfNetDebug.hosts; arguments may name them; asked for when there are
// more than two), connects to
// each in parallel (a host the editor has connected is reused, the other sessions belong to the panel) and opens the
// host diff (webviews/hostDiffPanel.ts), each host read in its ebpfNetDebug.hosts[].netnsScope (`own`: only the
// attachments of the agent's own network namespace). A host that cannot be reached is named in the error; nothing
// is left open.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import type { CommandFactory } from './table';
import { netnsScopeOf, type HostSetting } from '../settingsModel';
import { openHostSession } from '../sessionOpener';
import { openHostDiffPanel, type DiffSide } from '../webviews/hostDiffPanel';
import { withProgress } from '../errors';

async function pickHosts(ctx: Ctx, args: unknown[]): Promise<[HostSetting, HostSetting] | undefined> {
  const hosts = ctx.settings.values.hosts;
  const named = args.filter((x): x is string => typeof x === 'string').map((n) => hosts.find((h) => h.name === n));
  if (named.length === 2 && named[0] && named[1]) return [named[0], named[1]];
  if (hosts.length < 2) {
    void vscode.window.showInformationMessage('Compare Two Hosts needs two hosts in the ebpfNetDebug.hosts setting.');
    return undefined;
  }
  // Two configured hosts: nothing to ask.
  if (hosts.length === 2) return [hosts[0], hosts[1]];
  const items = hosts.map((h) => ({ label: h.name, description: h.target, picked: false, host: h }));
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Compare two hosts',
    placeHolder: 'Pick exactly two hosts',
    canPickMany: true,
  });
  if (!picked) return undefined;
  if (picked.length !== 2) {
    void vscode.window.showWarningMessage(`Compare Two Hosts: pick exactly two hosts (${picked.length} picked).`);
    return undefined;
  }
  return [picked[0].host, picked[1].host];
}

async function sideFor(ctx: Ctx, host: HostSetting, report: (m: string) => void, cancelled: Promise<void>): Promise<DiffSide> {
  const connected = ctx.sessionOf(host.name);
  const netnsScope = netnsScopeOf(host);
  if (connected) return { name: host.name, session: connected, owned: false, netnsScope };
  const s = await openHostSession(host, {
    report: (m) => report(`${host.name}: ${m}`),
    log: (m) => ctx.log.info(`[${host.name}] ${m}`),
    warn: (m) => ctx.log.warn(`[${host.name}] ${m}`),
    cancelled,
    storageDir: ctx.extension.globalStorageUri.fsPath,
    ...(ctx.settings.values.runtimeDir ? { runtimeDir: ctx.settings.values.runtimeDir } : {}),
    confirmNewHostKey: async (q) =>
      (await vscode.window.showWarningMessage(
        `The authenticity of ${q.host} can't be established. Its ${q.keyType} key fingerprint is ${q.fingerprint}. Trust it and record it in known_hosts?`,
        { modal: true },
        'Trust and Connect',
      )) === 'Trust and Connect',
    prompt: (message, secret) =>
      Promise.resolve(vscode.window.showInputBox({ title: `eBPF: ${host.name}`, prompt: message, password: secret, ignoreFocusOut: true })),
  });
  return { name: host.name, session: s, owned: true, netnsScope };
}

export const compareHostsCommand: CommandFactory = {
  enabled:
    (ctx) =>
    async (...args: unknown[]) => {
      const pair = await pickHosts(ctx, args);
      if (!pair) return undefined;
      const sides = await withProgress(`eBPF: reading ${pair[0].name} and ${pair[1].name}`, async (progress, token) => {
        const cancelled = new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
        const opened = await Promise.allSettled(pair.map((h) => sideFor(ctx, h, (m) => progress.report({ message: m }), cancelled)));
        const failed = opened.flatMap((r, i) =>
          r.status === 'rejected' ? [`${pair[i].name}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`] : [],
        );
        if (failed.length) {
          for (const r of opened) if (r.status === 'fulfilled' && r.value.owned) await r.value.session.close().catch(() => undefined);
          throw new Error(`Compare Two Hosts: ${failed.join('; ')}`);
        }
        return opened.map((r) => (r as PromiseFulfilledResult<DiffSide>).value);
      });
      openHostDiffPanel(ctx.extension.extensionUri, ctx.log, sides[0], sides[1]);
      return pair.map((h) => h.name);
    },
};
