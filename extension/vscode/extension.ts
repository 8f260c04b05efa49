// Activation: builds the context (two disposal scopes), the command table, the tree, the status bar, the
// diagnostics, the task provider, the language client and the webviews. An activation failure is shown with a
// pointer to the log and rethrown, so VS Code marks the extension as failed instead of half-working silently.
import * as vscode from 'vscode';
import { Ctx } from './context';
import { createLog } from './log';
import { openHostSession } from './sessionOpener';
import { registerCommandTable } from './commands/table';
import { commandTable } from './commands/index';
import { createStatusBar } from './statusBar';
import { HostsTreeProvider } from './tree/provider';
import { registerTaskProvider } from './tasks/taskProvider';
import { registerCompileOnSave } from './tasks/compileOnSave';
import { startLanguageSupport } from './language/clangd';
import { registerWebviewSide } from './webviewsBridge';
import { registerXlatedProvider } from './commands/detach';
import { hostOfArg } from './hostsModel';

let ctx: Ctx | undefined;

export async function activate(extension: vscode.ExtensionContext): Promise<void> {
  const log = createLog();
  extension.subscriptions.push(log);
  try {
    const c = new Ctx(extension, log, openHostSession);
    ctx = c;
    const tree = new HostsTreeProvider(c);
    // Several rows may be selected: "Roll Out to Hosts..." acts on the selected hosts.
    const treeView = vscode.window.createTreeView('ebpfNetDebug.hosts', {
      treeDataProvider: tree,
      showCollapseAll: true,
      canSelectMany: true,
    });
    // Commands run from the palette act on the host of the selected row (and the webviews show it).
    const selectionSub = treeView.onDidChangeSelection((e) => c.select(hostOfArg(e.selection[0])));
    c.pushExtCleanup(tree, treeView, selectionSub);
    const webviews = registerWebviewSide(c, async (item) => {
      const node = await tree.find(item);
      if (node) await treeView.reveal(node, { select: true, focus: true, expand: true });
      else void vscode.window.showInformationMessage(`eBPF: ${item.kind} #${item.id} is no longer on the host.`);
    });
    c.pushExtCleanup(...webviews.disposables);
    c.pushExtCleanup(
      registerCommandTable(
        c,
        commandTable(() => tree.refresh(), webviews.commands),
      ),
    );
    c.pushExtCleanup(createStatusBar(c));
    c.pushExtCleanup(registerTaskProvider(c), registerCompileOnSave(c), registerXlatedProvider());
    log.info(
      `activated (${extension.extension.packageJSON.version as string}); hosts: ${c.settings.values.hosts.map((h) => h.name).join(', ') || 'none'}`,
    );
    // Neither may fail activation: each reports its own trouble.
    startLanguageSupport(c).catch((e) => log.warn(`clangd: ${e instanceof Error ? e.message : e}`));
    autoConnect(c);
  } catch (e) {
    log.error(`activation failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    void vscode.window
      .showErrorMessage(`eBPF Network Debugger failed to start: ${e instanceof Error ? e.message : e}`, 'Show Log')
      .then((a) => {
        if (a === 'Show Log') log.show();
      });
    throw e;
  }
}

/**
 * Connects to every configured host in the background, together (bounded, staggered); a failure is that host's
 * state and a message, never an activation failure.
 */
function autoConnect(c: Ctx): void {
  const { autoConnect: enabled, hosts } = c.settings.values;
  if (!enabled || !hosts.length) return;
  void vscode.commands.executeCommand('ebpfNetDebug.connectAll');
}

export async function deactivate(): Promise<void> {
  const c = ctx;
  ctx = undefined;
  if (!c) return;
  await c.disconnect();
  c.dispose();
}
