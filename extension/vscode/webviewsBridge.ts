// Hands the webview side (extension/vscode/webviews/, the webview engineer's) what it needs: the extension's
// Uri, the session of the host in focus (the HostSession commands and the tree use too) and its changes, the log, the validated trace.maxRows setting, and the
// "kernel state changed" signal so its listings refresh after an attach or detach made here.
import * as vscode from 'vscode';
import type { Ctx } from './context';
import { registerWebviews, type WebviewCommands } from './webviews/index';

export type RevealItem = { kind: 'program' | 'map' | 'attachment'; id: number; netns?: string; dev?: string };

export function registerWebviewSide(
  c: Ctx,
  reveal: (item: RevealItem) => Promise<void>,
): { disposables: vscode.Disposable[]; commands: WebviewCommands } {
  const maxRows = new vscode.EventEmitter<number>();
  let last = c.settings.values.traceMaxRows;
  const settingsSub = c.settings.onDidChange((v) => {
    if (v.traceMaxRows !== last) {
      last = v.traceMaxRows;
      maxRows.fire(last);
    }
  });
  const side = registerWebviews({
    extensionUri: c.extension.extensionUri,
    getSession: () => c.session,
    onDidChangeSession: c.onDidChangeSession,
    log: c.log,
    traceMaxRows: () => c.settings.values.traceMaxRows,
    onDidChangeTraceMaxRows: maxRows.event,
    onDidChangeKernelState: c.onDidChangeKernelState,
    reveal: (item) => {
      reveal(item).catch((e) => c.log.warn(`reveal ${item.kind} #${item.id}: ${e instanceof Error ? e.message : e}`));
    },
  });
  return { disposables: [maxRows, settingsSub, ...side.disposables], commands: side.commands };
}
