// "Compare Two Hosts...": one panel per pair of hosts showing the engine's diff (extension/core/fleet/hostDiff.ts)
// in the host diff webview. The panel holds its sessions while it is open (Refresh reads both hosts again) and
// closes the ones it opened itself when it goes; a session it borrowed (the editor's connected host) stays.
import * as vscode from 'vscode';
import type { HostDiffToHost, HostDiffToView } from '../../../protocol/webview';
import { diffSnapshots, dumpContents, mapsToCompare, snapshotHost } from '../../core/fleet/hostDiff';
import type { HostSession } from '../hostSession';
import { ViewChannel, describe } from './channel';
import { renderView } from './viewPage';

export interface DiffSide {
  name: string;
  session: HostSession;
  /** Closed with the panel (false: the editor's own). */ owned: boolean;
  /** `own`: only the attachments of the agent's own network namespace (the host's ebpfNetDebug.hosts[].netnsScope). */
  netnsScope?: 'own' | 'all';
}

export function openHostDiffPanel(extensionUri: vscode.Uri, log: vscode.LogOutputChannel, a: DiffSide, b: DiffSide): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel('ebpfNetDebug.hostDiff', `Diff: ${a.name} vs ${b.name}`, vscode.ViewColumn.Active, {});
  const channel = new ViewChannel<HostDiffToView, HostDiffToHost>(panel.webview, log);
  renderView(panel.webview, extensionUri, 'hostDiff', 'Host diff');
  const load = async () => {
    try {
      const [sa, sb] = await Promise.all([
        snapshotHost(a.name, a.session.client, { netnsScope: a.netnsScope }),
        snapshotHost(b.name, b.session.client, { netnsScope: b.netnsScope }),
      ]);
      const pairs = mapsToCompare(sa, sb);
      await Promise.all([
        dumpContents(
          a.session.client,
          pairs.map(([x]) => x),
          sa.contents,
        ),
        dumpContents(
          b.session.client,
          pairs.map(([, y]) => y),
          sb.contents,
        ),
      ]);
      channel.post({ type: 'diff', diff: diffSnapshots(sa, sb), at: Date.now() });
    } catch (e) {
      channel.post({ type: 'error', message: describe(e) });
    }
  };
  const sub = channel.onMessage((m) => {
    if (m.type === 'ready' || m.type === 'refresh') void load();
  });
  panel.onDidDispose(() => {
    sub.dispose();
    for (const s of [a, b]) if (s.owned) void s.session.close().catch((e: unknown) => log.warn(`closing ${s.name}: ${describe(e)}`));
  });
  return panel;
}
