// Commands as a table of factories (../shared/docs/STYLE.md #6): each has the form used while connected and, when it needs
// a host, a disabled form used otherwise (it offers to connect instead of failing somewhere deep inside).
// The table is re-registered whenever the connection state changes, so a handler never sees a stale session.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import type { HostSession } from '../hostSession';
import { reportError } from '../errors';

export type Handler = (...args: unknown[]) => unknown;

export interface CommandFactory {
  /** The form used while connected (or always, for commands that need no host). */
  enabled: (ctx: Ctx) => Handler;
  /** The form used while not connected; absent = the command needs no host. */
  disabled?: (ctx: Ctx) => Handler;
}

/** A command that needs the agent: its disabled form offers to connect, then runs the enabled form. */
export function needsSession(run: (ctx: Ctx, session: HostSession, ...args: unknown[]) => unknown, title: string): CommandFactory {
  return {
    enabled:
      (ctx) =>
      (...args) => {
        const s = ctx.session;
        if (!s) return connectThen(ctx, title, args, run);
        return run(ctx, s, ...args);
      },
    disabled:
      (ctx) =>
      (...args) =>
        connectThen(ctx, title, args, run),
  };
}

async function connectThen(
  ctx: Ctx,
  title: string,
  args: unknown[],
  run: (ctx: Ctx, s: HostSession, ...a: unknown[]) => unknown,
): Promise<unknown> {
  const host = ctx.preferredHost();
  if (host) {
    // One host is the obvious choice: connect to it without asking, then do what was asked.
    await vscode.commands.executeCommand('ebpfNetDebug.connect', host.name);
  } else {
    const a = await vscode.window.showInformationMessage(`${title} needs a connected host.`, 'Connect to Host...');
    if (a !== 'Connect to Host...') return undefined;
    await vscode.commands.executeCommand('ebpfNetDebug.connect');
  }
  const s = ctx.session;
  return s ? run(ctx, s, ...args) : undefined;
}

/** Registers the table now and again on every connection state change. */
export function registerCommandTable(ctx: Ctx, table: Record<string, CommandFactory>): vscode.Disposable {
  let registered: vscode.Disposable[] = [];
  let lastConnected: boolean | undefined;
  const register = () => {
    const connected = ctx.state.kind === 'connected';
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
