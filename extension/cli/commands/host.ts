// `ebpf-netdebug host clean --host H`: removes everything deployment put on the host (~/.cache/ebpf-netdebug of the
// login: agent versions, runtimes, the agent's state; extension/core/deploy/cleanHost.ts), refusing while an agent
// of ours runs there. It connects without starting an agent (that agent would be one of ours running there).
import { cleanHost, HostBusyError } from '../../core/deploy/cleanHost';
import { connectSsh } from '../../core/ssh/connect';
import { LocalTransport } from '../../core/transport/local';
import type { Transport } from '../../core/transport/transport';
import { commonOptions, exactlyOne, hostOptions, parseCommand, requireHost } from '../args';
import { CliError, usageError } from '../cliError';
import type { CliContext } from '../io';
import { printJson } from '../output';

export async function hostCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('host', argv, { ...commonOptions, ...hostOptions });
  const action = exactlyOne('host', 'an action (clean)', positionals);
  if (action !== 'clean') throw usageError(`host: unknown action "${action}" (actions: clean)`);
  const host = requireHost('host clean', values.host, ctx.env);
  const remoteBase = ctx.env.EBPF_NETDEBUG_REMOTE_BASE;
  const t: Transport = host === 'local' ? new LocalTransport() : await connectSsh(host, ctx.ssh);
  try {
    const r = await cleanHost(t, { remoteBase, askSudoPassword: ctx.askSudoPassword }).catch((e: unknown) => {
      if (e instanceof HostBusyError) throw new CliError(e.message);
      throw e;
    });
    if (values.json) printJson(ctx.io, { host, ...r });
    else if (!r.removed) ctx.io.out(`${host}: nothing of ours to remove\n`);
    else
      ctx.io.out(
        `${host}: removed ${r.removed}${r.entries.length ? ` (${r.entries.join(', ')})` : ''}${r.viaSudo ? ' through sudo' : ''}\n`,
      );
    return 0;
  } finally {
    await t.close();
  }
}
