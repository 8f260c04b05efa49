// A session is one host the user works on: one transport (a local child process, or one multiplexed SSH
// connection), one agent process on it, the host's facts, and the trace streams the user has open. Users hold the
// Session, never the transport or client directly across time: after a reconnect both are new objects, while the
// session's own stream ids stay the same (docs/ssh.md "Reconnect").
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostFacts } from '../../protocol/types';
import type { RollbackRecord, TraceStartParams } from '../../protocol/agent';
import { AgentClient } from './agentClient';
import { LocalTransport } from './transport/local';
import type { Transport } from './transport/transport';
import { connectSsh, type SshConnectOptions } from './ssh/connect';
import { DeployError, deployAgent, startAgent, type DeployOptions, type DeployResult } from './deploy/deployAgent';
import { HostKeyError } from './ssh/knownHosts';
import { SshTransport } from './ssh/sshTransport';
import { connectKept, keepAgent } from './deploy/keptAgent';
import { TraceStreams, type SessionTraceStream, type TraceGap } from './reconnect/traceStreams';
import { reconnectWithBackoff, type BackoffOptions } from './reconnect/backoff';

export type SessionState = 'connected' | 'reconnecting' | 'disconnected';

export interface SessionOptions {
  /** The agent bundle to run; default dist/agent.js next to the running bundle, else the repo's dist/. */
  agentPath?: string;
  clientName?: string;
  clientVersion?: string;
  /** SSH only: config/known_hosts/home paths, prompts, host key consent, keepalives. */
  ssh?: SshConnectOptions;
  /** SSH only: where and how the agent is deployed. */
  deploy?: Omit<DeployOptions, 'agentPath'>;
  /** The bpftool the agent uses on this host (its `--bpftool PATH`); default: the newest the agent finds. */
  bpftoolPath?: string;
  /** SSH only: reconnect when the connection drops (default on). */
  reconnect?: false | BackoffOptions;
  /**
   * SSH, root logins only: leave a kept agent on the host for this many seconds after the last connection, and use
   * the one a previous session left (deploy/keptAgent.ts). Default 0: every session starts its own agent.
   */
  keepAgentSeconds?: number;
}

export interface StateChange {
  state: SessionState;
  /** Why: the error that dropped the connection, or what a reconnect found. */
  reason?: Error;
  /** After a reconnect: what was lost while away (per stream) and rollbacks the host's watchdog performed. */
  recovered?: { gaps: TraceGap[]; rollbacks: RollbackRecord[] };
}

type Listener<T> = (value: T) => void;

/** Finds dist/agent.js: next to this bundle (dist/cli.js, dist/extension.js), else the repo's dist/ (tests, tsx). */
export function defaultAgentPath(): string {
  const candidates = [
    join(__dirname, 'agent.js'),
    join(__dirname, '..', '..', 'dist', 'agent.js'),
    join(process.cwd(), 'dist', 'agent.js'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`agent bundle not found (looked at ${candidates.join(', ')}); run \`node scripts/build.mjs\``);
  return found;
}

export class Session {
  private stateValue: SessionState = 'connected';
  private readonly stateListeners = new Set<Listener<StateChange>>();
  private closing = false;
  readonly traces: TraceStreams;
  /** Watchdog records already shown (or there before this session opened), as `at:attachment`. */
  private readonly seenRollbacks = new Set<string>();
  /** Records present when the session opened count as seen: only rollbacks from now on are news. */
  private readonly rollbackBaseline: Promise<void>;
  /** Attaches waiting for their confirmation: they report the rollbacks a reconnect finds (attachWorkflow.ts). */
  private rollbackHolds = 0;
  /** Leaving a kept agent on the host (deploy/keptAgent.ts), started by the connect; close waits for it. */
  private keeping: Promise<void> | undefined;

  private constructor(
    readonly host: string,
    private transportValue: Transport,
    private clientValue: AgentClient,
    private factsValue: HostFacts,
    private deploymentValue: DeployResult | undefined,
    private readonly opts: SessionOptions,
    private readonly agentPath: string,
  ) {
    this.traces = new TraceStreams(() => this.clientValue);
    this.rollbackBaseline = clientValue.rollbacksList().then(
      (rs) => this.markRollbacksSeen(rs),
      () => undefined,
    );
    this.watch();
  }

  /** The agent client of the current connection (a new object after each reconnect). */
  get client(): AgentClient {
    return this.clientValue;
  }
  /** The current transport (a new object after each reconnect). */
  get transport(): Transport {
    return this.transportValue;
  }
  /** What `agent.hello` said on the current connection. */
  get facts(): HostFacts {
    return this.factsValue;
  }
  get state(): SessionState {
    return this.stateValue;
  }
  /** SSH: where the agent went and whether this connection uploaded it (undefined for `local`). */
  get deployment(): DeployResult | undefined {
    return this.deploymentValue;
  }
  get isLocal(): boolean {
    return this.host === 'local';
  }

  /** Connected / reconnecting / disconnected. Returns an unsubscribe function. */
  onStateChange(listener: Listener<StateChange>): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  /** Starts a trace stream whose id stays valid across reconnects (see reconnect/traceStreams.ts). */
  startTrace(params: TraceStartParams): Promise<SessionTraceStream> {
    return this.traces.start(params);
  }

  /** Resolves when the session is connected again (or rejects when it is closed / gave up). */
  whenConnected(): Promise<void> {
    if (this.stateValue === 'connected') return Promise.resolve();
    if (this.stateValue === 'disconnected') return Promise.reject(new Error(`session to ${this.host} is disconnected`));
    return new Promise((resolve, reject) => {
      const off = this.onStateChange((c) => {
        if (c.state === 'connected') {
          off();
          resolve();
        }
        if (c.state === 'disconnected') {
          off();
          reject(c.reason ?? new Error(`session to ${this.host} is disconnected`));
        }
      });
    });
  }

  /**
   * The host watchdog's rollback records this session has not shown yet. The host keeps every record, and its
   * clock is not ours: "not shown yet" (records there at open count as shown) instead of a time filter.
   */
  async unseenRollbacks(): Promise<RollbackRecord[]> {
    await this.rollbackBaseline;
    const all = await this.clientValue.rollbacksList();
    return all.filter((r) => !this.seenRollbacks.has(rollbackKey(r)));
  }

  /** These records were shown: never again. */
  markRollbacksSeen(records: RollbackRecord[]): void {
    for (const r of records) this.seenRollbacks.add(rollbackKey(r));
  }

  /**
   * While held, a reconnect reports no rollbacks in `recovered`: the attach waiting for its confirmation reports
   * (and marks seen) the one that concerns it. Returns the release function.
   */
  holdRollbacks(): () => void {
    this.rollbackHolds++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.rollbackHolds--;
      }
    };
  }

  /** The host's kernel BTF (for a vmlinux.h matching that host; see extension/core/compile/). */
  readHostBtf(): Promise<Buffer> {
    return this.transportValue.readFile(this.factsValue.btf?.path || '/sys/kernel/btf/vmlinux');
  }

  /** Ends the agent and the connection; attachments stay in the kernel. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.keeping;
    await this.traces.stopAll().catch(() => undefined);
    try {
      await Promise.race([this.clientValue.shutdown(), new Promise((r) => setTimeout(r, 2000).unref())]);
    } catch {
      /* the agent may already be gone */
    }
    this.clientValue.dispose();
    await this.transportValue.close();
    this.setState({ state: 'disconnected' });
  }

  private setState(change: StateChange): void {
    this.stateValue = change.state;
    for (const l of [...this.stateListeners]) l(change);
  }

  /** Reacts to the connection (SSH) or the agent process dying. */
  private watch(): void {
    let handled = false;
    const lost = (reason: Error | undefined) => {
      if (handled || this.closing) return;
      handled = true;
      void this.connectionLost(reason ?? new Error('connection closed'));
    };
    this.transportValue.onClose((r) => lost(r));
    this.clientValue.onClose((r) => lost(r));
  }

  private async connectionLost(reason: Error): Promise<void> {
    this.clientValue.dispose();
    if (this.isLocal || this.opts.reconnect === false) {
      await this.transportValue.close().catch(() => undefined);
      this.setState({ state: 'disconnected', reason });
      return;
    }
    this.traces.connectionLost();
    this.setState({ state: 'reconnecting', reason });
    await this.transportValue.close().catch(() => undefined);
    try {
      const backoff = this.opts.reconnect || {};
      const next = await reconnectWithBackoff(
        () =>
          this.closing
            ? Promise.reject(new Error('session closed'))
            : connectAgent(this.host, this.opts, this.agentPath, this.deploymentValue?.sudoPasswordAgain),
        {
          ...backoff,
          // Retrying cannot fix a changed host key, a refused login or deployment, or a closed session: say so at once.
          isPermanent: (e) =>
            e instanceof HostKeyError ||
            e instanceof DeployError ||
            /^authentication to .* failed/.test(e.message) ||
            this.closing ||
            (backoff.isPermanent?.(e) ?? false),
        },
      );
      if (this.closing) {
        next.client.dispose();
        await next.transport.close();
        return;
      }
      // The previous agent may still hold trace_pipe (one reader at a time): the new agent ends it before the
      // streams resume (agent.endPrevious; it checks the pid still runs that bundle).
      const previous = this.factsValue.agentPid;
      const bundle = this.deploymentValue?.remotePath;
      if (next.deployment && previous && bundle) await next.client.agentEndPrevious({ pid: previous, bundle }).catch(() => undefined);
      this.transportValue = next.transport;
      this.clientValue = next.client;
      this.factsValue = next.facts;
      this.deploymentValue = next.deployment;
      this.watch();
      const gaps = await this.traces.resume();
      const rollbacks = this.rollbackHolds > 0 ? [] : await this.unseenRollbacks().catch(() => []);
      this.markRollbacksSeen(rollbacks);
      this.setState({ state: 'connected', reason, recovered: { gaps, rollbacks } });
    } catch (e) {
      this.traces.abandon(e as Error);
      this.setState({ state: 'disconnected', reason: e as Error });
    }
  }

  /** @internal used by openSession */
  static create(host: string, c: Connected, opts: SessionOptions, agentPath: string): Session {
    const s = new Session(host, c.transport, c.client, c.facts, c.deployment, opts, agentPath);
    s.keeping = c.keeping;
    return s;
  }
}

function rollbackKey(r: RollbackRecord): string {
  return `${r.at}:${r.attachment}`;
}

interface Connected {
  transport: Transport;
  client: AgentClient;
  facts: HostFacts;
  deployment?: DeployResult;
  /** Leaving a kept agent on the host (in the background; a close waits for it). */
  keeping?: Promise<void>;
}

/**
 * Connects (local child process or SSH), deploys and starts the agent, and says hello. `sudoPasswordAgain`: on a
 * reconnect, the previous deployment's answer to sudo (the password the user gave once and sudo accepted), so a
 * reconnect never asks again.
 */
async function connectAgent(
  host: string,
  opts: SessionOptions,
  agentPath: string,
  sudoPasswordAgain?: DeployResult['sudoPasswordAgain'],
): Promise<Connected> {
  let transport: Transport;
  let argv: string[];
  let deployment: DeployResult | undefined;
  if (host === 'local') {
    transport = new LocalTransport();
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    argv = root ? [process.execPath, agentPath] : ['sudo', '-n', process.execPath, agentPath];
  } else {
    const ssh = await connectSsh(host, opts.ssh);
    transport = ssh;
    const keep = opts.keepAgentSeconds ?? 0;
    if (keep > 0) {
      const kept = await connectKept(host, ssh, bundleSha256(agentPath), opts.bpftoolPath, {
        clientName: opts.clientName,
        clientVersion: opts.clientVersion,
      });
      if (kept) return { transport, ...kept };
    }
    try {
      deployment = await deployAgent(transport, {
        ...opts.deploy,
        ...(sudoPasswordAgain ? { askSudoPassword: sudoPasswordAgain } : {}),
        agentPath,
        bpftoolPath: opts.bpftoolPath,
      });
      argv = deployment.argv;
    } catch (e) {
      await transport.close();
      throw e;
    }
  }
  // An argument of its own, never part of a shell string: SSH quotes each argv element (ssh/quote.ts).
  if (opts.bpftoolPath) argv = [...argv, '--bpftool', opts.bpftoolPath];
  try {
    const proc = await startAgent(transport, argv, deployment);
    const client = AgentClient.fromProcess(proc, { clientName: opts.clientName, clientVersion: opts.clientVersion });
    let facts: HostFacts;
    try {
      facts = await client.hello();
    } catch (e) {
      client.dispose();
      throw e;
    }
    const keep = opts.keepAgentSeconds ?? 0;
    const keeping =
      keep > 0 && deployment && transport instanceof SshTransport
        ? keepAgent(host, transport, client, deployment, keep, opts.bpftoolPath)
        : undefined;
    return { transport, client, facts, deployment, keeping };
  } catch (e) {
    await transport.close();
    throw e;
  }
}

function bundleSha256(agentPath: string): string {
  return createHash('sha256').update(readFileSync(agentPath)).digest('hex');
}

/** Opens a session to `host`: `local`, an ssh_config alias or user@host[:port]. */
export async function openSession(host: string, opts: SessionOptions = {}): Promise<Session> {
  if (typeof host !== 'string' || host.trim() === '') throw new Error('host: empty; give `local`, an ssh_config alias or user@host[:port]');
  const agentPath = opts.agentPath ?? defaultAgentPath();
  if (!existsSync(agentPath)) throw new Error(`agentPath: ${agentPath} does not exist; run \`node scripts/build.mjs\``);
  const c = await connectAgent(host.trim(), opts, agentPath);
  return Session.create(host.trim(), c, opts, agentPath);
}
