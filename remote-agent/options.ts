// Command line of dist/agent.js:
//   node agent.js [--bpftool PATH] [--state-dir DIR]      serve JSON-RPC on stdin/stdout
//   node agent.js --watchdog PLANFILE                     run a dead-man watchdog (remote-agent/safety)
// EBPF_NETDEBUG_BPFTOOL stands in for --bpftool.
import { join } from 'node:path';

export interface AgentOptions {
  watchdog?: string;
  bpftool?: string;
  stateDir: string;
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): string {
  if (uid === 0) return '/var/lib/ebpf-netdebug';
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
    else if (a === '--state-dir') opts.stateDir = value();
    else if (a === '--stdio') continue; // what vscode-jsonrpc clients sometimes add
    else throw new Error(`unknown option ${a} (known: --bpftool PATH, --state-dir DIR, --watchdog PLANFILE)`);
  }
  return opts;
}
