// The "ebpf" task type: one build task per *.bpf.c, run in-process (CustomExecution: clang started with an
// argument array, no shell) and printed to the task terminal; its parsed diagnostics go to Problems directly
// (diagnostics/compile.ts). The Compile command runs the same task, so both paths report the same way.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ClangMissingError, defaultOutputPath as defaultObjectPath } from '../../core/compile/clang';
import type { CompileForHostOptions, TargetHost } from '../../core/compile/compileForHost';
import { compileCached } from '../../core/compile/objectCache';
import type { Ctx } from '../context';
import { isBpfSource } from './clangArgs';
import { buildTarget, vmlinuxCacheDir } from './target';

export const TASK_TYPE = 'ebpf';

interface EbpfTaskDefinition extends vscode.TaskDefinition {
  file: string;
  output?: string;
}

export function registerTaskProvider(ctx: Ctx): vscode.Disposable {
  return vscode.tasks.registerTaskProvider(TASK_TYPE, {
    async provideTasks() {
      const files = await vscode.workspace.findFiles('**/*.bpf.c', '**/node_modules/**', 200);
      return files.map((f) => buildTask(ctx, { type: TASK_TYPE, file: f.fsPath }, vscode.workspace.getWorkspaceFolder(f)));
    },
    resolveTask(task) {
      const def = task.definition as EbpfTaskDefinition;
      if (!def.file) return undefined;
      return buildTask(ctx, def, task.scope && typeof task.scope === 'object' ? task.scope : undefined);
    },
  });
}

export function buildTask(ctx: Ctx, def: EbpfTaskDefinition, folder?: vscode.WorkspaceFolder): vscode.Task {
  const file = resolvePath(def.file, folder);
  const output = def.output ? resolvePath(def.output, folder) : defaultObjectPath(file);
  const task = new vscode.Task(
    def,
    folder ?? vscode.TaskScope.Workspace,
    `compile ${file.split('/').pop()}`,
    TASK_TYPE,
    new vscode.CustomExecution(async () => new ClangTerminal(ctx, file, output, folder)),
    // No problem matcher: the terminal sets the parsed diagnostics itself (diagnostics/compile.ts says why).
    [],
  );
  task.group = vscode.TaskGroup.Build;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true };
  return task;
}

function resolvePath(p: string, folder?: vscode.WorkspaceFolder): string {
  const withVar = folder ? p.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath) : p;
  return withVar.startsWith('/') ? withVar : join(folder?.uri.fsPath ?? '/', withVar);
}

/** Include folders: bpf/include beside the file, of the workspace folder, and the one shipped with the extension. */
export function includeDirsFor(ctx: Ctx, file: string, folder?: vscode.WorkspaceFolder): string[] {
  const dirs = [
    join(dirname(file), 'include'),
    folder ? join(folder.uri.fsPath, 'bpf/include') : '',
    join(ctx.extension.extensionPath, 'bpf/include'),
  ];
  return [...new Set(dirs.filter((d) => d && existsSync(d)))];
}

/** How the build compiles `file` for `host` (the task, the compile on save and the attach's cache lookup agree). */
export function compileOptionsFor(
  ctx: Ctx,
  file: string,
  host: TargetHost,
  output = defaultObjectPath(file),
  folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file)),
): CompileForHostOptions {
  const s = ctx.settings.values;
  const shipped = join(ctx.extension.extensionPath, 'bpf/include');
  return {
    source: file,
    output,
    host,
    vmlinuxCacheDir: vmlinuxCacheDir(ctx),
    // The shipped bpf/include once, as clang's last -I before vmlinux.h (not again among the project's folders).
    includeDirs: includeDirsFor(ctx, file, folder).filter((d) => d !== shipped),
    extraArgs: s.compileExtraFlags,
    clang: s.clangPath,
    bpfIncludeDir: shipped,
  };
}

/** The include folders an object of `file` was built with, for mapping a verifier rejection back to the source. */
export function objectIncludeDirs(ctx: Ctx, file: string, folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))): string[] {
  return [...includeDirsFor(ctx, file, folder), join(ctx.extension.extensionPath, 'bpf/include')];
}

class ClangTerminal implements vscode.Pseudoterminal {
  private readonly write = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  onDidWrite = this.write.event;
  onDidClose = this.closeEmitter.event;

  constructor(
    private readonly ctx: Ctx,
    private readonly file: string,
    private readonly output: string,
    private readonly folder?: vscode.WorkspaceFolder,
  ) {}

  open(): void {
    void this.run().then(async (code) => {
      // Let the terminal hand the last lines to the problem matcher before the task ends: closing in the same tick
      // as the final write loses them.
      await new Promise((r) => setTimeout(r, 250));
      this.closeEmitter.fire(code);
      finished.get(this.file)?.(code);
      finished.delete(this.file);
    });
  }
  close(): void {
    /* clang runs to its end; nothing to stop */
  }

  private line(s: string): void {
    this.write.fire(s.replace(/\r?\n/g, '\r\n') + '\r\n');
  }

  private async run(): Promise<number> {
    try {
      if (!isBpfSource(this.file)) throw new Error(`${this.file} is not a BPF C file (*.bpf.c)`);
      const host = buildTarget(this.ctx);
      this.line(
        `> compiling ${this.file} for ${this.ctx.session?.host.name ?? 'this machine'} (kernel ${host.kernelRelease}, ${host.arch})`,
      );
      // Through the object cache (core/compile/objectCache.ts): a compile on save of the same bytes is reused.
      const { result: r, bytes } = await compileCached(compileOptionsFor(this.ctx, this.file, host, this.output, this.folder));
      if (bytes) await mkdir(dirname(this.output), { recursive: true }).then(() => writeFile(this.output, bytes));
      this.line(`> ${r.argv.join(' ')}`);
      this.ctx.log.info(`compile: ${JSON.stringify(r.argv)}`);
      // Problems from the parsed diagnostics (diagnostics/compile.ts); clang's own lines, unchanged, in the terminal.
      this.ctx.compileDiagnostics.set(this.file, r.diagnostics);
      if (r.stderr.trim()) {
        this.line(r.stderr.trimEnd());
        this.ctx.log.info(`clang:\n${r.stderr.trimEnd()}`);
      }
      this.line(r.ok ? `wrote ${r.output}` : `clang failed: ${r.diagnostics.filter((d) => d.severity === 'error').length} errors`);
      return r.ok ? 0 : 1;
    } catch (e) {
      const msg = e instanceof ClangMissingError ? e.message : e instanceof Error ? e.message : String(e);
      this.line(`error: ${msg}`);
      this.ctx.log.error(`compile ${this.file}: ${msg}`);
      this.ctx.compileDiagnostics.set(this.file, []);
      return e instanceof ClangMissingError ? 127 : 1;
    }
  }
}

/** Waiters for a file's build to finish (CustomExecution tasks report no process exit code to the API). */
const finished = new Map<string, (code: number) => void>();

/** Runs the build task of `file` and resolves with clang's exit code. */
export async function runCompileTask(ctx: Ctx, file: string): Promise<{ code: number; output: string; includeDirs: string[] }> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  const output = defaultObjectPath(file);
  const task = buildTask(ctx, { type: TASK_TYPE, file }, folder);
  const done = new Promise<number>((resolve) => finished.set(file, resolve));
  await vscode.tasks.executeTask(task);
  return {
    code: await done,
    output,
    includeDirs: objectIncludeDirs(ctx, file, folder),
  };
}
