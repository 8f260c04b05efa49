// Where the object to load comes from: a command argument (a .o or .bpf.c Uri, or {object, program} from the ELF
// inspector), the active *.bpf.c editor (compiled first), or the user's pick among the workspace's objects and
// BPF sources and the programs shipped with the extension.
import * as vscode from 'vscode';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import type { Ctx } from '../context';
import { isBpfSource, objectNameFor } from '../tasks/clangArgs';
import { runCompileTask } from '../tasks/taskProvider';
import { Cancelled } from '../errors';

export interface ObjectChoice {
  /** The object's bytes. */
  bytes: Buffer;
  /** Name on the host (pins under /sys/fs/bpf/ebpf-netdebug/NAME). */
  name: string;
  /** The C source, for verifier diagnostics. */
  source?: vscode.Uri;
  /** A program the caller already named (ELF inspector). */
  program?: string;
}

export async function chooseObject(ctx: Ctx, arg: unknown, purpose: string): Promise<ObjectChoice> {
  const { uri, program } = fromArg(arg);
  if (uri) return { ...(await fromFile(ctx, uri)), program };
  const active = vscode.window.activeTextEditor?.document;
  if (active && active.uri.scheme === 'file' && isBpfSource(active.uri.fsPath)) return fromFile(ctx, active.uri);
  const picked = await pickObject(ctx, purpose);
  if (!picked) throw new Cancelled();
  return fromFile(ctx, picked);
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

async function fromFile(ctx: Ctx, uri: vscode.Uri): Promise<ObjectChoice> {
  if (isBpfSource(uri.fsPath)) {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc?.isDirty) await doc.save();
    const { code, output } = await runCompileTask(ctx, uri.fsPath);
    if (code !== 0) {
      throw new Error(`${uri.fsPath.split('/').pop()} did not compile (clang exit ${code}); see Problems`);
    }
    return { bytes: await readFile(output), name: objectNameFor(uri.fsPath), source: uri };
  }
  if (!uri.fsPath.endsWith('.o')) throw new Error(`object: ${uri.fsPath} is neither a BPF object (.o) nor a BPF C file (*.bpf.c)`);
  const bytes = await readFile(uri.fsPath);
  // EM_BPF (247) at offset 18: refuse anything else before the host's bpftool does it with a vaguer message.
  if (bytes.length < 20 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes.readUInt16LE(18) !== 247) {
    throw new Error(`object: ${uri.fsPath} is not a BPF ELF object (readelf -h would not say "Machine: Linux BPF")`);
  }
  const src = uri.fsPath.replace(/\.o$/, '.bpf.c');
  return { bytes, name: objectNameFor(uri.fsPath), source: existsSync(src) ? vscode.Uri.file(src) : undefined };
}

async function pickObject(ctx: Ctx, purpose: string): Promise<vscode.Uri | undefined> {
  const [objects, sources] = await Promise.all([
    vscode.workspace.findFiles('**/*.o', '**/node_modules/**', 200),
    vscode.workspace.findFiles('**/*.bpf.c', '**/node_modules/**', 200),
  ]);
  const shipped = join(ctx.extension.extensionPath, 'dist/bpf');
  const builtIn = existsSync(shipped) ? readdirSync(shipped).filter((f) => f.endsWith('.o')).map((f) => vscode.Uri.file(join(shipped, f))) : [];
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
  const item = (uri: vscode.Uri, description: string): Item => ({ label: uri.fsPath.split('/').pop()!, description, detail: vscode.workspace.asRelativePath(uri), uri });
  const items: Item[] = [
    ...sources.map((u) => item(u, 'compile and load')),
    ...objects.map((u) => item(u, 'object')),
    { label: 'Shipped with the extension', kind: vscode.QuickPickItemKind.Separator },
    ...builtIn.map((u) => item(u, 'built-in object')),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: purpose, placeHolder: 'BPF program to load (a *.bpf.c is compiled first)', matchOnDetail: true });
  return pick?.uri;
}
