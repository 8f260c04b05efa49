// "Run Program on Packet..." and "Show Program Statistics": open the panels of extension/vscode/webviews/. The
// program comes from a tree node, an id (a capture row passes its packet as hex too), or a pick among the host's
// XDP and tc programs.
import * as vscode from 'vscode';
import type { BpfProgram } from '../../../protocol/types';
import { panels } from '../webviews/index';
import { needsSession, type CommandFactory } from './table';

const RUNNABLE = ['xdp', 'sched_cls', 'sched_act'];

export const runOnPacketCommand: CommandFactory = needsSession(async (_ctx, session, arg, packet) => {
  if (!panels) return;
  const programs = (await session.client.listPrograms()).filter((p) => RUNNABLE.includes(p.type));
  const wanted = programIdOf(arg);
  let prog: BpfProgram | undefined = wanted !== undefined ? programs.find((p) => p.id === wanted) : undefined;
  if (wanted !== undefined && !prog) throw new Error(`program ${wanted} is not an XDP or tc program on this host`);
  if (!prog) {
    if (!programs.length) {
      void vscode.window.showInformationMessage('Run Program on Packet: no XDP or tc program is loaded on this host');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      programs.map((p) => ({ label: p.name || '(no name)', description: `#${p.id} ${p.type}`, p })),
      { title: 'Run Program on Packet', placeHolder: 'Which program?' },
    );
    if (!pick) return;
    prog = pick.p;
  }
  panels.progRun.open(
    { ref: `id:${prog.id}`, id: prog.id, name: prog.name, type: prog.type },
    typeof packet === 'string' ? packet : undefined,
  );
}, 'Run Program on Packet');

export const showProgramStatsCommand: CommandFactory = needsSession(() => panels?.programStats.show(), 'Show Program Statistics');

function programIdOf(arg: unknown): number | undefined {
  if (typeof arg === 'number') return Number.isInteger(arg) && arg > 0 ? arg : undefined;
  if (typeof arg === 'string') {
    const m = /^(?:id:)?(\d+)$/.exec(arg);
    return m ? Number(m[1]) : undefined;
  }
  if (arg && typeof arg === 'object') return programIdOf((arg as { program?: { id?: unknown } }).program?.id);
  return undefined;
}
