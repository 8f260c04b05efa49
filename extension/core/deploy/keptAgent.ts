// The kept agent, client side (docs/ssh.md "Kept agent"). Every command the CLI runs is a new SSH connection, and
// starting the agent costs an exec: the login's shell with its rc files (0.55 s for root's `pyenv init` on the test
// VM, paid again by every scp and ssh of the same steps done by hand), the probe, Node's start. So, for a root
// login, the first session leaves a kept agent on the host (remote-agent/keep/: a server on a root-only unix
// socket that starts a fresh agent per connection, ending by itself after `keepAgentSeconds` without one), and
// later sessions reach it through a stream-local channel: no command, no shell, no probe.
//
// What the client remembers per host (under ~/.cache/ebpf-netdebug/kept/, 0600): the socket, the bundle's
// checksum, the route the connection took, and the deployment's facts, among them the interface that carries the
// SSH session, which decides the dead-man default. So a kept agent is used only when it is provably the same:
// - the same bundle (checksum, also checked in the agent's hello) and the same --bpftool;
// - the same route: this connection's local and remote addresses equal those of the session that kept it (no
//   ProxyJump), so the interface carrying the session is still the one remembered;
// - a root login (the socket is root's alone) that the kept agent answers as root.
// Anything else, or any failure to reach it, and the session starts its agent the usual way (deployAgent.ts).
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { HostFacts } from '../../../protocol/types';
import { AgentClient, type AgentClientOptions } from '../agentClient';
import type { SshTransport } from '../ssh/sshTransport';
import type { DeployResult } from './deployAgent';

/** The serializable part of a deployment: what a later session reached through the kept agent reports. */
type DeployFacts = Omit<DeployResult, 'startAgent' | 'execAsRoot' | 'sudoPasswordAgain'>;

export interface KeptRecord {
  socket: string;
  sha256: string;
  route: string;
  bpftoolPath?: string;
  deployment: DeployFacts;
}

export function keptDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ebpf-netdebug', 'kept');
}

function recordFile(host: string): string {
  return join(keptDir(), `${createHash('sha256').update(host).digest('hex').slice(0, 32)}.json`);
}

export async function recallKept(host: string): Promise<KeptRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(recordFile(host), 'utf8')) as KeptRecord;
    return typeof r.socket === 'string' && typeof r.sha256 === 'string' && typeof r.route === 'string' && r.deployment ? r : undefined;
  } catch {
    return undefined;
  }
}

export async function forgetKept(host: string): Promise<void> {
  await rm(recordFile(host), { force: true });
}

async function rememberKept(host: string, r: KeptRecord): Promise<void> {
  await mkdir(keptDir(), { recursive: true, mode: 0o700 });
  const file = recordFile(host);
  await writeFile(`${file}.${process.pid}`, JSON.stringify(r), { mode: 0o600 });
  await rename(`${file}.${process.pid}`, file);
}

/**
 * After a session started its agent the usual way: leave a kept agent for the next ones (root logins over a
 * direct route only). Never fails the session: a host that cannot keep one is simply asked again next time.
 */
export async function keepAgent(
  host: string,
  t: SshTransport,
  client: AgentClient,
  deployment: DeployResult,
  idleSeconds: number,
  bpftoolPath: string | undefined,
): Promise<void> {
  const route = t.routeKey();
  if (deployment.loginUid !== 0 || !route) return;
  try {
    const { socket } = await client.agentKeep({ idleSeconds });
    const { startAgent: _s, execAsRoot: _e, sudoPasswordAgain: _p, ...facts } = deployment;
    await rememberKept(host, { socket, sha256: deployment.sha256, route, bpftoolPath, deployment: facts });
  } catch {
    await forgetKept(host).catch(() => undefined);
  }
}

export interface KeptConnection {
  client: AgentClient;
  facts: HostFacts;
  deployment: DeployResult;
}

/** The agent of this host's kept agent, when there is one that is provably the same (see the header); else undefined. */
export async function connectKept(
  host: string,
  t: SshTransport,
  sha256: string,
  bpftoolPath: string | undefined,
  clientOpts: AgentClientOptions,
): Promise<KeptConnection | undefined> {
  const rec = await recallKept(host);
  if (!rec || rec.sha256 !== sha256 || rec.bpftoolPath !== bpftoolPath || rec.route !== t.routeKey()) return undefined;
  let client: AgentClient | undefined;
  try {
    const proc = await t.openStreamLocal(rec.socket, 10_000);
    client = AgentClient.fromProcess(proc, clientOpts);
    const facts = await Promise.race([
      client.hello(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no hello within 10 s')), 10_000).unref()),
    ]);
    if ((facts.agentChecksum && facts.agentChecksum !== sha256) || !facts.privileges.root) throw new Error('not the kept agent we want');
    const deployment: DeployResult = {
      ...rec.deployment,
      uploaded: false,
      removedVersions: [],
      uploadedBytes: 0,
      ...(rec.deployment.runtime ? { runtime: { ...rec.deployment.runtime, uploaded: false } } : {}),
      kept: { socket: rec.socket },
      startAgent: () => t.openStreamLocal(rec.socket),
      execAsRoot: (argv, o) => t.exec(argv, o),
    };
    return { client, facts, deployment };
  } catch {
    client?.dispose();
    await forgetKept(host).catch(() => undefined);
    return undefined;
  }
}
