// Saving a .bpf.c while connected compiles it for the host in the background, into the object cache
// (core/compile/objectCache.ts), so the attach that usually follows finds the object ready instead of starting the
// build task and clang then (the edit-to-attached path, bench/editor-edit-to-attached.bench.ts). Nothing is shown:
// the attach (or the Compile command) runs the build task when the object is not ready or did not compile, and
// that is where clang's errors reach Problems.
import * as vscode from 'vscode';
import { compileCached } from '../../core/compile/objectCache';
import type { Ctx } from '../context';
import { isBpfSource } from './clangArgs';
import { buildTarget } from './target';
import { compileOptionsFor } from './taskProvider';

export function registerCompileOnSave(ctx: Ctx): vscode.Disposable {
  return vscode.workspace.onDidSaveTextDocument((doc) => {
    if (doc.uri.scheme !== 'file' || !isBpfSource(doc.uri.fsPath) || !ctx.session) return;
    const file = doc.uri.fsPath;
    ctx.log.info(`compiling on save: ${file}`);
    compileCached(compileOptionsFor(ctx, file, buildTarget(ctx))).then(
      (r) => ctx.log.info(`compiled on save: ${file} (${r.result.ok ? 'ok' : 'failed'})`),
      (e: unknown) => ctx.log.info(`compile on save of ${file}: ${(e as Error).message}`),
    );
  });
}
