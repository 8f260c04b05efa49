// Everything a scenario test makes carries its token: namespaces end_TOKEN_*, cgroups end_TOKEN*, pins
// /sys/fs/bpf/ebpf-netdebug/end_TOKEN* (objects loaded through the agent) and /sys/fs/bpf/end_TOKEN*. sweep(token)
// removes all of it straight from the kernel (no agent needed: it must work when the agent is what failed), and
// leftovers(token) lists what is still there, so a test can assert that nothing is left behind.
// A token is the file's base plus the test process's pid (runToken), so two runs of the same file at once (two
// people on one machine) never touch each other's things, and sweepStale(base) can still remove what a run that
// was killed hard left behind: its pid is gone.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP2_ROOT, removeCgroup } from './cgroup';
import { listNetns } from './netns';
import { run, runOk, runSync } from './run';
import { killStreams, liveStreamPids } from './tcpStream';
import { until } from './until';

export const AGENT_PIN_ROOT = '/sys/fs/bpf/ebpf-netdebug';
const BPFFS = '/sys/fs/bpf';

function checkToken(token: string): void {
  // A short token would match other people's things (end_a* ...): insist on something distinctive.
  if (!/^[a-z0-9]{3,8}$/.test(token)) throw new Error(`token "${token}" must be 3-8 lowercase letters or digits`);
}

/** A token unique to this run of a test file: BASE (3 lowercase letters/digits) + this process's pid in base 36. */
export function runToken(base: string, pid = process.pid): string {
  if (!/^[a-z0-9]{3}$/.test(base)) throw new Error(`token base "${base}" must be 3 lowercase letters or digits`);
  return `${base}${pid.toString(36)}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Sweeps what earlier runs of a file left when they were killed: every token BASE+pid whose process no longer
 * exists. Returns the tokens swept. (A pid that was reused meanwhile only makes it wait for a later sweep.)
 */
export async function sweepStale(base: string): Promise<string[]> {
  runToken(base, 1); // validates base
  const names = [...(await listNetns()), ...[CGROUP2_ROOT, AGENT_PIN_ROOT, BPFFS].flatMap((d) => (existsSync(d) ? readdirSync(d) : []))];
  const stale = new Set<string>();
  for (const name of names) {
    const m = /^end_([a-z0-9]+)(_|$)/.exec(name);
    if (!m || !m[1].startsWith(base)) continue;
    const rest = m[1].slice(base.length);
    // Test pids are in the hundreds at least (2+ base-36 digits); a 1-letter tail is somebody else's naming.
    if (!/^[0-9a-z]{2,6}$/.test(rest)) continue;
    const pid = parseInt(rest, 36);
    if (pid !== process.pid && !pidAlive(pid)) stale.add(m[1]);
  }
  for (const token of stale) await sweep(token);
  return [...stale];
}

function owned(name: string, token: string): boolean {
  return name === `end_${token}` || name.startsWith(`end_${token}_`);
}

function ownedEntries(dir: string, token: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => owned(n, token))
    .map((n) => join(dir, n));
}

export interface SweepOptions {
  /** Program ids the test loaded: reported by leftovers() while the kernel still has them. */
  progIds?: number[];
  /**
   * How long to let the kernel finish releasing programs (default 5000 ms). A removed cgroup drops its programs
   * from a deferred work item, and a deleted namespace its XDP programs after an RCU grace period, so a program
   * can outlive its last holder by a moment; only one still there after this is a leftover.
   */
  releaseWaitMs?: number;
}

async function programStillLoaded(id: number, waitMs: number): Promise<string | undefined> {
  let shown: string | undefined;
  const released = async () => {
    const r = await run(['bpftool', 'prog', 'show', 'id', String(id)]);
    shown = r.code === 0 ? r.stdout.trim() : undefined;
    return shown === undefined;
  };
  // Timing out is the answer here (the program stayed), not a failure of the wait.
  await until(released, `program id ${id} released`, waitMs, 100).catch(() => undefined);
  return shown;
}

/** What of the test's making is still in the kernel or running; empty when the test cleaned up. */
export async function leftovers(token: string, opts: SweepOptions = {}): Promise<string[]> {
  checkToken(token);
  const found: string[] = [];
  for (const ns of await listNetns()) if (owned(ns, token)) found.push(`netns ${ns}`);
  for (const p of ownedEntries(CGROUP2_ROOT, token)) found.push(`cgroup ${p}`);
  for (const p of [...ownedEntries(AGENT_PIN_ROOT, token), ...ownedEntries(BPFFS, token)]) found.push(`pin ${p}`);
  for (const id of opts.progIds ?? []) {
    const shown = await programStillLoaded(id, opts.releaseWaitMs ?? 5_000);
    if (shown) found.push(`program id ${id}: ${shown}`);
  }
  for (const pid of liveStreamPids()) found.push(`process ${pid}`);
  return found;
}

/**
 * Removes everything the token names: stream processes, processes inside the test's namespaces, the namespaces
 * (with their veths, qdiscs and XDP programs), cgroups (with their sock_ops programs) and pins (which releases
 * the programs and maps, and the sk_msg programs attached to a sockhash). Idempotent; safe in after() hooks.
 */
export async function sweep(token: string): Promise<void> {
  checkToken(token);
  killStreams();
  for (const ns of await listNetns()) {
    if (!owned(ns, token)) continue;
    // Only the test's own processes can live in its namespace; they would keep the namespace alive.
    const pids = await run(['ip', 'netns', 'pids', ns]);
    for (const pid of pids.stdout.split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await runOk(['ip', 'netns', 'del', ns]);
  }
  for (const p of ownedEntries(CGROUP2_ROOT, token)) await removeCgroup(p);
  for (const p of [...ownedEntries(AGENT_PIN_ROOT, token), ...ownedEntries(BPFFS, token)]) {
    rmSync(p, { recursive: true, force: true });
  }
}

/**
 * Best-effort removal of things a test named itself (files with fixed per-file names, e.g. end_adm_a), for before()
 * and after() hooks: veths in the root namespace, namespaces, pins and cgroups. Unlike sweep(), it checks nothing
 * is left; files with a run token use sweep() and leftovers().
 */
export function removeNamed(opts: { netns?: string[]; pins?: string[]; cgroups?: string[]; links?: string[] }): void {
  for (const l of opts.links ?? []) runSync(['ip', 'link', 'del', l]);
  for (const n of opts.netns ?? []) if (existsSync(`/run/netns/${n}`)) runSync(['ip', 'netns', 'del', n]);
  for (const p of opts.pins ?? []) rmSync(p, { recursive: true, force: true });
  for (const c of opts.cgroups ?? []) runSync(['rmdir', c]);
}
