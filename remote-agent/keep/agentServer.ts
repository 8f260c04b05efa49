// The kept agent (docs/ssh.md "Kept agent"): `agent.js --serve SOCKET --idle-exit S [agent options]`, a root
// process that stays on the host after a session ends and starts a fresh agent for each later connection to its
// unix socket. A client reaches the socket through SSH's stream-local forwarding (direct-streamlocal@openssh.com),
// which runs no command on the host: no login shell, so none of the login's rc files (a `pyenv init` in root's
// .bashrc costs 0.55 s per exec on the test VM), no probe, no sudo.
//
// Each connection gets its own agent process, serving that connection alone: exactly the agent an exec starts, so what ends with the agent (trace readers, stats, captures, leases) still ends with the client's
// connection. The server itself only accepts and spawns. It keeps one agent started ahead of need
// (readyAgent.ts: Node's start, the bundle and the bpftool choice done, 0.2-0.3 s) and hands it the next
// connection over an IPC channel; only when none is ready is one spawned with the connection as its stdio.
//
// Safety:
// - The socket is root's alone: mode 0600 in a 0700 directory under /run that root owns. Only a root login can open
//   it; the client uses it only for root logins (extension/core/deploy/keptAgent.ts).
// - It serves only the bundle it was started with: a connection finding agent.js changed (another version deployed
//   to the same path) is closed, and the server exits; the client then starts its agent the usual way.
// - It ends by itself: after `idle` seconds with no agent running, or once its bundle is gone (`host clean`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { AWAIT_FLAG, CONNECTION_MESSAGE, READY_MESSAGE } from './readyAgent';

export interface ServeOptions {
  socket: string;
  idleSeconds: number;
  /** The agent bundle every connection's agent runs (this process's own file). */
  bundle: string;
  /** Its sha256 when the server started: a bundle changed since is not served. */
  bundleSha: string;
  /** The agent's own options (--state-dir, --bpftool, --runtime-bpftool), passed to each agent. */
  agentArgs: string[];
}

/** How often the server looks for its bundle (and its idleness). */
const CHECK_MS = 2000;

function sha256Of(file: string): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/**
 * Whether `file` no longer holds the bytes of `sha`: hashed again only when its inode, size or mtime moved, so the
 * idle server's periodic look is a stat, not a read of the whole bundle.
 */
function bundleWatcher(file: string, sha: string): () => boolean {
  const stamp = () => {
    try {
      const st = statSync(file);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return '';
    }
  };
  let seen = stamp();
  let changed = seen === '';
  return () => {
    const now = stamp();
    if (now !== seen) {
      seen = now;
      changed = now === '' || sha256Of(file) !== sha;
    }
    return changed;
  };
}

/** The one agent kept started ahead of the next connection (readyAgent.ts). */
class ReadyAgents {
  private child: ChildProcess | undefined;
  private isReady = false;
  constructor(
    private readonly bundle: string,
    private readonly agentArgs: string[],
  ) {}

  /** Starts one unless one is waiting or starting. */
  start(): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null && this.child.connected) return;
    const child = spawn(process.execPath, [this.bundle, AWAIT_FLAG, ...this.agentArgs], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    this.child = child;
    this.isReady = false;
    child.on('message', (m) => {
      if (m === READY_MESSAGE && this.child === child) this.isReady = true;
    });
    const gone = () => {
      if (this.child === child) this.child = undefined;
    };
    child.once('exit', gone);
    child.once('error', gone);
  }

  /** The waiting agent, if it is ready (no longer this object's). */
  take(): ChildProcess | undefined {
    const c = this.child;
    if (!c || !this.isReady || !c.connected || c.exitCode !== null || c.signalCode !== null) return undefined;
    this.child = undefined;
    return c;
  }

  stop(): void {
    this.child?.kill();
    this.child = undefined;
  }
}

export function pidFileOf(socket: string): string {
  return `${socket}.pid`;
}

export async function serveAgents(o: ServeOptions): Promise<void> {
  mkdirSync(dirname(o.socket), { recursive: true, mode: 0o700 });
  chmodSync(dirname(o.socket), 0o700);
  // A socket file left by a server that died: nothing listens there (the caller checked), so it can go.
  rmSync(o.socket, { force: true });
  const agents = new Set<ChildProcess>();
  const bundleChanged = bundleWatcher(o.bundle, o.bundleSha);
  let idleSince = Date.now();

  const stop = () => {
    ready.stop();
    server.close();
    rmSync(o.socket, { force: true });
    rmSync(pidFileOf(o.socket), { force: true });
    process.exit(0);
  };

  const track = (child: ChildProcess) => {
    agents.add(child);
    child.once('exit', () => {
      agents.delete(child);
      if (agents.size === 0) idleSince = Date.now();
    });
    child.once('error', () => agents.delete(child));
  };
  const ready = new ReadyAgents(o.bundle, o.agentArgs);

  const onConnection = (sock: Socket) => {
    if (bundleChanged()) {
      sock.destroy();
      stop();
      return;
    }
    const waiting = ready.take();
    if (waiting) {
      track(waiting);
      // Node passes the descriptor and closes ours once it is sent.
      waiting.send(CONNECTION_MESSAGE, sock, (err) => {
        if (err) sock.destroy();
      });
    } else {
      const child = spawn(process.execPath, [o.bundle, ...o.agentArgs], { stdio: [sock, sock, 'ignore'] });
      track(child);
      // The agent holds its own copy of the connection now.
      sock.destroy();
    }
    ready.start();
  };

  const server: Server = createServer({ pauseOnConnect: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.socket, () => resolve());
  });
  chmodSync(o.socket, 0o600);
  writeFileSync(pidFileOf(o.socket), String(process.pid), { mode: 0o600 });
  ready.start();
  setInterval(() => {
    if (bundleChanged()) return stop();
    if (agents.size === 0 && Date.now() - idleSince >= o.idleSeconds * 1000) stop();
  }, CHECK_MS);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Started in a session of its own, but a hangup must never end it mid-accept either.
  process.on('SIGHUP', () => undefined);
}
