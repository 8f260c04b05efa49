// Load BPF Object: loads an object on the host without attaching, through the attach workflow's first steps
// (compile for the host, BASENAME-HASH, reuse of an identical object already loaded), with the verifier's
// rejection as a diagnostic on the C line it names.
import * as vscode from 'vscode';
import { AgentErrorCode } from '../../../protocol/agent';
import { AgentError } from '../../core/agentError';
import type { Ctx } from '../context';
import { withProgress } from '../errors';
import { needsSession, type CommandFactory } from './table';
import { chooseObject, prepareChoice, showVerifierRejection } from './objectSource';

export const loadObjectCommand: CommandFactory = needsSession(async (ctx: Ctx, s, arg) => {
  const choice = await chooseObject(ctx, arg, 'Load BPF object');
  const { loaded, reused } = await withProgress(`eBPF: loading ${choice.file.split('/').pop()} on ${s.host.name}`, async (p) => {
    const obj = await prepareChoice(ctx, s, choice, 'Load BPF Object');
    if (obj.source) ctx.verifier.clear(vscode.Uri.file(obj.source));
    const existing = (await s.client.objectList()).find((o) => o.name === obj.defaultName);
    if (existing) return { loaded: existing, reused: true };
    p.report({ message: `loading ${obj.defaultName}` });
    try {
      return { loaded: await s.client.objectLoad({ name: obj.defaultName, object: obj.bytes.toString('base64') }), reused: false };
    } catch (e) {
      if (e instanceof AgentError && e.code === AgentErrorCode.VerifierRejected) await showVerifierRejection(ctx, e, obj);
      throw e;
    }
  });
  ctx.log.info(
    `${reused ? 'already loaded' : 'loaded'} ${loaded.name}: programs ${loaded.programs.map((p) => `${p.name}#${p.id}(${p.type})`).join(', ')}`,
  );
  await ctx.kernelStateChanged();
  void vscode.window.showInformationMessage(
    `${reused ? 'Already loaded' : 'Loaded'} ${loaded.name}: ${loaded.programs.map((p) => `${p.name} #${p.id}`).join(', ')}.`,
  );
}, 'Load BPF Object');
