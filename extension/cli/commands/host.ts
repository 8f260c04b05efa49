// `ebpf-netdebug host clean --host H`: removes everything deployment put on the host (~/.cache/ebpf-netdebug of the
// login: agent versions, runtimes, the agent's state; extension/core/deploy/cleanHost.ts), refusing while an agent
// of ours runs there. It connects without starting an agent (that agent would be one of ours running there).
// `ebpf-netdebug host install-launcher --host H`: installs the root-owned launcher through the login's sudo
// (extension/core/deploy/launcher.ts) and prints the sudoers line that allows only it.
import { cleanHost, HostBusyError } from '../../core/deploy/cleanHost';
import { installLauncher } from '../../core/deploy/launcher';
import { defaultAgentPath } from '../../core/session';
import { connectSsh } from '../../core/ssh/connect';
import { LocalTransport } from '../../core/transport/local';
import type { Transport } from '../../core/transport/transport';
import { commonOptions, exactlyOne, hostOptions, parseCommand, requireHost } from '../args';
import { CliError, usageError } from '../cliError';
import type { CliContext } from '../io';
import { printJson } from '../output';

export async function hostCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('host', argv, { ...commonOptions, ...hostOptions });
  const action = exactlyOne('host', 'an action (clean, install-launcher)', positionals);
  if (action !== 'clean' && action !== 'install-launcher')
    throw usageError(`host: unknown action "${action}" (actions: clean, install-launcher)`);
  const host = requireHost(`host ${action}`, values.host, ctx.env);
  const remoteBase = ctx.env.EBPF_NETDEBUG_REMOTE_BASE;
  if (action === 'install-launcher' && host === 'local') throw usageError('host install-launcher: give an SSH host (--host H)');
  const t: Transport = host === 'local' ? new LocalTransport() : await connectSsh(host, ctx.ssh);
  try {
    if (action === 'install-launcher') {
      const r = await installLauncher(t, { agentPath: defaultAgentPath(), remoteBase, askSudoPassword: ctx.askSudoPassword });
      if (values.json) printJson(ctx.io, { host, ...r });
      else
        ctx.io.out(
          `${host}: ${r.launcher} allows agent ${r.allowed.slice(0, 16)}...${r.node ? ` (runs it on ${r.node})` : ''}\n` +
            `Allow only it with sudo, as root on the host: visudo -f /etc/sudoers.d/ebpf-netdebug, with the line\n  ${r.sudoersLine}\n`,
        );
      return 0;
    }
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
