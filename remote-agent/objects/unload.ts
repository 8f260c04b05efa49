// object.unload: removes the object's pins (programs, maps, and its state record). Decision: it REFUSES while a
// program of the object is still attached (XDP/tc/tcx on any interface, a cgroup, tracepoint links), naming the
// attachment ids to detach first. Unpinning alone would leave the program running with no name of ours left to
// find it by, which is the opposite of what a user asking to "unload" wants.
import { existsSync, rmSync } from 'node:fs';
import { AgentErrorCode, type ObjectUnloadParams } from '../../protocol/agent';
import type { AgentContext } from '../core/context';
import { AgentError, notFound } from '../core/errors';
import { objectDir } from '../core/paths';
import { requireObject, validateObjectName } from '../core/validate';
import { attachmentsList } from '../attach/list';
import { describeObject } from './describe';
import { removeRecord } from './store';

export async function unloadObject(ctx: AgentContext, raw: unknown): Promise<{ removedPins: string[] }> {
  const p = requireObject(raw, 'object.unload') as Partial<ObjectUnloadParams>;
  const name = validateObjectName(p.name);
  const dir = objectDir(name);
  if (!existsSync(dir)) throw notFound('name', `no object "${name}" is loaded (nothing at ${dir})`);
  const obj = await describeObject(ctx, name);
  const ids = new Set(obj.programs.map((x) => x.id));
  const attached = (await attachmentsList(ctx)).filter(
    (a) => (a.progId !== undefined && ids.has(a.progId)) || a.id === `tracepoints:${name}`,
  );
  if (attached.length) {
    throw new AgentError(
      AgentErrorCode.AlreadyAttached,
      `object "${name}" is still attached (${attached.map((a) => a.id).join(', ')}); detach first`,
      { argument: 'name' },
    );
  }
  const removedPins = [...obj.programs.map((x) => x.pin), ...obj.maps.map((m) => m.pin)];
  rmSync(dir, { recursive: true, force: true });
  removeRecord(ctx.stateDir, name);
  return { removedPins };
}
