// The webview side of the extension: the live trace panel view and the listings, ELF inspector and packet path
// editor panels, with the commands that open them. The VS Code layer calls registerWebviews once from activate().
import * as vscode from 'vscode';
import { parsePacketFilter } from '../../core/packetPath';
import { ElfInspectorPanels } from './elfInspectorPanel';
import { ListingsPanel } from './listingsPanel';
import { LIVE_TRACE_VIEW_ID, LiveTraceView } from './liveTraceView';
import { PacketPathPanel } from './packetPathPanel';
import { ProgRunPanels } from './progRunPanel';
import { ProgramStatsPanel } from './programStatsPanel';
import type { BpfProgram } from '../../../protocol/types';
import type { WebviewHost } from './webviewHost';

export type { WebviewHost } from './webviewHost';

export function registerWebviews(host: WebviewHost): vscode.Disposable[] {
  const liveTrace = new LiveTraceView(host);
  const listings = new ListingsPanel(host);
  const elf = new ElfInspectorPanels(host);
  const packetPath = new PacketPathPanel(host);
  const programStats = new ProgramStatsPanel(host);
  const progRun = new ProgRunPanels(host);
  const command = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    liveTrace, listings, elf, packetPath, programStats, progRun,
    command('ebpfNetDebug.showProgramStats', () => programStats.show()),
    command('ebpfNetDebug.runOnPacket', (arg, packet) => runOnPacket(host, progRun, arg, typeof packet === 'string' ? packet : undefined)),
    vscode.window.registerWebviewViewProvider(LIVE_TRACE_VIEW_ID, liveTrace, { webviewOptions: { retainContextWhenHidden: true } }),
    command('ebpfNetDebug.showLiveTrace', () => liveTrace.show()),
    command('ebpfNetDebug.showPrograms', () => listings.show('programs')),
    command('ebpfNetDebug.showNetwork', () => listings.show('network')),
    command('ebpfNetDebug.showMaps', () => listings.show('maps')),
    command('ebpfNetDebug.dumpMap', (arg) => {
      const id = mapIdOf(arg);
      if (id === undefined) { void vscode.window.showErrorMessage(`Dump Map: expected a map id, got ${JSON.stringify(arg)}`); return; }
      listings.show('maps', id);
    }),
    command('ebpfNetDebug.inspectObject', (arg) => elf.open(arg instanceof vscode.Uri ? arg : undefined)),
    command('ebpfNetDebug.tracePacketPath', async (arg) => {
      const filter = typeof arg === 'string' ? arg : await vscode.window.showInputBox({
        title: 'Trace Packet Path', prompt: 'What to follow (empty: every packet)', placeHolder: 'icmp host 10.0.0.2',
        validateInput: (v) => { try { parsePacketFilter(v); return undefined; } catch (e) { return (e as Error).message; } },
      });
      if (filter === undefined) return;
      await packetPath.open(filter);
    }),
  ];
}

/** A map id from a command argument: a number, "id:N", or a tree node carrying `id` / `map.id`. */
function mapIdOf(arg: unknown): number | undefined {
  if (typeof arg === 'number') return Number.isInteger(arg) && arg > 0 ? arg : undefined;
  if (typeof arg === 'string') { const m = /^(?:id:)?(\d+)$/.exec(arg); return m ? Number(m[1]) : undefined; }
  if (arg && typeof arg === 'object') {
    const o = arg as { id?: unknown; map?: { id?: unknown } };
    return mapIdOf(o.map?.id ?? o.id);
  }
  return undefined;
}

const RUNNABLE = ['xdp', 'sched_cls', 'sched_act'];

/** "Run Program on Packet...": the program from a tree node or an id, else picked from the host's XDP and tc programs. */
async function runOnPacket(host: WebviewHost, panels: ProgRunPanels, arg: unknown, packet?: string): Promise<void> {
  const session = host.getSession();
  if (!session) { void vscode.window.showErrorMessage('Run Program on Packet: connect to a host first'); return; }
  const programs = (await session.client.listPrograms()).filter((p) => RUNNABLE.includes(p.type));
  const wanted = programIdOf(arg);
  let prog: BpfProgram | undefined = wanted !== undefined ? programs.find((p) => p.id === wanted) : undefined;
  if (wanted !== undefined && !prog) { void vscode.window.showErrorMessage(`Run Program on Packet: program ${wanted} is not an XDP or tc program on this host`); return; }
  if (!prog) {
    if (!programs.length) { void vscode.window.showInformationMessage('Run Program on Packet: no XDP or tc program is loaded on this host'); return; }
    const pick = await vscode.window.showQuickPick(programs.map((p) => ({ label: p.name || '(no name)', description: `#${p.id} ${p.type}`, p })), { title: 'Run Program on Packet', placeHolder: 'Which program?' });
    if (!pick) return;
    prog = pick.p;
  }
  panels.open({ ref: `id:${prog.id}`, id: prog.id, name: prog.name, type: prog.type }, packet);
}

function programIdOf(arg: unknown): number | undefined {
  if (typeof arg === 'number') return Number.isInteger(arg) && arg > 0 ? arg : undefined;
  if (typeof arg === 'string') { const m = /^(?:id:)?(\d+)$/.exec(arg); return m ? Number(m[1]) : undefined; }
  if (arg && typeof arg === 'object') return programIdOf((arg as { program?: { id?: unknown } }).program?.id);
  return undefined;
}
