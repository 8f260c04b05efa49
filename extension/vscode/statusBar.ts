// The status bar item: the active host and its connection state; clicking it connects (or picks another host).
import * as vscode from 'vscode';
import type { Ctx, ConnectionState } from './context';

export function createStatusBar(ctx: Ctx): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('ebpfNetDebug.host', vscode.StatusBarAlignment.Left, 10);
  item.name = 'eBPF Host';
  item.command = 'ebpfNetDebug.connect';
  const show = (s: ConnectionState) => {
    const host = s.kind === 'disconnected' ? ctx.preferredHost()?.name : s.host.name;
    switch (s.kind) {
      case 'connected':
        if (s.reconnecting) {
          item.text = `$(sync~spin) eBPF: ${host}`;
          item.tooltip = `eBPF host ${host}: connection lost, reconnecting...`;
          item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
          break;
        }
        item.text = `$(pulse) eBPF: ${host}`;
        item.tooltip = `eBPF host ${host}: connected (kernel ${s.session.facts.kernelRelease}, bpftool ${s.session.facts.bpftool?.version ?? 'missing'}). Click to switch host.`;
        item.backgroundColor = undefined;
        break;
      case 'connecting':
        item.text = `$(sync~spin) eBPF: ${host}`;
        item.tooltip = `eBPF host ${host}: connecting...`;
        item.backgroundColor = undefined;
        break;
      case 'failed':
        item.text = `$(error) eBPF: ${host}`;
        item.tooltip = `eBPF host ${host}: ${s.error}. Click to connect again.`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      default:
        item.text = `$(debug-disconnect) eBPF: ${host ?? 'no host'}`;
        item.tooltip = host ? `eBPF host ${host}: not connected. Click to connect.` : 'No eBPF host configured. Click to connect to one.';
        item.backgroundColor = undefined;
    }
    item.show();
  };
  show(ctx.state);
  const sub = ctx.onDidChangeState(show);
  const settingsSub = ctx.settings.onDidChange(() => show(ctx.state));
  return vscode.Disposable.from(item, sub, settingsSub);
}
