// agent.hello: what this host is and what it can do. Built fresh on each call (the kernel is the source of truth),
// except the bpftool choice, which the agent makes once at start, and tool versions, asked once per binary.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import type { HostFacts } from '../../protocol/types';
import type { AgentContext } from '../core/context';
import { BPFFS, KERNEL_BTF, TRACEFS } from '../core/paths';
import { parseToolVersion } from '../parsers/versions';
import { findOnPath } from './bpftool';
import { ensureMounted } from './mounts';
import { versionOutput } from './versionMemo';

export const AGENT_VERSION = '0.1.0';

let checksum: string | undefined;
/** sha256 of the running bundle, read once (hello, and the kept agent's socket name). */
export function agentChecksum(): string | undefined {
  if (checksum === undefined) {
    try {
      checksum = createHash('sha256').update(readFileSync(__filename)).digest('hex');
    } catch {
      checksum = '';
    }
  }
  return checksum || undefined;
}

// A tool's version is asked once per binary (path + mtime): hello is also the client's cheap "fresh round trip"
// (the dead-man confirmation), and spawning bpftrace/clang for --version each time cost ~50 ms of it. A tool
// installed or upgraded while the agent runs has a new path or mtime, so it is asked again.
const versionCache = new Map<string, { path: string; version: string } | null>();

async function toolFacts(ctx: AgentContext, tool: string, versionArg: string): Promise<{ path: string; version: string } | null> {
  const path = findOnPath(tool);
  if (!path) return null;
  let key: string;
  try {
    key = `${path}@${statSync(path).mtimeMs}`;
  } catch {
    return null;
  }
  if (versionCache.has(key)) return versionCache.get(key) ?? null;
  // Also remembered across agent runs (versionMemo.ts): every CLI command starts an agent and says hello.
  const r = await versionOutput(ctx.run, ctx.stateDir, [path, versionArg]);
  const facts = r ? { path, version: parseToolVersion(r.out) } : null;
  if (r) versionCache.set(key, facts);
  return facts;
}

export async function hostFacts(ctx: AgentContext): Promise<HostFacts> {
  const [bpffs, tracefs, bpftrace, clang] = await Promise.all([
    ensureMounted(ctx.run, BPFFS, 'bpf', 'bpf'),
    ensureMounted(ctx.run, TRACEFS, 'tracefs', 'nodev'),
    toolFacts(ctx, 'bpftrace', '--version'),
    toolFacts(ctx, 'clang', '--version'),
  ]);
  const uid = process.getuid?.() ?? -1;
  const euid = process.geteuid?.() ?? -1;
  return {
    agentVersion: AGENT_VERSION,
    agentChecksum: agentChecksum(),
    agentPid: process.pid,
    hostname: os.hostname(),
    kernelRelease: os.release(),
    arch: os.arch(),
    nodeVersion: process.version,
    bpftool: ctx.bpftool,
    bpftrace,
    clang,
    bpffs,
    tracefs,
    btf: { path: KERNEL_BTF, present: existsSync(KERNEL_BTF) },
    privileges: { uid, euid, root: euid === 0 },
  };
}
