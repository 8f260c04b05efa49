// The runtime the agent brings to a host without a usable Node.js or bpftool >= 7.5: one tarball per host CPU,
// built by scripts/build-runtime.sh (Node.js from the npm registry, Debian's bpftool and the libraries both need,
// started through their own dynamic loader). The client finds them beside the agent bundle (dist/runtime/, shipped
// in the VSIX), or where $EBPF_NETDEBUG_RUNTIME_DIR / DeployOptions.runtimeDir says (an offline copy).
// See docs/deploy.md.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface RuntimeArtifact {
  /** x64 | arm64 (npm's names). */
  arch: string;
  /** What `uname -m` says on a host of this CPU. */
  machine: string;
  tarball: string;
  sha256: string;
  size: number;
  node: string;
  bpftool: string;
  /** Its directory on the host, under the cache directory: one per content. */
  dirName: string;
}

/** CPUs we have a runtime for, as `uname -m` names them, with the names some kernels use for the same CPU. */
const MACHINE_ALIASES: Record<string, string> = { x86_64: 'x86_64', amd64: 'x86_64', aarch64: 'aarch64', arm64: 'aarch64' };

export function normalizeMachine(m: string): string {
  return MACHINE_ALIASES[m] ?? m;
}

/** Where the runtime tarballs are: the explicit directory, $EBPF_NETDEBUG_RUNTIME_DIR, dist/runtime beside the bundle. */
export function runtimeDirFor(agentPath: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.EBPF_NETDEBUG_RUNTIME_DIR) return env.EBPF_NETDEBUG_RUNTIME_DIR;
  return join(dirname(agentPath), 'runtime');
}

/** The runtimes found in `dir` (linux-<arch>.json beside linux-<arch>.tar.gz); none when the directory is missing. */
export function findRuntimes(dir: string): RuntimeArtifact[] {
  if (!existsSync(dir)) return [];
  const found: RuntimeArtifact[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^linux-([a-z0-9]+)\.json$/.exec(f);
    if (!m) continue;
    const tarball = join(dir, `linux-${m[1]}.tar.gz`);
    if (!existsSync(tarball)) continue;
    const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      sha256?: string;
      size?: number;
      machine?: string;
      node?: string;
      bpftool?: string;
    };
    if (!j.sha256 || !/^[0-9a-f]{64}$/.test(j.sha256) || !j.machine || !/^[a-z0-9_]+$/.test(j.machine)) continue;
    found.push({
      arch: m[1],
      machine: j.machine,
      tarball,
      sha256: j.sha256,
      size: j.size ?? 0,
      node: j.node ?? '?',
      bpftool: j.bpftool ?? '?',
      dirName: `runtime-${m[1]}-${j.sha256.slice(0, 16)}`,
    });
  }
  return found.sort((a, b) => a.arch.localeCompare(b.arch));
}

/** The probe's $4: "MACHINE:DIR:SHA256 ..." for every runtime we could bring. */
export function runtimesArgument(runtimes: RuntimeArtifact[]): string {
  return runtimes.map((r) => `${r.machine}:${r.dirName}:${r.sha256}`).join(' ');
}

export function runtimeForMachine(runtimes: RuntimeArtifact[], machine: string): RuntimeArtifact | undefined {
  return runtimes.find((r) => r.machine === normalizeMachine(machine));
}

/** The bpftool version the packet path tracer prefers (autoattach, tcx). */
export const WANTED_BPFTOOL = [7, 5];

export function bpftoolGoodEnough(version: string): boolean {
  const [a, b] = version.split('.').map(Number);
  return a > WANTED_BPFTOOL[0] || (a === WANTED_BPFTOOL[0] && b >= WANTED_BPFTOOL[1]);
}
