// `host.sshInterface`: the interface of the host that carries the SSH session this agent was started through, so
// the client can arm the dead-man switch by default for an attach on it. The session's addresses are in
// SSH_CONNECTION ("client port server port"), set by sshd for the login; `sudo` resets the environment, so the
// agent looks for it up its chain of parent processes (root may read their environ). `ip route get CLIENT` then
// says which interface the replies leave by. The client address is checked to be an address before it is passed.
import { readFile } from 'node:fs/promises';
import type { SshInterface } from '../../protocol/agent';
import type { AgentContext } from '../core/context';

const ADDRESS = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]{2,45})$/;

async function sshConnectionOf(pid: number): Promise<string | undefined> {
  const env = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
  return env
    .split('\0')
    .find((e) => e.startsWith('SSH_CONNECTION='))
    ?.slice('SSH_CONNECTION='.length);
}

async function parentOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
}

/** SSH_CONNECTION of this process or the nearest ancestor that has it (sudo's parent, the login shell, sshd's child). */
export async function findSshConnection(): Promise<string | undefined> {
  if (process.env.SSH_CONNECTION) return process.env.SSH_CONNECTION;
  let pid: number | undefined = process.ppid;
  for (let depth = 0; pid && depth < 8; depth++) {
    const found = await sshConnectionOf(pid);
    if (found) return found;
    pid = await parentOf(pid);
  }
  return undefined;
}

export async function hostSshInterface(ctx: AgentContext, sshConnection?: string): Promise<SshInterface | null> {
  const parts = (sshConnection ?? (await findSshConnection()))?.trim().split(/\s+/);
  if (!parts || parts.length < 4 || !ADDRESS.test(parts[0]) || !ADDRESS.test(parts[2])) return null;
  const r = await ctx.run(['ip', '-j', 'route', 'get', parts[0]], { allowFailure: true });
  if (r.exitCode !== 0) return null;
  try {
    const dev = (JSON.parse(r.stdout) as { dev?: string }[])[0]?.dev;
    return dev ? { dev, clientAddress: parts[0], serverAddress: parts[2] } : null;
  } catch {
    return null;
  }
}
