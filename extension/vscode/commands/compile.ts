// Compile BPF Program: runs the "ebpf" build task of the active (or given, or picked) *.bpf.c; clang's errors
// land in Problems (diagnostics/compile.ts). (Load BPF Object is in load.ts.)
import * as vscode from 'vscode';
import { Cancelled, withProgress } from '../errors';
import { isBpfSource } from '../tasks/clangArgs';
import { runCompileTask } from '../tasks/taskProvider';
import type { CommandFactory } from './table';

export const compileCommand: CommandFactory = {
  enabled: (ctx) => async (arg?: unknown) => {
    const file = await sourceOf(arg);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
    if (doc?.isDirty) await doc.save();
    const { code, output } = await withProgress(`eBPF: compiling ${file.split('/').pop()}`, () => runCompileTask(ctx, file));
    if (code === 0) {
      void vscode.window.showInformationMessage(
        `Compiled ${vscode.workspace.asRelativePath(file)} → ${vscode.workspace.asRelativePath(output)}`,
      );
    } else {
      void vscode.window
        .showErrorMessage(`${file.split('/').pop()} did not compile (clang exit ${code}): see Problems.`, 'Show Problems')
        .then((a) => {
          if (a) void vscode.commands.executeCommand('workbench.actions.view.problems');
        });
    }
    return code;
  },
};

async function sourceOf(arg: unknown): Promise<string> {
  if (arg instanceof vscode.Uri) {
    if (!isBpfSource(arg.fsPath)) throw new Error(`file: ${arg.fsPath} is not a BPF C file (*.bpf.c)`);
    return arg.fsPath;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && isBpfSource(active.fsPath)) return active.fsPath;
  const files = await vscode.workspace.findFiles('**/*.bpf.c', '**/node_modules/**', 200);
  if (!files.length) throw new Error('no BPF C file (*.bpf.c) open or in the workspace');
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: vscode.workspace.asRelativePath(f), f })),
    { title: 'Compile which BPF program?' },
  );
  if (!pick) throw new Cancelled();
  return pick.f.fsPath;
}
