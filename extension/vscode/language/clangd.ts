// Language support for BPF C through clangd (vscode-languageclient), for *.bpf.c only, with the BPF target and
// the host's vmlinux.h. When the user already runs the clangd extension (llvm-vs-code-extensions.vscode-clangd) we
// do not start a second server: we write the `.clangd` fragment it reads instead. When clangd is missing we say
// how to get it, once.
import * as vscode from 'vscode';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Ctx } from '../context';
import { clangdFlags } from '../tasks/clangArgs';
import { vmlinuxDirFor } from '../tasks/target';
import { clangdFragment, mayOverwrite } from './clangdConfig';

const CLANGD_EXTENSION = 'llvm-vs-code-extensions.vscode-clangd';

export async function startLanguageSupport(ctx: Ctx): Promise<void> {
  const s = ctx.settings.values;
  if (!s.clangdEnabled) return;
  const folders = vscode.workspace.workspaceFolders ?? [];
  const bpfFiles = await vscode.workspace.findFiles('**/*.bpf.c', '**/node_modules/**', 1);
  if (!bpfFiles.length) return;
  const vmlinuxDir = await vmlinuxDirFor(ctx).catch((e) => {
    ctx.log.warn(`clangd: no vmlinux.h (${e instanceof Error ? e.message : e})`);
    return undefined;
  });
  const includes = [join(ctx.extension.extensionPath, 'bpf/include'), ...folders.map((f) => join(f.uri.fsPath, 'bpf/include'))].filter(
    (d) => existsSync(d),
  );
  const flags = clangdFlags(vmlinuxDir, includes, ctx.session?.facts.arch);

  if (vscode.extensions.getExtension(CLANGD_EXTENSION)) {
    for (const f of folders) writeClangdFile(ctx, f.uri.fsPath, flags);
    ctx.log.info('clangd: the clangd extension is installed; wrote .clangd for *.bpf.c instead of starting a second server');
    return;
  }
  if (!(await hasClangd(s.clangdPath))) {
    ctx.log.info(`clangd: ${s.clangdPath} not found; language support for *.bpf.c is off`);
    if (!ctx.extension.globalState.get('clangdHintShown')) {
      void ctx.extension.globalState.update('clangdHintShown', true);
      void vscode.window.showInformationMessage(
        'eBPF: for completion and errors as you type in *.bpf.c files, install clangd (apt-get install clangd) or set ebpfNetDebug.clangd.path.',
      );
    }
    return;
  }
  const server: ServerOptions = { command: s.clangdPath, args: ['--background-index=false', '--header-insertion=never', '--log=error'] };
  const client: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'c', pattern: '**/*.bpf.c' }],
    initializationOptions: { fallbackFlags: flags },
    outputChannel: ctx.log,
  };
  const lc = new LanguageClient('ebpfNetDebug.clangd', 'eBPF clangd', server, client);
  ctx.pushExtCleanup({
    dispose: () => {
      void lc.stop();
    },
  });
  await lc.start();
  ctx.log.info(`clangd: started for *.bpf.c with ${flags.join(' ')}`);
}

function writeClangdFile(ctx: Ctx, folder: string, flags: string[]): void {
  const file = join(folder, '.clangd');
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (!mayOverwrite(existing)) {
    ctx.log.info(`clangd: ${file} is yours; not touching it (flags for *.bpf.c: ${flags.join(' ')})`);
    return;
  }
  writeFileSync(file, clangdFragment(flags));
}

function hasClangd(path: string): Promise<boolean> {
  return new Promise((resolve) => execFile(path, ['--version'], { timeout: 10_000 }, (err) => resolve(!err)));
}
