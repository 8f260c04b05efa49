// `agent.keep`: leave a kept agent server (agentServer.ts) on the host for later connections, or find the one
// already there. The socket's name says what it serves: this bundle, these agent options, this network
// namespace (namespace hosts of one machine share /run, and an agent must run in the namespace its client's
// sshd is in), so a server never serves another version, other options or another namespace.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { AgentKeepParams, AgentKeepResult } from '../../protocol/agent';
import { AgentError } from '../core/errors';
import { AgentErrorCode } from '../../protocol/agent';
import { agentChecksum } from '../host/facts';

export const KEPT_AGENTS_DIR = '/run/ebpf-netdebug/agents';

export interface KeepContext {
  /** The running bundle (process.argv[1]). */
  bundle: string;
  /** The agent's own options, as it was started with them. */
  agentArgs: string[];
}

export function keptSocketPath(bundleSha: string, agentArgs: string[], netns: string): string {
  const key = createHash('sha256')
    .update(JSON.stringify([bundleSha, agentArgs, netns]))
    .digest('hex')
    .slice(0, 24);
  return join(KEPT_AGENTS_DIR, `${key}.sock`);
}

function listening(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function keepAgent(k: KeepContext, p: AgentKeepParams): Promise<AgentKeepResult> {
  if (process.getuid?.() !== 0) {
    throw new AgentError(AgentErrorCode.PermissionDenied, 'agent.keep: a kept agent is only for an agent running as root');
  }
  const sha = agentChecksum();
  if (!sha) throw new AgentError(AgentErrorCode.Internal, `agent.keep: cannot read the agent bundle ${k.bundle}`);
  const socket = keptSocketPath(sha, k.agentArgs, readlinkSync('/proc/self/ns/net'));
  if (await listening(socket)) return { socket, started: false };
  // A session of its own (setsid), stdio to nothing: it outlives this agent, its SSH session and its sudo.
  const child = spawn(process.execPath, [k.bundle, '--serve', socket, '--idle-exit', String(p.idleSeconds), ...k.agentArgs], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  // Up within 15 s (a loaded host starts Node slowly), or the caller goes on without it (the next session just
  // starts its agent the usual way).
  const end = Date.now() + 15_000;
  while (Date.now() < end) {
    if (await listening(socket)) return { socket, started: true, pid: child.pid };
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new AgentError(AgentErrorCode.Internal, `agent.keep: the kept agent did not listen on ${socket} within 15 s`);
}
