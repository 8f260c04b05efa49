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
    keepAgentSeconds: keepAgentSeconds(ctx.env),
    ...(remoteBase ? { deploy: { remoteBase } } : {}),
  });
  try {
    return await work(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

export const CLI_VERSION = '0.1.0';

/**
 * $EBPF_NETDEBUG_KEEP_AGENT: seconds a kept agent waits on a root-login host for the next command (default 600, 0 =
 * never keep one; docs/ssh.md "Kept agent"). Each command is its own SSH connection, and the kept agent spares the
 * next ones the login shell, the probe and the agent's start.
 */
export function keepAgentSeconds(env: NodeJS.ProcessEnv): number {
  const v = env.EBPF_NETDEBUG_KEEP_AGENT;
  if (v === undefined || v === '') return 600;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 86_400) throw new Error(`EBPF_NETDEBUG_KEEP_AGENT=${v}: expected whole seconds from 0 to 86400`);
  return n;
}
