// The status bar item: one host's name and state, or with several hosts how many are connected ("eBPF: 3 hosts",
// each host's state in the tooltip; hostsModel.ts statusBarText). Clicking it connects a host.
import * as vscode from 'vscode';
import type { Ctx } from './context';
import { statusBarText } from './hostsModel';

export function createStatusBar(ctx: Ctx): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('ebpfNetDebug.host', vscode.StatusBarAlignment.Left, 10);
  item.name = 'eBPF Host';
  item.command = 'ebpfNetDebug.connect';
  const show = () => {
    const t = statusBarText(ctx.statuses(), ctx.preferredHost()?.name);
    item.text = `$(${t.icon}) ${t.text}`;
    const one = ctx.states.length === 1 ? ctx.states[0] : undefined;
    item.tooltip =
      one?.kind === 'connected' && !one.reconnecting
        ? `eBPF host ${one.host.name}: connected (kernel ${one.session.facts.kernelRelease}, bpftool ${one.session.facts.bpftool?.version ?? 'missing'}). Click to connect another host.`
        : t.tooltip;
    item.backgroundColor =
      t.tone === 'plain'
        ? undefined
        : new vscode.ThemeColor(t.tone === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
    item.show();
  };
  show();
  const sub = ctx.onDidChangeState(show);
  const settingsSub = ctx.settings.onDidChange(show);
  return vscode.Disposable.from(item, sub, settingsSub);
}
