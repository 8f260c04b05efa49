// Which bpftool the agent uses on this host: `--bpftool PATH` / EBPF_NETDEBUG_BPFTOOL when given, else the newest
// of /opt/ebpf-netdebug/bpftool-*/usr/sbin/bpftool, /usr/sbin/bpftool, the first one on PATH and the runtime's
// (`--runtime-bpftool`, brought by the client when the host has none >= 7.5; the host's wins a tie) (a host may keep
// the distribution's old bpftool beside a newer one that knows tcx and autoattach).
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { BpftoolFacts } from '../../protocol/types';
import type { Runner } from '../core/runner';
import { versionOutput } from './versionMemo';
import { bpftoolFeatures, compareVersions, parseBpftoolVersion } from '../parsers/versions';

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(tool: string, pathEnv = process.env.PATH ?? ''): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir && executable(join(dir, tool))) return join(dir, tool);
  }
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (executable(join(dir, tool))) return join(dir, tool);
  }
  return null;
}

export function bpftoolCandidates(optDir = '/opt/ebpf-netdebug', runtimeBpftool?: string): string[] {
  const found: string[] = [];
  if (existsSync(optDir)) {
    for (const d of readdirSync(optDir)) {
      if (d.startsWith('bpftool-')) {
        const p = join(optDir, d, 'usr/sbin/bpftool');
        if (executable(p)) found.push(p);
      }
    }
  }
  if (executable('/usr/sbin/bpftool')) found.push('/usr/sbin/bpftool');
  const onPath = findOnPath('bpftool');
  if (onPath && !found.includes(onPath)) found.push(onPath);
  if (runtimeBpftool && executable(runtimeBpftool) && !found.includes(runtimeBpftool)) found.push(runtimeBpftool);
  return found;
}

/** `stateDir`: where the version answers are remembered across agent runs (versionMemo.ts). */
export async function probeBpftool(runner: Runner, path: string, kernelRelease: string, stateDir?: string): Promise<BpftoolFacts | null> {
  const r = await versionOutput(runner, stateDir, [path, '-j', 'version']);
  if (!r?.ok) return null;
  const v = parseBpftoolVersion(r.out);
  return { path, version: v.version, libbpfVersion: v.libbpfVersion, features: bpftoolFeatures(v.version, kernelRelease) };
}

/** The chosen bpftool: the explicit one when given (even if it is broken: then null, and requests say ToolMissing). */
export async function chooseBpftool(
  runner: Runner,
  explicit: string | undefined,
  kernelRelease: string,
  runtimeBpftool?: string,
  stateDir?: string,
): Promise<BpftoolFacts | null> {
  if (explicit) return probeBpftool(runner, explicit, kernelRelease, stateDir);
  // Asked all at once; the first of equal versions wins, as in the candidates' order.
  const found = await Promise.all(
    bpftoolCandidates(undefined, runtimeBpftool).map((c) => probeBpftool(runner, c, kernelRelease, stateDir)),
  );
  let best: BpftoolFacts | null = null;
  for (const f of found) if (f && (!best || compareVersions(f.version, best.version) > 0)) best = f;
  return best;
}
