// `ebpf-netdebug unload --host H OBJECT`: removes an object loaded by attach (its pins under
// /sys/fs/bpf/ebpf-netdebug/OBJECT). detach does this by itself for the last attachment of an object; this is for
// objects whose attach was interrupted, or loaded for later. `list objects` shows what is loaded.
import { commonOptions, exactlyOne, hostOptions, parseCommand, requireHost } from '../args';
import { CliError, usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { printJson } from '../output';

export async function unloadCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('unload', argv, { ...commonOptions, ...hostOptions, force: { type: 'boolean' } });
  const name = exactlyOne('unload', 'an object name (see list objects)', positionals);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw usageError(`unload: object name "${name}" must be 1-64 letters, digits, '_' or '-'`);
  const host = requireHost('unload', values.host, ctx.env);
  const r = await withSession(ctx, host, async (s) => {
    const obj = (await s.client.objectList()).find((o) => o.name === name);
    if (!obj) throw new CliError(`unload: no object named "${name}" is loaded on ${host}`);
    const ids = obj.programs.map((p) => p.id);
    const inUse = (await s.client.attachmentsList()).filter(
      (a) => (a.progId !== undefined && ids.includes(a.progId)) || (a.kind === 'tracepoints' && a.object === name),
    );
    // Unloading removes the pins only: an attached program would keep running, out of sight of detach-by-object.
    if (inUse.length && !values.force) {
      throw new CliError(`unload: ${name} is still attached (${inUse.map((a) => a.id).join(', ')}); detach first, or --force`);
    }
    return s.client.objectUnload({ name });
  });
  if (values.json) printJson(ctx.io, { name, ...r });
  else ctx.io.out(`unloaded object ${name} (${r.removedPins.length} pins removed)\n`);
  return 0;
}
