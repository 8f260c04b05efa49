// attach.tracepoints: every program of a loaded object attached to its tracepoint. bpftool 7.2+ does this with
// `prog loadall OBJ DIR autoattach`, which pins LINKS (named after the programs) in DIR; the maps of the already
// loaded object are reused (`map name M pinned ...`) so the attached programs share them. Detach = remove the link
// pins (KERNEL-FACTS: `bpftool link detach` refuses these perf links). bpftool 7.1 cannot: Unsupported.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import type { AttachTracepointsParams } from '../../protocol/agent';
import type { Attachment } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { AgentError, notFound, unsupported } from '../core/errors';
import { objectDir, objectLinksDir, objectMapsDir } from '../core/paths';
import { toolFailed } from '../core/runner';
import { requireObject, validateObjectName } from '../core/validate';
import { readRecord } from '../objects/store';
import { AgentErrorCode } from '../../protocol/agent';
import { formatAttachmentId } from './attachmentId';

export async function attachTracepoints(ctx: AgentContext, raw: unknown): Promise<Attachment> {
  const p = requireObject(raw, 'attach.tracepoints') as Partial<AttachTracepointsParams>;
  const name = validateObjectName(p.object, 'object');
  const bpftool = bpftoolPath(ctx);
  if (!ctx.bpftool?.features.autoattach) {
    throw unsupported(
      `attaching tracepoints needs bpftool >= 7.2 (autoattach); this host's bpftool is ${ctx.bpftool?.version} at ${bpftool}`,
      { tool: 'bpftool' },
    );
  }
  const rec = readRecord(ctx.stateDir, name);
  if (!existsSync(objectDir(name)) || !rec) throw notFound('object', `object: no loaded object "${name}"`);
  const links = objectLinksDir(name);
  if (existsSync(links)) {
    throw new AgentError(
      AgentErrorCode.AlreadyAttached,
      `the tracepoints of "${name}" are attached already (detach tracepoints:${name} first)`,
      { argument: 'object' },
    );
  }
  const mapsDir = objectMapsDir(name);
  const reuse = existsSync(mapsDir) ? readdirSync(mapsDir).flatMap((m) => ['map', 'name', m, 'pinned', `${mapsDir}/${m}`]) : [];
  const r = await ctx.run([bpftool, 'prog', 'loadall', rec.file, links, ...reuse, 'autoattach'], {
    allowFailure: true,
    timeoutMs: 120_000,
  });
  if (r.exitCode !== 0) {
    rmSync(links, { recursive: true, force: true });
    throw toolFailed(r, 'bpftool prog loadall ... autoattach');
  }
  return {
    id: formatAttachmentId({ kind: 'tracepoints', object: name }),
    kind: 'tracepoints',
    object: name,
    progName: rec.programs.map((x) => x.name).join(','),
    via: 'bpftool',
  };
}
