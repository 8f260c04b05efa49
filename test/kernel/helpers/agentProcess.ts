// The agent under test, as a user's CLI runs it with `--host local`: `node dist/agent.js` as a child process,
// spoken to over its stdio with vscode-jsonrpc. Tests call the typed methods of protocol/agent.ts through it:
//   const agent = await startAgent();
//   const lab = await agent.request(labCreate, { name: 'h1dp', topology: { kind: 'pair' } });
//   ...; await agent.dispose();
// A JSON-RPC error becomes an Error whose message carries the agent's code, words and data (tool output), so a
// failing test shows what bpftool or the verifier said.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError, type MessageConnection, type RequestType, type RequestType0 } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { shutdown, type AgentErrorData } from '../../../protocol/agent';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const AGENT_BUNDLE = join(REPO_ROOT, 'dist', 'agent.js');

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
  /** bpftool for the agent (--bpftool), e.g. /opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool; the agent picks one when absent. */
  bpftool?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startAgent(opts: StartAgentOptions = {}): Promise<AgentProcess> {
  if (!existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run \`node scripts/build.mjs\` first`);
  // A private state directory per agent: object records of tests never mix with the host's (or each other's).
  const stateDir = mkdtempSync(join(tmpdir(), 'end-agent-'));
  const args = ['--state-dir', stateDir, ...(opts.bpftool ? ['--bpftool', opts.bpftool] : []), ...(opts.args ?? [])];
  const child = spawn(process.execPath, [AGENT_BUNDLE, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
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
        // A polite shutdown first; an agent that does not answer within a few seconds is killed.
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await Promise.race([connection.sendRequest(shutdown).catch(() => undefined), exited]);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
        clearTimeout(timer);
      }
      connection.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
