// The webview side of the extension: the live trace panel view and the listings, ELF inspector and packet path
// editor panels, and the handlers of the commands that open them. The VS Code layer calls registerWebviews once
// from activate() and puts those handlers in its command table (commands/index.ts), like every other command.
import * as vscode from 'vscode';
import { askPacketFilter } from '../packetFilterInput';
import { ElfInspectorPanels } from './elfInspectorPanel';
import { ListingsPanel } from './listingsPanel';
import { LIVE_TRACE_VIEW_ID, LiveTraceView } from './liveTraceView';
import { PacketPathPanel } from './packetPathPanel';
import { ProgRunPanels } from './progRunPanel';
import { ProgramStatsPanel } from './programStatsPanel';
import type { WebviewHost } from './webviewHost';

export type { WebviewHost } from './webviewHost';

/** The panels the command table's commands open (commands/progRun.ts); set once registerWebviews has run. */
export let panels: { programStats: ProgramStatsPanel; progRun: ProgRunPanels } | undefined;

/** Command id -> handler, for the command table. */
export type WebviewCommands = Record<string, (...args: unknown[]) => unknown>;

export function registerWebviews(host: WebviewHost): { disposables: vscode.Disposable[]; commands: WebviewCommands } {
  const liveTrace = new LiveTraceView(host);
  const listings = new ListingsPanel(host);
  const elf = new ElfInspectorPanels(host);
  const packetPath = new PacketPathPanel(host);
  const programStats = new ProgramStatsPanel(host);
  const progRun = new ProgRunPanels(host);
  panels = { programStats, progRun };
  const disposables = [
    liveTrace,
    listings,
    elf,
    packetPath,
    programStats,
    progRun,
    vscode.window.registerWebviewViewProvider(LIVE_TRACE_VIEW_ID, liveTrace, { webviewOptions: { retainContextWhenHidden: true } }),
  ];
  const commands: WebviewCommands = {
    'ebpfNetDebug.showLiveTrace': () => liveTrace.show(),
    'ebpfNetDebug.showPrograms': () => listings.show('programs'),
    'ebpfNetDebug.showNetwork': () => listings.show('network'),
    'ebpfNetDebug.showMaps': () => listings.show('maps'),
    'ebpfNetDebug.dumpMap': (arg) => {
      const id = mapIdOf(arg);
      if (id === undefined) throw new Error(`expected a map id, got ${JSON.stringify(arg)}`);
      listings.show('maps', id);
    },
    'ebpfNetDebug.inspectObject': (arg) => elf.open(arg instanceof vscode.Uri ? arg : undefined),
    'ebpfNetDebug.tracePacketPath': async (arg) => {
      const filter =
        typeof arg === 'string'
          ? arg
          : await askPacketFilter({
              title: 'Trace Packet Path',
              prompt: 'What to follow (empty: every packet)',
              placeHolder: 'icmp host 10.0.0.2',
            });
      if (filter === undefined) return;
      await packetPath.open(filter);
    },
  };
  return { disposables, commands };
}

/** A map id from a command argument: a number, "id:N", or a tree node carrying `id` / `map.id`. */
function mapIdOf(arg: unknown): number | undefined {
  if (typeof arg === 'number') return Number.isInteger(arg) && arg > 0 ? arg : undefined;
  if (typeof arg === 'string') {
    const m = /^(?:id:)?(\d+)$/.exec(arg);
    return m ? Number(m[1]) : undefined;
  }
  if (arg && typeof arg === 'object') {
    const o = arg as { id?: unknown; map?: { id?: unknown } };
    return mapIdOf(o.map?.id ?? o.id);
  }
  return undefined;
}
