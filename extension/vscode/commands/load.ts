// Loads an object on the host (object.load) with progress, turning a verifier rejection into a diagnostic on the
// C line it names. Shared by every attach command and by Load BPF Object.
import * as vscode from 'vscode';
import { AgentErrorCode } from '../../../protocol/agent';
import type { LoadedObject, LoadedProgram } from '../../../protocol/types';
import { AgentError } from '../../core/agentError';
import type { Ctx } from '../context';
import type { HostSession } from '../hostSession';
import { Cancelled } from '../errors';
import type { ObjectChoice } from './objectSource';

export async function loadObject(ctx: Ctx, session: HostSession, obj: ObjectChoice, report: (m: string) => void): Promise<LoadedObject> {
  report(`loading ${obj.name} on ${session.host.name}`);
  ctx.verifier.clear(obj.source);
  try {
    const loaded = await session.client.objectLoad({ object: obj.bytes.toString('base64'), name: obj.name, replace: true });
    ctx.log.info(`loaded ${obj.name}: programs ${loaded.programs.map((p) => `${p.name}#${p.id}(${p.type})`).join(', ')}; maps ${loaded.maps.map((m) => m.name).join(', ')}`);
    ctx.kernelStateChanged();
    return loaded;
  } catch (e) {
    if (e instanceof AgentError && e.code === AgentErrorCode.VerifierRejected && e.data.verifier) {
      const file = await ctx.verifier.report(e.data.verifier, obj.source);
      if (file) void vscode.window.showTextDocument(file, { preview: false, preserveFocus: true });
    }
    throw e;
  }
}

/** The program to attach: the named one, the only one of the wanted types, or the user's pick. */
export async function chooseProgram(loaded: LoadedObject, types: string[], wanted?: string): Promise<LoadedProgram> {
  if (wanted) {
    const p = loaded.programs.find((x) => x.name === wanted || x.section === wanted);
    if (!p) throw new Error(`program: ${wanted} is not in ${loaded.name} (it has ${loaded.programs.map((x) => x.name).join(', ')})`);
    return p;
  }
  const fit = loaded.programs.filter((p) => types.includes(p.type));
  if (fit.length === 0) {
    throw new Error(`${loaded.name} has no ${types.join('/')} program (it has ${loaded.programs.map((p) => `${p.name}: ${p.type}`).join(', ') || 'none'})`);
  }
  if (fit.length === 1) return fit[0];
  const pick = await vscode.window.showQuickPick(fit.map((p) => ({ label: p.name, description: `${p.type}, section ${p.section}`, p })),
    { title: `Which program of ${loaded.name}?` });
  if (!pick) throw new Cancelled();
  return pick.p;
}
