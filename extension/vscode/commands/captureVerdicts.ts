// "Capture Verdicts...": on an XDP or tc attachment (a tree row, or picked from the palette), build the instrumented
// variant of the program's source (extension/core/capture), swap it in through the agent, and show every packet
// with its verdict in a packet list panel (webviews/verdictCaptureFeed.ts, webviews/packetListPanel.ts); Stop in the view puts the plain program back.
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { Attachment } from '../../../protocol/types';
import { buildInstrumented } from '../../core/capture/build';
import { InstrumentError } from '../../core/capture/instrument';
import { sessionTarget } from '../../core/compile/sessionTarget';
import { formatDiagnostic } from '../../core/compile/diagnostics';
import { parsePacketFilter } from '../../core/packetPath';
import type { HostSession } from '../hostSession';
import { Cancelled, withProgress } from '../errors';
import { askPacketFilter } from '../packetFilterInput';
import { VerdictCaptureFeed } from '../webviews/verdictCaptureFeed';
import { needsSession, type CommandFactory } from './table';

export const captureVerdictsCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const att = await chooseAttachment(s, attachmentIdOf(arg));
  const program = await programNameOf(s, att);
  const source = await chooseSource(program);
  const filterText = await askPacketFilter({
    title: `Capture Verdicts of ${program} on ${att.dev}`,
    prompt: 'Which packets to record (empty: every packet)',
    placeHolder: 'icmp and host 10.0.0.2',
  });
  if (filterText === undefined) throw new Cancelled();
  const snapLength = vscode.workspace.getConfiguration('ebpfNetDebug').get<number>('capture.snapLength', 128);

  const build = await withProgress(`eBPF: building the capture variant of ${program}`, () =>
    buildInstrumented({ source: source.fsPath, program, kind: att.kind === 'xdp' ? 'xdp' : 'tc', host: sessionTarget(s.engine) }),
  );
  if (!build.ok || !build.bytes) {
    for (const d of build.diagnostics) ctx.log.error(formatDiagnostic(d));
    throw new Error(`the capture variant of ${source.fsPath} does not compile (details in the log)`);
  }
  const title = `Verdicts: ${program} on ${att.dev}${att.netns && att.netns !== 'root' ? ` (${att.netns})` : ''}`;
  const panel = new VerdictCaptureFeed(ctx.extension.extensionUri, ctx.log, title);
  ctx.pushExtCleanup(panel);
  try {
    await withProgress(`eBPF: swapping in the capture variant of ${program}`, () =>
      panel.start(s.client, {
        attachment: att.id,
        object: build.bytes!,
        program,
        filter: filterText ? parsePacketFilter(filterText) : undefined,
        snapLength,
      }),
    );
  } catch (e) {
    panel.dispose();
    throw e;
  }
}, 'Capture Verdicts...');

/** An attachment id from a tree row (`detachId`) or a string. */
function attachmentIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string' && arg) return arg;
  if (arg && typeof arg === 'object' && 'detachId' in arg) {
    const id = (arg as { detachId: unknown }).detachId;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

async function chooseAttachment(s: HostSession, id: string | undefined): Promise<Attachment> {
  const all = (await s.client.attachmentsList()).filter((a) => a.kind === 'xdp' || a.kind === 'tc');
  if (id) {
    const found = all.find((a) => a.id === id);
    if (!found)
      throw new Error(
        id.startsWith('tcx:')
          ? 'Capture Verdicts works on xdp and tc attachments; attach tc programs with tc (not tcx) to capture'
          : `no XDP or tc attachment ${id} on ${s.host.name}`,
      );
    return found;
  }
  if (!all.length) throw new Error(`nothing is attached with XDP or tc on ${s.host.name}`);
  if (all.length === 1) return all[0];
  const pick = await vscode.window.showQuickPick(
    all.map((a) => ({ label: a.progName ?? `prog ${a.progId}`, description: a.id, a })),
    { title: 'Capture the verdicts of which program?' },
  );
  if (!pick) throw new Cancelled();
  return pick.a;
}

/** The program's full name (the kernel keeps 15 characters): the pin name in the object that holds its id. */
async function programNameOf(s: HostSession, att: Attachment): Promise<string> {
  for (const o of await s.client.objectList()) {
    const p = o.programs.find((x) => x.id === att.progId);
    if (p) return p.name;
  }
  throw new Error(
    `program ${att.progName ?? att.progId} on ${att.dev} was not loaded through ebpf-netdebug: there is no source to instrument`,
  );
}

/** The .bpf.c that defines `program`: the active editor's if it does, else the workspace's, else the user's pick. */
async function chooseSource(program: string): Promise<vscode.Uri> {
  const defines = async (uri: vscode.Uri) => {
    const text = await readFile(uri.fsPath, 'utf8').catch(() => '');
    return new RegExp(`\\bSEC\\s*\\([^)]*\\)[\\w\\s*]*\\b${program}\\s*\\(`).test(text);
  };
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && active.fsPath.endsWith('.c') && (await defines(active))) return active;
  const found: vscode.Uri[] = [];
  for (const uri of await vscode.workspace.findFiles('**/*.c', '**/node_modules/**', 500)) if (await defines(uri)) found.push(uri);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(
      found.map((u) => ({ label: vscode.workspace.asRelativePath(u), u })),
      { title: `Which source defines ${program}?` },
    );
    if (!pick) throw new Cancelled();
    return pick.u;
  }
  const chosen = await vscode.window.showOpenDialog({
    title: `The source of ${program} (.bpf.c)`,
    filters: { 'BPF C': ['c'] },
    canSelectMany: false,
  });
  if (!chosen?.[0]) throw new Cancelled();
  if (!(await defines(chosen[0]))) throw new InstrumentError(`${chosen[0].fsPath} does not define ${program} with SEC(...)`);
  return chosen[0];
}
