// Detach (from a tree row, a notification's button with an attachment id, or the palette's pick of what the
// agent reports attached), Unpin, Show Translated Instructions. The agent detaches in the mode the kernel reports.
import * as vscode from 'vscode';
import type { HostSession } from '../hostSession';
import { Cancelled, withProgress } from '../errors';
import { needsSession, type CommandFactory } from './table';
import { detachChoices, detachedMessage } from '../tree/detachChoice';

export const detachCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const id = detachIdOf(arg) ?? (await pickAttachment(s, programIdOf(arg)));
  const r = await withProgress(`eBPF: detaching from ${s.host.name}`, () => s.client.detach({ attachment: id }));
  // The tree shows the kernel without it before the message says it is gone.
  await ctx.kernelStateChanged();
  const message = detachedMessage(r.detached);
  ctx.log.info(`${message} (${r.detached.id})`);
  void vscode.window.showInformationMessage(message);
}, 'Detach');

/** Accepts an attachment id, a tree row with `detachId`, or a program row (its attachments are looked up). */
function detachIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (arg && typeof arg === 'object' && 'detachId' in arg) {
    const id = (arg as { detachId: unknown }).detachId;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/** The one attachment there is, or the user's pick among several, each named by its program. */
async function pickAttachment(s: HostSession, progId?: number): Promise<string> {
  const { choices, ask } = detachChoices(await s.client.attachmentsList(), progId);
  if (!choices.length)
    throw new Error(
      progId === undefined
        ? `nothing attached on ${s.host.name} that ebpf-netdebug can detach`
        : `program #${progId} has no attachment the tool can detach`,
    );
  if (!ask) return choices[0].attachment.id;
  const pick = await vscode.window.showQuickPick(choices, { title: 'Detach which program?' });
  if (!pick) throw new Cancelled();
  return pick.attachment.id;
}

export const unpinCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const pin = pinOf(arg);
  if (!pin) throw new Error('unpin: run it from a pinned program, map or pin in the eBPF tree');
  const objectName = /^\/sys\/fs\/bpf\/ebpf-netdebug\/([A-Za-z0-9_-]{1,64})(\/|$)/.exec(pin)?.[1];
  if (!objectName) throw new Error(`unpin: ${pin} is not under /sys/fs/bpf/ebpf-netdebug/, so the tool leaves it alone`);
  const ok = await vscode.window.showWarningMessage(
    `Unpin object ${objectName} (${pin})? Programs still attached stay attached until detached.`,
    { modal: true },
    'Unpin',
  );
  if (ok !== 'Unpin') throw new Cancelled();
  const r = await withProgress(`eBPF: unpinning ${objectName}`, () => s.client.objectUnload({ name: objectName }));
  await ctx.kernelStateChanged();
  void vscode.window.showInformationMessage(`Unpinned ${objectName}: removed ${r.removedPins.length} pins.`);
}, 'Unpin');

export const showXlatedCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const progId = programIdOf(arg);
  if (progId === undefined) throw new Error('show xlated: run it from a program in the eBPF tree');
  const r = await withProgress(`eBPF: dumping program #${progId}`, () => s.client.progDumpXlated({ program: `id:${progId}` }));
  const lines: string[] = [];
  let lastSrc = '';
  for (const i of r.insns) {
    const src = i.src ? `${i.file ? i.file.split('/').pop() : ''}:${i.line ?? ''}  ${i.src.trim()}` : '';
    if (src && src !== lastSrc) {
      lines.push(`; ${src}`);
      lastSrc = src;
    }
    lines.push(`${String(i.pc ?? '').padStart(5)}: ${i.disasm}`);
  }
  // A read-only document of our own scheme: closing it never asks to save an untitled file.
  const uri = vscode.Uri.from({ scheme: XLATED_SCHEME, path: `/${s.host.name}/prog-${progId}.xlated` });
  xlatedDocs.set(uri.toString(), lines.join('\n') + '\n');
  xlatedChanged.fire(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
}, 'Show Translated Instructions');

export const XLATED_SCHEME = 'ebpf-xlated';
const xlatedDocs = new Map<string, string>();
const xlatedChanged = new vscode.EventEmitter<vscode.Uri>();

/** Serves the xlated dumps Show Translated Instructions produced (read-only, kept until the window reloads). */
export function registerXlatedProvider(): vscode.Disposable {
  return vscode.Disposable.from(
    xlatedChanged,
    vscode.workspace.registerTextDocumentContentProvider(XLATED_SCHEME, {
      onDidChange: xlatedChanged.event,
      provideTextDocumentContent: (uri) => xlatedDocs.get(uri.toString()) ?? 'This dump is gone: run Show Translated Instructions again.\n',
    }),
  );
}

function programIdOf(arg: unknown): number | undefined {
  if (typeof arg === 'number') return arg;
  if (arg && typeof arg === 'object' && 'program' in arg) {
    const p = (arg as { program: { id?: unknown } }).program;
    if (p && typeof p.id === 'number') return p.id;
  }
  return undefined;
}

function pinOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const o = arg as { pin?: { path?: unknown }; program?: { pinned?: unknown }; map?: { pinned?: unknown } };
    if (typeof o.pin?.path === 'string') return o.pin.path;
    const pinned = (o.program?.pinned ?? o.map?.pinned) as unknown;
    if (Array.isArray(pinned) && typeof pinned[0] === 'string') return pinned[0];
  }
  return undefined;
}
