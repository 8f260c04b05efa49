// Dead-man switch: an attach that may cut the very connection the user works through hands its rollback plan to a
// watchdog process that outlives the agent and the SSH session (setsid + detached, stdio ignored). Unless the client
// confirms over a fresh round trip within the window, the watchdog runs the plan's commands and records why.
//
// Race between confirm and rollback: both sides "claim" the plan file by renaming it (atomic on one filesystem).
// Whoever renames first wins; the other sees ENOENT. So a plan is either confirmed or rolled back, never both.
//
// Files (STATE_DIR, root-only 0700, /run so a reboot, which also clears attachments, clears it too):
//   plans/<key>.json        armed, waiting            plans/<key>.firing  the watchdog is rolling back
//   plans/<key>.pid         the watchdog's pid (so confirm can end it at once)
//   records/<at>-<key>.json what a rollback did (listRollbacks)
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RollbackRecord } from '../../protocol/agent';

export interface RollbackPlan {
  /** The attachment id the plan undoes. */
  attachment: string;
  /** Commands (argument arrays, never shell strings) that detach it; run in order until one succeeds. */
  commands: string[][];
  /** Human words for the record, e.g. "xdp on eth0 (netns end_lab_a)". */
  description: string;
}

export interface DeadmanOptions {
  /** Where plans and records live; default $EBPF_NETDEBUG_DEADMAN_DIR or /run/ebpf-netdebug/deadman. */
  stateDir?: string;
  /**
   * How to start the watchdog (the plan file is appended). Default: this Node.js running this agent bundle with
   * `--watchdog` (process.execPath, process.argv[1]).
   */
  watchdogArgv?: string[];
}

/** What the watchdog reads: the plan, when it fires, and who armed it. */
interface PlanFile extends RollbackPlan {
  /** The agent's network namespace (the watchdog inherits it; records carry it). */
  netns: string;
  armedAt: number;
  deadline: number;
  armedBy: number;
}

const WATCHDOG_FLAG = '--watchdog';
/** Each rollback command gets this long; a hung `ip`/`bpftool` must not keep the host cut off. */
const COMMAND_TIMEOUT_MS = 15_000;

export function stateDirOf(opts?: DeadmanOptions): string {
  return opts?.stateDir ?? process.env.EBPF_NETDEBUG_DEADMAN_DIR ?? '/run/ebpf-netdebug/deadman';
}

/**
 * The network namespace this process runs in, e.g. "net:[4026531840]". Attachment ids name interfaces relative to
 * the agent's namespace ("xdp:root:eth0"), and agents reached through sshds in different namespaces of one machine
 * share the state directory: plans and records are kept apart by namespace.
 */
function ownNetns(): string {
  try { return readlinkSync('/proc/self/ns/net'); } catch { return 'net:[unknown]'; }
}

/** A file-name-safe key for an attachment id (ids hold ':' and '/') in this network namespace. */
function keyOf(attachment: string, netns = ownNetns()): string {
  const readable = attachment.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
  return `${readable}-${createHash('sha256').update(`${netns} ${attachment}`).digest('hex').slice(0, 12)}`;
}

function validatePlan(plan: RollbackPlan, withinMs: number): void {
  if (!plan || typeof plan.attachment !== 'string' || plan.attachment === '') throw new TypeError('plan.attachment: a non-empty attachment id is required');
  if (!Array.isArray(plan.commands) || plan.commands.length === 0) throw new TypeError('plan.commands: at least one command (argument array) is required');
  for (const [i, c] of plan.commands.entries()) {
    if (!Array.isArray(c) || c.length === 0 || c.some((a) => typeof a !== 'string')) {
      throw new TypeError(`plan.commands[${i}]: must be a non-empty array of strings (argv, never a shell string)`);
    }
  }
  if (!Number.isFinite(withinMs) || withinMs <= 0 || withinMs > 3_600_000) throw new RangeError(`withinMs: ${withinMs} must be between 1 and 3600000 ms`);
}

async function dirs(opts?: DeadmanOptions) {
  const root = stateDirOf(opts);
  const plans = join(root, 'plans');
  const records = join(root, 'records');
  await mkdir(plans, { recursive: true, mode: 0o700 });
  await mkdir(records, { recursive: true, mode: 0o700 });
  return { root, plans, records };
}

/** Starts a watchdog that runs `plan` unless confirmAttachment(plan.attachment) is called within `withinMs`. */
export async function armDeadman(plan: RollbackPlan, withinMs: number, opts?: DeadmanOptions): Promise<void> {
  validatePlan(plan, withinMs);
  const d = await dirs(opts);
  const file = join(d.plans, `${keyOf(plan.attachment)}.json`);
  const now = Date.now();
  const content: PlanFile = { ...plan, netns: ownNetns(), armedAt: now, deadline: now + withinMs, armedBy: process.pid };
  // A plan for the same attachment replaces the old one; its watchdog finds its file gone (or re-armed) and exits.
  await writeFile(`${file}.tmp`, JSON.stringify(content), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  const argv = [...(opts?.watchdogArgv ?? [process.execPath, process.argv[1], WATCHDOG_FLAG]), file];
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: 'ignore', env: { ...process.env, EBPF_NETDEBUG_DEADMAN_DIR: d.root } });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`dead-man watchdog did not start (${argv[0]}): ${e.message}`)));
  });
  child.unref();
  // Beside the plan, never by rewriting it: a confirmation may already have claimed (renamed) the plan, and a
  // rewrite would bring it back for the watchdog to fire. The pid only lets confirm wake the watchdog at once.
  await writeFile(pidFileOf(file), String(child.pid), { mode: 0o600 }).catch(() => undefined);
}

function pidFileOf(planFile: string): string {
  return planFile.replace(/\.json$/, '.pid');
}

/** Disarms the watchdog of `attachment`; false when none was waiting (already rolled back or never armed). */
export async function confirmAttachment(attachment: string, opts?: DeadmanOptions): Promise<boolean> {
  if (typeof attachment !== 'string' || attachment === '') throw new TypeError('attachment: a non-empty attachment id is required');
  const d = await dirs(opts);
  const file = join(d.plans, `${keyOf(attachment)}.json`);
  const claimed = `${file}.confirmed-${process.pid}`;
  try {
    await rename(file, claimed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  await unlink(claimed).catch(() => undefined);
  // Wake the watchdog so it exits now rather than at the deadline (it would find no plan and exit then anyway).
  const pid = Number(await readFile(pidFileOf(file), 'utf8').catch(() => ''));
  await unlink(pidFileOf(file)).catch(() => undefined);
  // Only if that pid is still a watchdog for this plan (pids are reused).
  const cmdline = Number.isInteger(pid) && pid > 1 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
  if (cmdline.split('\0').includes(file)) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  return true;
}

/** Rollbacks the watchdogs performed on this host (this agent's network namespace), newest last. */
export async function listRollbacks(opts?: DeadmanOptions): Promise<RollbackRecord[]> {
  const netns = ownNetns();
  const records = join(stateDirOf(opts), 'records');
  let names: string[];
  try {
    names = await readdir(records);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: RollbackRecord[] = [];
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    try {
      const r = JSON.parse(await readFile(join(records, n), 'utf8')) as RollbackRecord & { netns?: string };
      if (r.netns && r.netns !== netns) continue;
      const { netns: _own, ...record } = r;
      out.push(record);
    } catch { /* a record being written right now */ }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Is this process started as the watchdog (`agent.js --watchdog PLANFILE`)? Returns the plan file. */
export function watchdogPlanFromArgv(argv: string[] = process.argv): string | undefined {
  const i = argv.indexOf(WATCHDOG_FLAG);
  return i >= 0 ? argv[i + 1] : undefined;
}

function run(argv: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const output = `$ ${argv.join(' ')}\n${stdout}${stderr}${err && !stdout && !stderr ? err.message + '\n' : ''}`;
      resolve({ ok: !err, output });
    });
  });
}

/** Entry of the watchdog process (agent.js --watchdog PLANFILE). */
export async function runWatchdog(planFile: string): Promise<void> {
  let plan: PlanFile;
  try {
    plan = JSON.parse(await readFile(planFile, 'utf8')) as PlanFile;
  } catch {
    return; // confirmed (or replaced) before we even started
  }
  const armedAt = plan.armedAt;
  // SIGTERM = confirmed: exit quietly. Everything else that could end us (SIGHUP of a dying session) is ignored.
  let confirmed = false;
  process.on('SIGTERM', () => { confirmed = true; });
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);
  while (!confirmed && Date.now() < plan.deadline) {
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(1, plan.deadline - Date.now()))));
  }
  if (confirmed) return;
  await unlink(pidFileOf(planFile)).catch(() => undefined);
  // Claim the plan; if the rename fails, a confirmation (or a re-arm) got there first.
  const firing = planFile.replace(/\.json$/, '.firing');
  try {
    const now = JSON.parse(await readFile(planFile, 'utf8')) as PlanFile;
    if (now.armedAt !== armedAt) return; // re-armed: the new plan has its own watchdog
    await rename(planFile, firing);
  } catch {
    return;
  }
  const outputs: string[] = [];
  let ok = false;
  for (const cmd of plan.commands) {
    const r = await run(cmd);
    outputs.push(r.output);
    if (r.ok) { ok = true; break; }
  }
  const at = Date.now();
  const record: RollbackRecord & { netns: string } = {
    netns: plan.netns,
    attachment: plan.attachment,
    at,
    reason: `no confirmation within ${Math.round((plan.deadline - plan.armedAt) / 1000)} s after attaching ${plan.description}: ` +
      (ok ? 'detached it (the program probably cut the connection)' : 'tried to detach it and every rollback command FAILED'),
    ok,
    output: outputs.join('').slice(-8000),
  };
  const records = join(stateDirOf(), 'records');
  await mkdir(records, { recursive: true, mode: 0o700 });
  const name = `${at}-${keyOf(plan.attachment, plan.netns)}.json`;
  await writeFile(join(records, `${name}.tmp`), JSON.stringify(record), { mode: 0o600 });
  await rename(join(records, `${name}.tmp`), join(records, name));
  await unlink(firing).catch(() => undefined);
}
