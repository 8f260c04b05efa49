// attach.skMsg: `bpftool prog attach PROG msg_verdict MAP`. The kernel shows this attachment nowhere bpftool can
// list, so the agent records it (attachments/ in the state dir) and reports it while program and map both exist.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttachSkMsgParams } from '../../protocol/agent';
import type { Attachment } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { badArgument } from '../core/errors';
import { requireObject, validateEnum } from '../core/validate';
import { programId } from '../objects/progId';
import { resolveMap, resolveProgram } from '../objects/refs';
import { formatAttachmentId } from './attachmentId';
import { attachFailure } from './classify';

function recordDir(stateDir: string): string {
  return join(stateDir, 'attachments');
}

export function skMsgRecords(stateDir: string): Attachment[] {
  const dir = recordDir(stateDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(join(dir, f), 'utf8')) as Attachment];
    } catch {
      return [];
    }
  });
}

function recordFile(stateDir: string, id: string): string {
  return join(recordDir(stateDir), `${Buffer.from(id).toString('base64url')}.json`);
}
export function forgetSkMsg(stateDir: string, id: string): void {
  rmSync(recordFile(stateDir, id), { force: true });
}

export async function attachSkMsg(ctx: AgentContext, raw: unknown): Promise<Attachment> {
  const p = requireObject(raw, 'attach.skMsg') as Partial<AttachSkMsgParams>;
  const type = validateEnum(p.type, ['msg_verdict'] as const, 'type', 'msg_verdict');
  const prog = resolveProgram(p.program);
  const map = resolveMap(p.map);
  if (!map.pin)
    throw badArgument('map', 'sk_msg attachments need a pinned map (OBJECT/MAP or a pin path), so they can be detached later by id');
  const bpftool = bpftoolPath(ctx);
  const r = await ctx.run([bpftool, 'prog', 'attach', ...prog.bpftoolArgs, type, ...map.bpftoolArgs], { allowFailure: true });
  if (r.exitCode !== 0) throw attachFailure(r, `attach ${type} to map ${map.pin}`);
  const progId = await programId(ctx, prog);
  const att: Attachment = {
    id: formatAttachmentId({ kind: 'sk_msg', attachType: type, map: map.pin, progId }),
    kind: 'sk_msg',
    progId,
    map: map.pin,
    attachType: type,
    via: 'bpftool',
  };
  mkdirSync(recordDir(ctx.stateDir), { recursive: true, mode: 0o700 });
  writeFileSync(recordFile(ctx.stateDir, att.id), JSON.stringify(att), { mode: 0o600 });
  return att;
}
