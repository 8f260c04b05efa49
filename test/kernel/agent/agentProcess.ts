// Test helper: starts the real dist/agent.js as a child process and talks JSON-RPC to it through vscode-jsonrpc's
// client side, exactly as the extension does over a local transport. Also compiles fixtures with clang and keeps
// the cleanup helpers every kernel test uses, so a failing test still leaves nothing behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
  ResponseError,
} from 'vscode-jsonrpc/node';
import * as proto from '../../../protocol/agent';

export const ROOT = join(__dirname, '../../..');
export const AGENT = join(ROOT, 'dist/agent.js');
export const FIXTURES = join(ROOT, 'test/fixtures/agent');
export const BPFTOOL_71 = '/usr/sbin/bpftool';
export const BPFTOOL_75 = '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool';

export interface AgentHandle {
  connection: MessageConnection;
  child: ChildProcess;
  stateDir: string;
  stderr(): string;
  logs: proto.AgentLogParams[];
  close(): Promise<void>;
}

/**
 * Builds dist/agent.js once per test process, with the options of scripts/build.mjs, but only the agent bundle (a
 * half-edited view or extension elsewhere in the tree must not stop the agent tests). Written to a temporary name
 * and renamed, so parallel test files never start a half-written agent.
 */
let built = false;
export function buildAgent(): void {
  if (built) return;
  if (!existsSync(join(ROOT, '.cache/vmlinux/vmlinux.h')) || !existsSync(join(ROOT, 'dist/bpf'))) {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'pipe' });
  }
  const tmp = join(ROOT, `dist/.agent-${process.pid}.js`);
  execFileSync(
    join(ROOT, 'node_modules/.bin/esbuild'),
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
    { cwd: ROOT, stdio: 'pipe' },
  );
  renameSync(tmp, AGENT);
  built = true;
}

export function startAgent(args: string[] = [], env: NodeJS.ProcessEnv = {}): AgentHandle {
  buildAgent();
  const stateDir = mkdtempSync(join(tmpdir(), 'end-agent-state-'));
  const child = spawn(process.execPath, [AGENT, '--state-dir', stateDir, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const logs: proto.AgentLogParams[] = [];
  connection.onNotification(proto.agentLog, (p) => {
    logs.push(p);
  });
  connection.listen();
  return {
    connection,
    child,
    stateDir,
    logs,
    stderr: () => stderr,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        // sendRequest throws at once on a connection already closed (an agent that died): that is fine here
        const asked = (async () => connection.sendRequest(proto.shutdown))().catch(() => undefined);
        await Promise.race([asked, exited]);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      connection.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs a request and returns the JSON-RPC error it fails with (the test fails if it succeeds). */
export async function expectError(p: Promise<unknown>): Promise<ResponseError<proto.AgentErrorData>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ResponseError) return e as ResponseError<proto.AgentErrorData>;
    throw e;
  }
  throw new Error('expected the request to fail, it succeeded');
}

/** clang -O2 -g -target bpf of a fixture; returns the object's bytes. */
export function compileFixture(name: string, outDir: string): Buffer {
  const out = join(outDir, `${name}.o`);
  execFileSync('clang', [
    '-O2',
    '-g',
    '-target',
    'bpf',
    '-D__TARGET_ARCH_x86',
    '-I',
    join(ROOT, 'bpf/include'),
    '-I',
    join(ROOT, '.cache/vmlinux'),
    '-c',
    join(FIXTURES, `${name}.bpf.c`),
    '-o',
    out,
  ]);
  return readFileSync(out);
}

/** A scratch directory, removed when the test process exits (also when a test failed). */
const scratch: string[] = [];
process.once('exit', () => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});
export function tmpDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `end-${tag}-`));
  scratch.push(d);
  return d;
}

/** Runs a command and returns its exit code and output, never throwing (for observing effects). */
export function sh(argv: string[], opts: { timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(argv[0], argv.slice(1), {
      timeout: opts.timeoutMs ?? 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status?: number; stdout?: Buffer; stderr?: Buffer };
    return { code: err.status ?? -1, stdout: err.stdout?.toString() ?? '', stderr: err.stderr?.toString() ?? '' };
  }
}

export function inNetns(netns: string, argv: string[]): string[] {
  return ['nsenter', `--net=/run/netns/${netns}`, '--', ...argv];
}

/** Ping loss in percent (100 when nothing came back). */
export function pingLoss(netns: string, address: string, count = 3): number {
  const r = sh(inNetns(netns, ['ping', '-c', String(count), '-i', '0.2', '-W', '1', address]), { timeoutMs: 20_000 });
  const m = /(\d+(?:\.\d+)?)% packet loss/.exec(r.stdout);
  return m ? Number(m[1]) : 100;
}

/** Best-effort removal of everything a test may have made, used in after() hooks. */
export function cleanup(opts: { netns?: string[]; pins?: string[]; cgroups?: string[]; links?: string[] }): void {
  for (const l of opts.links ?? []) sh(['ip', 'link', 'del', l]);
  for (const n of opts.netns ?? []) if (existsSync(`/run/netns/${n}`)) sh(['ip', 'netns', 'del', n]);
  for (const p of opts.pins ?? []) rmSync(p, { recursive: true, force: true });
  for (const c of opts.cgroups ?? []) sh(['rmdir', c]);
}

/** The address part of "10.1.2.3/24". */
export const ipOf = (cidr: string) => cidr.split('/')[0];
