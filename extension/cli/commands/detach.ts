// `ebpf-netdebug detach --host H ATTACHMENT`: undoes an attach by the id it printed. The agent detaches what the
// kernel reports (the mode XDP really runs in). Then the object the program came from is unloaded when none of
// its programs is attached anywhere any more, so an attach + detach pair leaves no pins (--keep-object keeps it).
import type { AgentClient } from '../../core/agentClient';
import { commonOptions, exactlyOne, hostOptions, parseCommand, requireHost } from '../args';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { printJson } from '../output';

export async function detachCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('detach', argv, { ...commonOptions, ...hostOptions, 'keep-object': { type: 'boolean' } });
  const id = exactlyOne('detach', 'an attachment id (as printed by attach or list attachments)', positionals);
  const host = requireHost('detach', values.host, ctx.env);
  const result = await withSession(ctx, host, async (s) => {
    // Which object owns the program, looked up before detaching (an id like tracepoints:NAME names it directly).
    const objects = await s.client.objectList();
    const { detached } = await s.client.detach({ attachment: id });
    let unloaded: string | undefined;
    if (!values['keep-object']) {
      const owner =
        detached.kind === 'tracepoints'
          ? objects.find((o) => o.name === detached.object)
          : objects.find((o) => o.programs.some((p) => p.id === detached.progId));
      if (
        owner &&
        !(await stillAttached(
          s.client,
          owner.programs.map((p) => p.id),
          owner.name,
        ))
      ) {
        await s.client.objectUnload({ name: owner.name });
        unloaded = owner.name;
      }
    }
    return { detached, unloadedObject: unloaded };
  });
  if (values.json) {
    printJson(ctx.io, result);
  } else {
    const d = result.detached;
    ctx.io.out(`detached ${d.id}${d.progId ? ` (prog ${d.progId})` : ''}${d.mode ? `, was in ${d.mode} mode` : ''}\n`);
    if (result.unloadedObject) ctx.io.out(`unloaded object ${result.unloadedObject}\n`);
  }
  return 0;
}

async function stillAttached(client: AgentClient, progIds: number[], objectName: string): Promise<boolean> {
  const atts = await client.attachmentsList();
  return atts.some((a) => (a.progId !== undefined && progIds.includes(a.progId)) || (a.kind === 'tracepoints' && a.object === objectName));
}
