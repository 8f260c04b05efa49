// Commands inside a named network namespace. nsenter --net (not `ip netns exec`), because `ip netns exec` remounts
// /sys and hides /sys/fs/bpf and tracefs from the command (../shared/docs/KERNEL-FACTS.md, "The namespace trap").
import { run, runOk, type RunOptions, type RunResult } from './run';

export const NETNS_DIR = '/run/netns';

/** The argv that runs `argv` inside the network namespace `netns` (a name under /run/netns). */
export function nsArgv(netns: string, argv: string[]): string[] {
  if (!/^[A-Za-z0-9_.-]+$/.test(netns)) throw new Error(`netns: "${netns}" is not a namespace name`);
  return ['nsenter', `--net=${NETNS_DIR}/${netns}`, ...argv];
}

export function inNetns(netns: string, argv: string[], opts?: RunOptions): Promise<RunResult> {
  return run(nsArgv(netns, argv), opts);
}

export function inNetnsOk(netns: string, argv: string[], opts?: RunOptions): Promise<RunResult> {
  return runOk(nsArgv(netns, argv), opts);
}

/** The inode number that identifies a process's network namespace (what packet-path events report). */
export async function netnsInodeOfPid(pid: number | 'self'): Promise<number> {
  const r = await runOk(['stat', '-L', '-c', '%i', `/proc/${pid}/ns/net`]);
  return Number(r.stdout.trim());
}

/** The inode of a named namespace, read through a process started inside it (the same number the kernel reports). */
export async function netnsInodeOf(netns: string): Promise<number> {
  const r = await inNetnsOk(netns, ['stat', '-L', '-c', '%i', '/proc/self/ns/net']);
  return Number(r.stdout.trim());
}

/** Names under /run/netns. */
export async function listNetns(): Promise<string[]> {
  const r = await runOk(['ip', '-j', 'netns', 'list']);
  const rows = r.stdout.trim() ? (JSON.parse(r.stdout) as { name: string }[]) : [];
  return rows.map((x) => x.name);
}
