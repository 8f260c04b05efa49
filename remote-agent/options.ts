// Command line of dist/agent.js:
//   node agent.js [--bpftool PATH] [--runtime-bpftool PATH] [--state-dir DIR]   serve JSON-RPC on stdin/stdout
//   node agent.js --watchdog PLANFILE                     run a dead-man watchdog (remote-agent/safety)
// EBPF_NETDEBUG_BPFTOOL stands in for --bpftool.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AgentOptions {
  watchdog?: string;
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
  const opts: AgentOptions = { stateDir: defaultStateDir(env), bpftool: env.EBPF_NETDEBUG_BPFTOOL || undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--watchdog') opts.watchdog = value();
    else if (a === '--bpftool') opts.bpftool = value();
    else if (a === '--runtime-bpftool') opts.runtimeBpftool = value();
    else if (a === '--state-dir') opts.stateDir = value();
    else if (a === '--stdio')
      continue; // what vscode-jsonrpc clients sometimes add
    else throw new Error(`unknown option ${a} (known: --bpftool PATH, --runtime-bpftool PATH, --state-dir DIR, --watchdog PLANFILE)`);
  }
  return opts;
}
