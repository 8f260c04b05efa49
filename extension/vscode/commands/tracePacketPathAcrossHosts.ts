// "Trace Packet Path Across Hosts...": the CLI's `trace --source packet-path --hosts A,R,B` from the editor, on the
// sessions the editor already holds (no new connection). The hosts are the connected host rows selected in the tree
// (the right-clicked row and the multi-selection), else picked from the connected hosts; the filter is asked as
// "Trace Packet Path..." asks it (the packet filter language, checked as it is typed). Each host is traced in its
// ebpfNetDebug.hosts[].netnsScope. The joined paths stream into a panel (webviews/fleetPathPanel.ts); a progress
// notification stays while the trace runs, its Cancel button stops it (closing the panel does too).
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { Cancelled } from '../errors';
import type { HostSession } from '../hostSession';
import { hostsOfArgs } from '../hostsModel';
import { askPacketFilter } from '../packetFilterInput';
import { netnsScopeOf } from '../settingsModel';
import { FleetPathTrace } from '../webviews/fleetPathPanel';
import type { CommandFactory } from './table';

const TITLE = 'Trace Packet Path Across Hosts';

export const tracePacketPathAcrossHostsCommand: CommandFactory = {
  enabled:
    (ctx) =>
    async (...args: unknown[]) => {
      const sessions = await chooseSessions(ctx, args);
      if (!sessions) return undefined;
      const filter = typeof args[1] === 'string' ? args[1] : await askFilter();
      const trace = await FleetPathTrace.start(
        ctx.extension.extensionUri,
        ctx.log,
        sessions.map((session) => ({ session, netnsScope: netnsScopeOf(session.host) })),
        filter,
      );
      void showRunning(trace);
      return trace.hosts;
    },
  disabled: () => async () => {
    const a = await vscode.window.showInformationMessage(`${TITLE} needs two or more connected hosts.`, 'Connect to All Hosts');
    if (a === 'Connect to All Hosts') await vscode.commands.executeCommand('ebpfNetDebug.connectAll');
    return undefined;
  },
};

/**
 * The connected hosts to trace, in the order of the settings: the host rows the command was run on when two or more
 * of them are connected; else a pick of the connected hosts (the rows it was run on, or all, picked already).
 */
async function chooseSessions(ctx: Ctx, args: unknown[]): Promise<HostSession[] | undefined> {
  const connected = ctx.settings.values.hosts.flatMap((h) => {
    const s = ctx.sessionOf(h.name);
    return s ? [s] : [];
  });
  if (connected.length < 2) {
    void vscode.window.showInformationMessage(
      `${TITLE} needs two or more connected hosts (${connected.length ? `only ${connected[0].name} is` : 'none is'} connected).`,
    );
    return undefined;
  }
  // Host names given by a caller (another command) as the first argument, the filter as the second.
  const rows = Array.isArray(args[0]) && args[0].every((x) => typeof x === 'string') ? (args[0] as string[]) : hostsOfArgs(args);
  const fromRows = connected.filter((s) => rows.includes(s.name));
  if (fromRows.length >= 2) return fromRows;
  const preselected = new Set(fromRows.length ? fromRows.map((s) => s.name) : connected.map((s) => s.name));
  const picked = await vscode.window.showQuickPick(
    connected.map((s) => ({
      label: s.name,
      description: `${s.host.target} · netns scope ${netnsScopeOf(s.host)}`,
      picked: preselected.has(s.name),
      session: s,
    })),
    { title: TITLE, placeHolder: 'The connected hosts to trace on (two or more)', canPickMany: true },
  );
  if (!picked) throw new Cancelled();
  if (picked.length < 2) {
    void vscode.window.showWarningMessage(`${TITLE}: pick two or more hosts (${picked.length} picked).`);
    return undefined;
  }
  return picked.map((p) => p.session);
}

/** The filter, checked with the packet filter language's own parser as it is typed (as "Trace Packet Path..."). */
async function askFilter(): Promise<string> {
  const filter = await askPacketFilter({
    title: TITLE,
    prompt: 'What to follow on every host (empty: every packet)',
    placeHolder: 'icmp and host 10.0.2.2',
    ignoreFocusOut: true,
  });
  if (filter === undefined) throw new Cancelled();
  return filter;
}

/** A notification while the trace runs: how many packets it joined; Cancel stops the trace. */
function showRunning(trace: FleetPathTrace): Thenable<void> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `eBPF: tracing packets across ${trace.hosts.join(', ')}`, cancellable: true },
    (progress, token) =>
      new Promise<void>((resolve) => {
        if (trace.stopped) return resolve();
        progress.report({ message: 'Cancel stops the trace' });
        const counted = trace.onDidChangePackets((n) =>
          progress.report({ message: `${n} packet${n === 1 ? '' : 's'}; Cancel stops the trace` }),
        );
        const stopped = trace.onDidStop(() => {
          counted.dispose();
          stopped.dispose();
          resolve();
        });
        token.onCancellationRequested(() => void trace.stop());
      }),
  );
}
