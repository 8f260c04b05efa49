// One TCP stream between two namespaces (or inside one), with both ends as real processes (tcpPeer.ts), and the
// proof that every byte arrived: the sender's and the receiver's byte counts and sha256 digests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { nsArgv } from './netns';

const PEER_SOURCE = join(__dirname, 'tcpPeer.ts');
let peerScript: string | undefined;

/**
 * tcpPeer.ts compiled once per test process to plain JavaScript: starting it through tsx costs a second or more
 * per process on a busy machine, and a stream needs two.
 */
function peer(): string {
  if (!peerScript) {
    const dir = mkdtempSync(join(tmpdir(), 'end-peer-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    peerScript = join(dir, 'tcpPeer.js');
    buildSync({ entryPoints: [PEER_SOURCE], outfile: peerScript, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
  }
  return peerScript;
}

export interface StreamEnd {
  netns: string;
  cgroup?: string;
}

export interface StreamOptions {
  server: StreamEnd & { port: number; bind?: string };
  client: StreamEnd & { host: string };
  bytes: number;
  /** Bytes per write() (default 16384). */
  chunk?: number;
}

export interface StreamResult {
  sent: { bytes: number; sha256: string };
  received: { bytes: number; sha256: string };
}

interface PeerSummary {
  role?: string;
  listening?: number;
  bytes?: number;
  sha256?: string;
}

/** Processes of streams still running, so a failing test's after() can kill them (killStreams). */
const live = new Set<ChildProcess>();

function startPeer(netns: string, args: string[]): { child: ChildProcess; lines: AsyncIterable<PeerSummary>; stderr: () => string } {
  const argv = nsArgv(netns, [process.execPath, peer(), ...args]);
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  async function* lines(): AsyncGenerator<PeerSummary> {
    let buf = '';
    for await (const d of child.stdout!) {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim()) yield JSON.parse(line) as PeerSummary;
      }
    }
  }
  return { child, lines: lines(), stderr: () => err };
}

async function next(it: AsyncIterator<PeerSummary>, what: string, stderr: () => string): Promise<PeerSummary> {
  const r = await it.next();
  if (r.done) throw new Error(`${what} ended without a summary: ${stderr().trim()}`);
  return r.value;
}

/** Runs one stream to its end and returns both summaries. Rejects with the peers' stderr when either fails. */
export async function runStream(opts: StreamOptions): Promise<StreamResult> {
  const s = opts.server;
  const server = startPeer(s.netns, [
    'serve',
    '--port',
    String(s.port),
    ...(s.bind ? ['--bind', s.bind] : []),
    ...(s.cgroup ? ['--cgroup', s.cgroup] : []),
  ]);
  const serverLines = server.lines[Symbol.asyncIterator]();
  const ready = await next(serverLines, 'server', server.stderr);
  if (ready.listening !== s.port) throw new Error(`server did not listen: ${JSON.stringify(ready)}`);

  const c = opts.client;
  const client = startPeer(c.netns, [
    'send',
    '--host',
    c.host,
    '--port',
    String(s.port),
    '--bytes',
    String(opts.bytes),
    ...(opts.chunk ? ['--chunk', String(opts.chunk)] : []),
    ...(c.cgroup ? ['--cgroup', c.cgroup] : []),
  ]);
  const clientLines = client.lines[Symbol.asyncIterator]();
  const [sent, received] = await Promise.all([next(clientLines, 'client', client.stderr), next(serverLines, 'server', server.stderr)]);
  return {
    sent: { bytes: sent.bytes ?? -1, sha256: sent.sha256 ?? '' },
    received: { bytes: received.bytes ?? -1, sha256: received.sha256 ?? '' },
  };
}

/** Kills every stream process still running (for after() hooks of a test that failed mid-stream). */
export function killStreams(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  live.clear();
}

/** Pids of stream processes still running (the cleanup test checks none are left). */
export function liveStreamPids(): number[] {
  return [...live].filter((c) => c.exitCode === null && c.pid !== undefined).map((c) => c.pid!);
}

/**
 * Starts only the listening end (it waits for one connection) and resolves once it listens; for tests that need a
 * process to exist (the cleanup test). killStreams() / sweep() end it.
 */
export async function startListener(end: StreamEnd & { port: number }): Promise<number> {
  const server = startPeer(end.netns, ['serve', '--port', String(end.port), ...(end.cgroup ? ['--cgroup', end.cgroup] : [])]);
  const ready = await next(server.lines[Symbol.asyncIterator](), 'listener', server.stderr);
  if (ready.listening !== end.port || server.child.pid === undefined) throw new Error(`listener did not start: ${JSON.stringify(ready)}`);
  return server.child.pid;
}
