// clang's diagnostics of a compile run through the "ebpf" task (tasks/taskProvider.ts) as Problems, set from the
// parsed result (core/compile/diagnostics.ts) rather than by a problem matcher reading the task's terminal: a
// matcher sees only what the terminal has processed when the task ends, and under load the last lines of a quick
// task came too late (CI: the Problems marker of a syntax error never appeared). Each compile replaces what the
// previous compile of the same source said, in every file it named (the source and its headers).
import * as vscode from 'vscode';
import type { CompileDiagnostic } from '../../core/compile/diagnostics';

const SEVERITY: Record<CompileDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  note: vscode.DiagnosticSeverity.Information,
};

export class CompileDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('ebpf-clang');
  /** The files each source's last compile marked. */
  private readonly marked = new Map<string, string[]>();

  /** Shows the diagnostics of a compile of `source` (none: its earlier ones go). */
  set(source: string, diagnostics: CompileDiagnostic[]): void {
    for (const f of this.marked.get(source) ?? []) this.collection.delete(vscode.Uri.file(f));
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of diagnostics) {
      const file = d.file ?? source;
      const line = Math.max((d.line ?? 1) - 1, 0);
      const col = Math.max((d.col ?? 1) - 1, 0);
      const diag = new vscode.Diagnostic(
        new vscode.Range(line, col, line, col + 1),
        d.message,
        SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Error,
      );
      diag.source = 'clang';
      if (d.flag) diag.code = d.flag;
      byFile.set(file, [...(byFile.get(file) ?? []), diag]);
    }
    for (const [file, ds] of byFile) this.collection.set(vscode.Uri.file(file), ds);
    this.marked.set(source, [...byFile.keys()]);
  }

  dispose(): void {
    this.collection.dispose();
  }
}
