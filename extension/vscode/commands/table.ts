// Commands as a table of factories (../shared/docs/STYLE.md #6): each has the form used while connected and, when it needs
// a host, a disabled form used otherwise (it offers to connect instead of failing somewhere deep inside).
// The table is re-registered whenever the connection state changes, so a handler never sees a stale session.
// Several hosts may be connected: a command that needs one acts on the host of its row (needsSession).
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import type { HostSession } from '../hostSession';
import { Cancelled, reportError } from '../errors';
import { hostOfArg, resolveCommandHost } from '../hostsModel';

export type Handler = (...args: unknown[]) => unknown;

export interface CommandFactory {
  /** The form used while connected (or always, for commands that need no host). */
  enabled: (ctx: Ctx) => Handler;
  /** The form used while not connected; absent = the command needs no host. */
  disabled?: (ctx: Ctx) => Handler;
}

/**
 * A command that needs the agent. It acts on the host of the tree row it was run on, else of the selected row, else
 * the only connected host; with several connected and nothing selected it asks (hostsModel.ts resolveCommandHost).
 * With none connected its disabled form offers to connect, then runs.
 */
export function needsSession(run: (ctx: Ctx, session: HostSession, ...args: unknown[]) => unknown, title: string): CommandFactory {
  const enabled =
    (ctx: Ctx) =>
    async (...args: unknown[]) => {
      const s = await sessionFor(ctx, title, args);
      if (!s) return undefined;
      // Whatever this command opens or compiles is for this host (the build task reads the host in focus).
      ctx.focus(s.name);
      return run(ctx, s, ...args);
    };
  return { enabled, disabled: enabled };
}

/** The session a command acts on (connecting first when needed); undefined when the user declined. */
export async function sessionFor(ctx: Ctx, title: string, args: readonly unknown[]): Promise<HostSession | undefined> {
  const r = resolveCommandHost({
    argHost: hostOfArg(args[0]),
    selectedHost: ctx.selectedHost,
    connected: ctx.sessions.map((s) => s.name),
    defaultHost: ctx.settings.values.defaultHost,
  });
  if ('host' in r) return ctx.sessionOf(r.host);
  if ('ask' in r) {
    const pick = await vscode.window.showQuickPick(
      r.ask.map((name) => ({ label: name, description: ctx.sessionOf(name)?.host.target })),
      { title, placeHolder: 'Which host? (select a row of the host in the eBPF tree to skip this question)' },
    );
    if (!pick) throw new Cancelled();
    return ctx.sessionOf(pick.label);
  }
  return connectThen(ctx, title, r.connect);
}

async function connectThen(ctx: Ctx, title: string, named: string | undefined): Promise<HostSession | undefined> {
  const host = named ? ctx.settings.values.hosts.find((h) => h.name === named) : ctx.preferredHost();
  if (host) {
    // One host is the obvious choice: connect to it without asking, then do what was asked.
    await vscode.commands.executeCommand('ebpfNetDebug.connect', host.name);
    return ctx.sessionOf(host.name);
  }
  const a = await vscode.window.showInformationMessage(`${title} needs a connected host.`, 'Connect to Host...');
  if (a !== 'Connect to Host...') return undefined;
  const name = await vscode.commands.executeCommand<string | undefined>('ebpfNetDebug.connect');
  return name ? ctx.sessionOf(name) : undefined;
}

/** Registers the table now and again on every connection state change. */
export function registerCommandTable(ctx: Ctx, table: Record<string, CommandFactory>): vscode.Disposable {
  let registered: vscode.Disposable[] = [];
  let lastConnected: boolean | undefined;
  const register = () => {
    const connected = ctx.sessions.length > 0;
    if (connected === lastConnected) return;
    lastConnected = connected;
    for (const d of registered) d.dispose();
    registered = Object.entries(table).map(([id, f]) => {
      const make = connected || !f.disabled ? f.enabled : f.disabled;
      const handler = make(ctx);
      return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (e) {
          reportError(ctx.log, titleOf(id), e);
          return undefined;
        }
      });
    });
  };
  register();
  const sub = ctx.onDidChangeState(register);
  return {
    dispose: () => {
      sub.dispose();
      for (const d of registered) d.dispose();
    },
  };
}

function titleOf(id: string): string {
  const pkg = vscode.extensions.getExtension('ebpf-netdebug.ebpf-netdebug')?.packageJSON as
    { contributes?: { commands?: { command: string; title: string }[] } } | undefined;
  return pkg?.contributes?.commands?.find((c) => c.command === id)?.title ?? id;
}
