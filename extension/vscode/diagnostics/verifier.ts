// A verifier rejection as a Diagnostic on the C line the verifier log names (mapped by the engine,
// extension/core/verifierLog.ts, against the compiled source and its include folders), and the whole log in the
// output channel with the failing lines marked.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { VerifierRejection } from '../../../protocol/agent';
import { formatVerifierLog, verifierDiagnostic } from '../../core/verifierLog';

export class VerifierDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('ebpf-verifier');

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Clears what an earlier load of this source said. */
  clear(source?: vscode.Uri): void {
    if (source) this.collection.delete(source);
    else this.collection.clear();
  }

  /** Shows the rejection; `source` is the C file the object was built from, when known. Returns the file marked. */
  async report(v: VerifierRejection, source: vscode.Uri | undefined, includeDirs: string[] = []): Promise<vscode.Uri | undefined> {
    const resolveCtx = { compiledSource: source?.fsPath, includeDirs };
    this.log.error(`verifier rejected ${v.program ?? 'the program'}:\n${formatVerifierLog(v, { ...resolveCtx, marker: '>>> ' })}`);
    const d = verifierDiagnostic(v, resolveCtx);
    if (!d) return undefined;
    let file = d.resolved ? vscode.Uri.file(d.file) : undefined;
    if (!file) file = (await vscode.workspace.findFiles(`**/${basename(d.file)}`, '**/node_modules/**', 1))[0];
    if (!file) return undefined;
    const doc = await vscode.workspace.openTextDocument(file);
    const lineIdx = Math.min(Math.max(d.line - 1, 0), doc.lineCount - 1);
    const text = doc.lineAt(lineIdx);
    const range = new vscode.Range(lineIdx, text.firstNonWhitespaceCharacterIndex, lineIdx, text.range.end.character);
    const diag = new vscode.Diagnostic(range, `BPF verifier: ${d.message}`, vscode.DiagnosticSeverity.Error);
    diag.source = 'bpf verifier';
    this.collection.set(file, [diag]);
    return file;
  }

  dispose(): void {
    this.collection.dispose();
  }
}
