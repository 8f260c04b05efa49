// Command line of dist/agent.js:
//   node agent.js [--bpftool PATH] [--runtime-bpftool PATH] [--state-dir DIR]   serve JSON-RPC on stdin/stdout
//   node agent.js --watchdog PLANFILE                     run a dead-man watchdog (remote-agent/safety)
//   node - --watchdog-standby ROOM                        a watchdog started ahead of its plan (remote-agent/safety/watchdogStandby.ts)
//   node agent.js --serve SOCKET --idle-exit S [options]  a kept agent: an agent per connection (remote-agent/keep)
//   node agent.js --await-connection [options]            a kept agent's agent started ahead of its connection
// EBPF_NETDEBUG_BPFTOOL stands in for --bpftool.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AgentOptions {
  watchdog?: string;
  /** Kept agent: the unix socket to serve, and the seconds without a connection after which it ends. */
  serve?: { socket: string; idleSeconds: number };
  /** The options an agent of this command line runs with (without --serve/--idle-exit): what a kept agent passes on. */
  agentArgs: string[];
  bpftool?: string;
  /** The bpftool of the runtime the client brought (extension/core/deploy/runtime.ts): one more candidate. */
  runtimeBpftool?: string;
  stateDir: string;
}

/**
 * Root keeps its state in its own cache directory, beside the agent (nothing of ours outside the login's cache
 * directory; over SSH the client passes --state-dir under the login's). Others: the runtime directory.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (uid === 0) return join(env.HOME || homedir(), '.cache', 'ebpf-netdebug', 'state');
  return env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'ebpf-netdebug') : `/tmp/ebpf-netdebug-${uid}`;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentOptions {
  const opts: AgentOptions = { stateDir: defaultStateDir(env), bpftool: env.EBPF_NETDEBUG_BPFTOOL || undefined, agentArgs: [] };
  let serveSocket: string | undefined;
  let idleSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--watchdog') opts.watchdog = value();
    else if (a === '--serve') serveSocket = value();
    else if (a === '--idle-exit') idleSeconds = Number(value());
    else if (a === '--bpftool') opts.agentArgs.push(a, (opts.bpftool = value()));
    else if (a === '--runtime-bpftool') opts.agentArgs.push(a, (opts.runtimeBpftool = value()));
    else if (a === '--state-dir') opts.agentArgs.push(a, (opts.stateDir = value()));
    else if (a === '--stdio' || a === '--await-connection')
      continue; // what vscode-jsonrpc clients sometimes add; a kept agent's ready agent (keep/readyAgent.ts)
    else
      throw new Error(
        `unknown option ${a} (known: --bpftool PATH, --runtime-bpftool PATH, --state-dir DIR, --watchdog PLANFILE, --serve SOCKET --idle-exit S)`,
      );
  }
  if (serveSocket !== undefined) {
    if (!serveSocket.startsWith('/')) throw new Error('--serve needs an absolute socket path');
    if (!Number.isInteger(idleSeconds) || idleSeconds! < 1 || idleSeconds! > 86_400)
      throw new Error('--serve needs --idle-exit SECONDS (1 to 86400)');
    opts.serve = { socket: serveSocket, idleSeconds: idleSeconds! };
  }
  return opts;
}
