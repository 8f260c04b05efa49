// Where the object to load comes from: a command argument (a .o or .bpf.c Uri, or {object, program} from the ELF
// inspector), the active *.bpf.c editor, or the user's pick among the workspace's objects and BPF sources and the
// programs shipped with the extension. A source is compiled by the build task (clang's errors in Problems) for the
// connected host, inside the attach workflow (extension/core/attach/).
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import type { AgentError } from '../../core/agentError';
import { prepareObject, type CompileHook, type PreparedObject } from '../../core/attach/preparedObject';
import { sessionTarget } from '../../core/compile/sessionTarget';
import type { Ctx } from '../context';
import type { HostSession } from '../hostSession';
import { isBpfSource } from '../tasks/clangArgs';
import { compileOptionsFor, objectIncludeDirs, runCompileTask } from '../tasks/taskProvider';
import { peekCompiled } from '../../core/compile/objectCache';
import { Cancelled } from '../errors';

export interface ObjectChoice {
  /** The .o or .bpf.c to attach (a source is compiled for the connected host by the attach workflow). */
  file: string;
  /** A program the caller already named (ELF inspector). */
  program?: string;
}

export async function chooseObject(ctx: Ctx, arg: unknown, purpose: string): Promise<ObjectChoice> {
  const { uri, program } = fromArg(arg);
  if (uri) return { ...(await fromFile(uri)), program };
  const active = vscode.window.activeTextEditor?.document;
  if (active && active.uri.scheme === 'file' && isBpfSource(active.uri.fsPath)) return fromFile(active.uri);
  const picked = await pickObject(ctx, purpose);
  if (!picked) throw new Cancelled();
  return fromFile(picked);
}

function fromArg(arg: unknown): { uri?: vscode.Uri; program?: string } {
  if (arg instanceof vscode.Uri) return { uri: arg };
  if (arg && typeof arg === 'object' && 'object' in arg) {
    const o = arg as { object: unknown; program?: unknown };
    const uri = o.object instanceof vscode.Uri ? o.object : typeof o.object === 'string' ? vscode.Uri.parse(o.object) : undefined;
    return { uri, program: typeof o.program === 'string' ? o.program : undefined };
  }
  return {};
}

async function fromFile(uri: vscode.Uri): Promise<ObjectChoice> {
  if (isBpfSource(uri.fsPath)) {
    // What the user sees in the editor is what gets compiled.
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) await doc.save();
    return { file: uri.fsPath };
  }
  if (!uri.fsPath.endsWith('.o')) throw new Error(`object: ${uri.fsPath} is neither a BPF object (.o) nor a BPF C file (*.bpf.c)`);
  return { file: uri.fsPath };
}

/** The workflow's compile step in the editor: the "ebpf" build task, so clang's errors land in Problems. */
export function compileWithTask(ctx: Ctx): CompileHook {
  return async (source, target) => {
    // Compiled on save already (tasks/compileOnSave.ts) and unchanged since: no build task, no clang.
    const ready = await peekCompiled(compileOptionsFor(ctx, source, target));
    if (ready?.bytes) return { bytes: ready.bytes, includeDirs: objectIncludeDirs(ctx, source) };
    const { code, output, includeDirs } = await runCompileTask(ctx, source);
    if (code !== 0) throw new Error(`${source.split('/').pop()} did not compile (clang exit ${code}); see Problems`);
    return { bytes: await readFile(output), includeDirs };
  };
}

/** The object of a choice, compiled for the connected host when it is a source, named BASENAME-HASH. */
export function prepareChoice(ctx: Ctx, s: HostSession, choice: ObjectChoice, command: string): Promise<PreparedObject> {
  return prepareObject(choice.file, { target: async () => sessionTarget(s.engine), compile: compileWithTask(ctx), command });
}

/** The verifier's complaint on the C line it names (Problems), and that file shown. */
export async function showVerifierRejection(ctx: Ctx, e: AgentError, obj: PreparedObject): Promise<void> {
  if (!e.data.verifier) return;
  const file = await ctx.verifier.report(e.data.verifier, obj.source ? vscode.Uri.file(obj.source) : undefined, obj.includeDirs);
  if (file) void vscode.window.showTextDocument(file, { preview: false, preserveFocus: true });
}

async function pickObject(ctx: Ctx, purpose: string): Promise<vscode.Uri | undefined> {
  const [objects, sources] = await Promise.all([
    vscode.workspace.findFiles('**/*.o', '**/node_modules/**', 200),
    vscode.workspace.findFiles('**/*.bpf.c', '**/node_modules/**', 200),
  ]);
  const shipped = join(ctx.extension.extensionPath, 'dist/bpf');
  const builtIn = existsSync(shipped)
    ? readdirSync(shipped)
        .filter((f) => f.endsWith('.o'))
        .map((f) => vscode.Uri.file(join(shipped, f)))
    : [];
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
  const item = (uri: vscode.Uri, description: string): Item => ({
    label: uri.fsPath.split('/').pop()!,
    description,
    detail: vscode.workspace.asRelativePath(uri),
    uri,
  });
  const items: Item[] = [
    ...sources.map((u) => item(u, 'compile and load')),
    ...objects.map((u) => item(u, 'object')),
    { label: 'Shipped with the extension', kind: vscode.QuickPickItemKind.Separator },
    ...builtIn.map((u) => item(u, 'built-in object')),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: purpose,
    placeHolder: 'BPF program to load (a *.bpf.c is compiled first)',
    matchOnDetail: true,
  });
  return pick?.uri;
}
