// Kept agents (remote-agent/keep/) a test or benchmark left in one of its namespace hosts: found by their pid files
// under /run/ebpf-netdebug/agents and the network namespace their process runs in, and stopped. A kept agent
// outlives the sshd and the namespace's name, so whoever makes one must end it.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KEPT_AGENTS_DIR } from '../../../remote-agent/keep/keepAgent';

export interface KeptAgentProcess {
  pid: number;
  socket: string;
}

/** The kept agent servers running in network namespace `netns` (a /run/netns name). */
export function keptAgentsIn(netns: string): KeptAgentProcess[] {
  let ino: number;
  try {
    ino = statSync(`/run/netns/${netns}`).ino;
  } catch {
    return [];
  }
  const found: KeptAgentProcess[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(KEPT_AGENTS_DIR);
  } catch {
    return [];
  }
  for (const name of names.filter((n) => n.endsWith('.sock.pid'))) {
    try {
      const pid = Number(readFileSync(join(KEPT_AGENTS_DIR, name), 'utf8'));
      if (readlinkSync(`/proc/${pid}/ns/net`) === `net:[${ino}]`) found.push({ pid, socket: join(KEPT_AGENTS_DIR, name.slice(0, -4)) });
    } catch {
      /* gone */
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the kept agents of `netns` (SIGTERM: each removes its socket and pid file) and returns their pids. */
export function stopKeptAgents(netns: string): number[] {
  const pids = keptAgentsIn(netns).map((k) => k.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  return pids;
}
