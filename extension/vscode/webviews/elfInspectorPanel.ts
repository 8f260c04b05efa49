// "Inspect Object (readelf)": one panel per .o file, showing what extension/core/elf reads in it. The attach
// button runs the command that fits the program type, which the host decides from its own reading of the file.
import * as vscode from 'vscode';
import type { ElfInspectorToHost, ElfInspectorToView, ElfSummary } from '../../../protocol/webview';
import { readBpfObject } from '../../core/elf/bpfObject';
import { ViewChannel, describe } from './channel';
import { elfSummary } from './elfSummary';
import { renderView } from './viewPage';
import type { WebviewHost } from './webviewHost';

const ATTACH_COMMANDS: Record<string, string> = {
  xdp: 'ebpfNetDebug.attachXdp',
  tc: 'ebpfNetDebug.attachTc',
  sockops: 'ebpfNetDebug.attachSockops',
  skmsg: 'ebpfNetDebug.attachSockops',
};

export class ElfInspectorPanels implements vscode.Disposable {
  private readonly panels = new Map<string, vscode.WebviewPanel>();

  constructor(private readonly host: WebviewHost) {}

  /** Opens (or reveals) the inspector for `uri`; asks for a file when none is given. */
  async open(uri?: vscode.Uri): Promise<void> {
    if (!(uri instanceof vscode.Uri)) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Inspect a BPF object',
        canSelectMany: false,
        filters: { 'BPF objects': ['o'] },
      });
      if (!picked?.length) return;
      uri = picked[0];
    }
    const key = uri.toString();
    const existing = this.panels.get(key);
    if (existing) {
      existing.reveal();
      return;
    }
    const target = uri;
    const name = vscode.workspace.asRelativePath(target, false);
    const panel = vscode.window.createWebviewPanel(
      'ebpfNetDebug.elfInspector',
      `readelf: ${target.path.split('/').pop()}`,
      vscode.ViewColumn.Active,
      {},
    );
    this.panels.set(key, panel);
    const channel = new ViewChannel<ElfInspectorToView, ElfInspectorToHost>(panel.webview, this.host.log);
    renderView(panel.webview, this.host.extensionUri, 'elfInspector', 'ELF inspector');
    let summary: ElfSummary | undefined;
    const load = async () => {
      try {
        const bytes = await vscode.workspace.fs.readFile(target);
        summary = elfSummary(name, bytes.length, readBpfObject(bytes));
        channel.post({ type: 'elf', elf: summary });
      } catch (e) {
        summary = undefined;
        channel.post({ type: 'error', file: name, message: describe(e) });
      }
    };
    // Rebuilt objects show up without reopening the panel.
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.joinPath(target, '..'), target.path.split('/').pop()!),
    );
    const subs = [
      watcher,
      watcher.onDidChange(() => void load()),
      watcher.onDidCreate(() => void load()),
      channel.onMessage((m) => {
        if (m.type === 'ready') void load();
        else if (m.type === 'reload')
          void channel.answer(m.requestId, async () => {
            await load();
            return { ok: summary !== undefined };
          });
        else if (m.type === 'attach') {
          void channel.answer(m.requestId, async () => {
            const program = summary?.programs.find((p) => p.name === m.program);
            if (!program) throw new Error(`program "${m.program}" is not in ${name}`);
            const command = program.attachKind && ATTACH_COMMANDS[program.attachKind];
            if (!command) throw new Error(`no attach flow for ${program.programType ?? 'unknown'} programs (section ${program.section})`);
            void vscode.commands.executeCommand(command, { object: target, program: program.name });
            return { command };
          });
        }
      }),
    ];
    panel.onDidDispose(() => {
      for (const s of subs) s.dispose();
      this.panels.delete(key);
    });
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
  }
}
