// Runs a command's work inside a session to --host and always closes it (also when the work fails), so the CLI
// never leaves an agent process behind.
import type { Session } from '../core/session';
import type { CliContext } from './io';

export async function withSession<T>(ctx: CliContext, host: string, work: (s: Session) => Promise<T>): Promise<T> {
  // $EBPF_NETDEBUG_REMOTE_BASE: where on an SSH host the agent is deployed, relative to the login's home.
  const remoteBase = ctx.env.EBPF_NETDEBUG_REMOTE_BASE;
  const session = await ctx.openSession(host, {
    clientName: 'ebpf-netdebug-cli',
    clientVersion: CLI_VERSION,
    ...(remoteBase ? { deploy: { remoteBase } } : {}),
  });
  try {
    return await work(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

export const CLI_VERSION = '0.1.0';
