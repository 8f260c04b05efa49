// Version strings of the tools the agent finds on a host, and what each version can do. Pure functions.
import type { BpftoolFacts } from '../../protocol/types';

/** "7.5.0" -> [7, 5, 0]; anything unparsable -> [0, 0, 0] so it sorts oldest. */
export function versionTuple(v: string): number[] {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [0, 0, 0];
}

export function compareVersions(a: string, b: string): number {
  const x = versionTuple(a);
  const y = versionTuple(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** `bpftool -j version` -> version and libbpf version. Accepts the plain text form too ("bpftool v7.1.0"). */
export function parseBpftoolVersion(stdout: string): { version: string; libbpfVersion?: string } {
  const text = stdout.trim();
  if (text.startsWith('{')) {
    const j = JSON.parse(text) as { version?: string; libbpf_version?: string };
    return { version: j.version ?? '0.0.0', libbpfVersion: j.libbpf_version };
  }
  const v = /bpftool v?(\d+\.\d+(?:\.\d+)?)/.exec(text);
  const l = /libbpf v?(\d+\.\d+(?:\.\d+)?)/.exec(text);
  return { version: v ? v[1] : '0.0.0', libbpfVersion: l ? l[1] : undefined };
}

/** What a bpftool version can do on a kernel of `kernelRelease`. */
export function bpftoolFeatures(version: string, kernelRelease: string): BpftoolFacts['features'] {
  const kernelHasTcx = compareVersions(kernelRelease, '6.6.0') >= 0;
  return {
    autoattach: compareVersions(version, '7.2.0') >= 0,
    tcx: compareVersions(version, '7.4.0') >= 0 && kernelHasTcx,
    netShowTcx: compareVersions(version, '7.4.0') >= 0,
  };
}

/** "bpftrace v0.17.0" -> "0.17.0"; "Debian clang version 14.0.6" -> "14.0.6". */
export function parseToolVersion(stdout: string): string {
  const m = /(\d+\.\d+(?:\.\d+)?)/.exec(stdout);
  return m ? m[1] : stdout.trim().split('\n')[0];
}
