// The agent under test, as a user's CLI runs it with `--host local`: `node dist/agent.js` as a child process,
// spoken to over its stdio with vscode-jsonrpc. The one agent harness of the tests and benchmarks:
//   const agent = await startAgent();
//   const lab = await agent.request(labCreate, { name: 'h1dp', topology: { kind: 'pair' } });
//   ...; await agent.dispose();
// A JSON-RPC error of request() becomes an AgentRequestError whose message carries the agent's code, words and
// data (tool output), so a failing test shows what bpftool or the verifier said. Tests that assert on the raw
// JSON-RPC error use agent.connection.sendRequest with expectError().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError, type MessageConnection, type RequestType, type RequestType0 } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { agentLog, shutdown, type AgentErrorData, type AgentLogParams } from '../../../protocol/agent';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const AGENT_BUNDLE = join(REPO_ROOT, 'dist', 'agent.js');
/** The two bpftool versions setup installs side by side (Debian's 7.1, bookworm-backports' 7.5). */
export const BPFTOOL_71 = '/usr/sbin/bpftool';
export const BPFTOOL_75 = '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool';

/**
 * How long an agent asked to shut down may take before dispose() kills it. A bound on a failure (an agent that
 * hangs), not a wait: dispose() returns as soon as the process has exited.
 */
const SHUTDOWN_GRACE_MS = 3_000;

export interface AgentProcess {
  connection: MessageConnection;
  child: ChildProcess;
  /** A typed request; rejects with AgentRequestError. */
  request<P, R>(type: RequestType<P, R, AgentErrorData>, params: P): Promise<R>;
  request0<R>(type: RequestType0<R, AgentErrorData>): Promise<R>;
  /** The agent's private --state-dir (removed by dispose). */
  stateDir: string;
  /** Everything the agent wrote to stderr so far (its log; never protocol). */
  stderr(): string;
  /** The agent.log notifications so far (what a client is told: a busy trace_pipe, framing garbage...). */
  logs: AgentLogParams[];
  /** Resolves when the process has exited (killed, crashed or shut down). */
  exited: Promise<void>;
  /** Asks the agent to shut down, then makes sure the process is gone. Safe to call twice. */
  dispose(): Promise<void>;
}

/** A JSON-RPC error from the agent, with its code and data kept for assertions. */
export class AgentRequestError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly agentMessage: string,
    readonly data: AgentErrorData | undefined,
  ) {
    super(`${method} failed (${code}): ${agentMessage}${data ? `\n${JSON.stringify(data, null, 1).slice(0, 4000)}` : ''}`);
  }
}

export interface StartAgentOptions {
  /** Extra arguments for dist/agent.js. */
  args?: string[];
  /** bpftool for the agent (--bpftool), e.g. BPFTOOL_75; the agent picks one when absent. */
  bpftool?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Run this file instead of dist/agent.js (a copy, as a deploy puts one under a version directory); then
   * nothing is built.
   */
  bundle?: string;
}

/**
 * Builds dist/agent.js once per test process, with the options of scripts/build.mjs but only the agent bundle, so
 * an agent test always runs the agent's current source (a half-edited view or extension elsewhere in the tree must
 * not stop it). Written to a temporary name and renamed, so parallel test files never start a half-written agent.
 */
let built = false;
export function buildAgent(): void {
  if (built) return;
  if (!existsSync(join(REPO_ROOT, '.cache/vmlinux/vmlinux.h')) || !existsSync(join(REPO_ROOT, 'dist/bpf'))) {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build.mjs')], { cwd: REPO_ROOT, stdio: 'pipe' });
  }
  const tmp = join(REPO_ROOT, `dist/.agent-${process.pid}.js`);
  execFileSync(
    join(REPO_ROOT, 'node_modules/.bin/esbuild'),
    [
      'remote-agent/main.ts',
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--target=node18',
      '--loader:.o=binary',
      '--log-level=error',
      `--outfile=${tmp}`,
    ],
    { cwd: REPO_ROOT, stdio: 'pipe' },
  );
  renameSync(tmp, AGENT_BUNDLE);
  built = true;
}

export async function startAgent(opts: StartAgentOptions = {}): Promise<AgentProcess> {
  const bundle = opts.bundle ?? AGENT_BUNDLE;
  if (!opts.bundle) buildAgent();
  // A private state directory per agent: object records of tests never mix with the host's (or each other's).
  const stateDir = mkdtempSync(join(tmpdir(), 'end-agent-'));
  const args = ['--state-dir', stateDir, ...(opts.bpftool ? ['--bpftool', opts.bpftool] : []), ...(opts.args ?? [])];
  const child = spawn(process.execPath, [bundle, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  // vscode-jsonrpc keeps one handler per notification: tests read `logs` instead of registering their own.
  const logs: AgentLogParams[] = [];
  connection.onNotification(agentLog, (p) => {
    logs.push(p);
  });
  connection.listen();

  const wrap = <R>(method: string, p: Promise<R>): Promise<R> =>
    p.catch((e: unknown) => {
      if (e instanceof ResponseError) throw new AgentRequestError(method, e.code, e.message, e.data as AgentErrorData | undefined);
      throw new Error(`${method}: ${(e as Error).message}; agent stderr: ${stderr.trim().slice(-2000)}`);
    });

  let disposed = false;
  return {
    connection,
    child,
    stateDir,
    logs,
    exited,
    request<P, R>(type: RequestType<P, R, AgentErrorData>, params: P): Promise<R> {
      return wrap(type.method, connection.sendRequest(type, params as never));
    },
    request0<R>(type: RequestType0<R, AgentErrorData>): Promise<R> {
      return wrap(type.method, connection.sendRequest(type));
    },
    stderr: () => stderr,
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (child.exitCode === null && child.signalCode === null) {
        // A polite shutdown, then wait for the exit itself; only an agent that hangs is killed at the bound.
        const killer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
        // sendRequest throws at once on a connection already closed (an agent that just died): fine here
        (async () => connection.sendRequest(shutdown))().catch(() => undefined);
        await exited;
        clearTimeout(killer);
      }
      connection.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a request and returns the JSON-RPC error it fails with (the test fails if it succeeds). Takes the raw
 * connection's ResponseError and request()'s AgentRequestError alike.
 */
export async function expectError(p: Promise<unknown>): Promise<ResponseError<AgentErrorData>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ResponseError) return e as ResponseError<AgentErrorData>;
    if (e instanceof AgentRequestError) return new ResponseError<AgentErrorData>(e.code, e.agentMessage, e.data);
    throw e;
  }
  throw new Error('expected the request to fail, it succeeded');
}
