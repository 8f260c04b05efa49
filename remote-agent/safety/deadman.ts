// Dead-man switch: an attach that may cut the very connection the user works through hands its rollback plan to a
// watchdog process that outlives the agent and the SSH session (setsid + detached). Unless the client confirms over
// a fresh round trip within the window, the watchdog runs the plan's commands and records why.
//
// Armed means armed:
// - The watchdog holds its own code: it is `node -` fed this agent's bundle (read into memory when the agent
//   started) through its stdin, so a later deploy that deletes or replaces agent.js cannot take its code away.
// - armDeadman returns only after the watchdog has read its plan and said "ready" on its stdout; a watchdog that
//   does not (or dies first) fails the arm, and then the attach is never made.
// - The plan is armed BEFORE the attach (remote-agent/attach/confirm.ts) and names the program (progId) and how to
//   see it (`verify`): at the deadline the watchdog rolls back only if that program is still the one attached, so
//   a program somebody attached since is left alone.
// - Plans are keyed by attachment AND a per-arm token (the client's handle, returned in pendingConfirmation.plan):
//   one client's confirm cannot disarm another client's plan for the same interface. A confirm without a token
//   claims only plans this agent process armed.
//
// Race between confirm and rollback: both sides "claim" the plan file by renaming it (atomic on one filesystem).
// Whoever renames first wins; the other sees ENOENT. So a plan is either confirmed or rolled back, never both.
//
// Files (STATE_DIR, root-only 0700, under /run: a reboot clears plans, records and watchdogs, and also every XDP/tc
// attachment and bpffs pin, so nothing armed can outlive what it was armed for; see docs/ssh.md):
//   plans/<key>.json        armed, waiting            plans/<key>.firing  the watchdog is rolling back
//   plans/<key>.pid         the watchdog's pid (so confirm can end it at once)
//   records/<at>-<key>.json what a rollback did (listRollbacks)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RollbackRecord } from '../../protocol/agent';
import type { NetAttachment } from '../../protocol/types';
import { parseNetShow } from '../parsers/netShow';
import { cmdlineWatches, prepareStandby, takeStandby } from './watchdogStandby';

export interface RollbackPlan {
  /** The attachment id the plan undoes. */
  attachment: string;
  /** Commands (argument arrays, never shell strings) that detach it; run in order until one succeeds. */
  commands: string[][];
  /** Human words for the record, e.g. "xdp on eth0 (netns end_lab_a)". */
  description: string;
  /**
   * The program the plan removes, and how to see what is attached: `argv` prints `bpftool -j net show dev DEV`
   * (inside the namespace). At the deadline the commands run only if `progId` is still attached as `kind` on
   * `dev` (and `direction`). Without it the commands run unchecked (tests of the watchdog alone).
   */
  target?: { progId: number; argv: string[]; kind: 'xdp' | 'tc' | 'tcx'; dev: string; direction?: 'ingress' | 'egress' };
}

/** What an armed plan gives back: the token a confirm names, and the deadline. */
export interface ArmedPlan {
  token: string;
  deadline: number;
}

export interface DeadmanOptions {
  /** Where plans and records live; default $EBPF_NETDEBUG_DEADMAN_DIR or /run/ebpf-netdebug/deadman. */
  stateDir?: string;
  /**
   * How to start the watchdog (the plan file is appended). Default: this Node.js reading this agent's bundle from
   * its stdin (`node - --watchdog`, the code given by rememberOwnCode at start-up).
   */
  watchdogArgv?: string[];
  /** How long the watchdog may take to say it is ready (default 10 s). */
  readyTimeoutMs?: number;
}

/** The agent's own bundle, read once at start-up (before any later deploy can replace the file). */
let ownCode: Buffer | undefined;
export function rememberOwnCode(file = process.argv[1]): void {
  try {
    ownCode = readFileSync(file);
  } catch {
    ownCode = undefined;
  }
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
  try {
    return readlinkSync('/proc/self/ns/net');
  } catch {
    return 'net:[unknown]';
  }
}

/** A file-name-safe key for an attachment id (ids hold ':' and '/') in this network namespace. */
function keyOf(attachment: string, netns = ownNetns()): string {
  const readable = attachment.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
  return `${readable}-${createHash('sha256').update(`${netns} ${attachment}`).digest('hex').slice(0, 12)}`;
}

const TOKEN = /^[0-9a-f]{16}$/;
const READY = 'ready\n';

function validatePlan(plan: RollbackPlan, withinMs: number): void {
  if (!plan || typeof plan.attachment !== 'string' || plan.attachment === '')
    throw new TypeError('plan.attachment: a non-empty attachment id is required');
  if (!Array.isArray(plan.commands) || plan.commands.length === 0)
    throw new TypeError('plan.commands: at least one command (argument array) is required');
  for (const [i, c] of plan.commands.entries()) {
    if (!Array.isArray(c) || c.length === 0 || c.some((a) => typeof a !== 'string')) {
      throw new TypeError(`plan.commands[${i}]: must be a non-empty array of strings (argv, never a shell string)`);
    }
  }
  if (!Number.isFinite(withinMs) || withinMs <= 0 || withinMs > 3_600_000)
    throw new RangeError(`withinMs: ${withinMs} must be between 1 and 3600000 ms`);
}

async function dirs(opts?: DeadmanOptions) {
  const root = stateDirOf(opts);
  const plans = join(root, 'plans');
  const records = join(root, 'records');
  await mkdir(plans, { recursive: true, mode: 0o700 });
  await mkdir(records, { recursive: true, mode: 0o700 });
  return { root, plans, records };
}

/**
 * Starts a watchdog that runs `plan` unless confirmAttachment(plan.attachment, {plan: token}) comes within
 * `withinMs`; resolves once the watchdog has said it is running.
 */
export async function armDeadman(plan: RollbackPlan, withinMs: number, opts?: DeadmanOptions): Promise<ArmedPlan> {
  validatePlan(plan, withinMs);
  const d = await dirs(opts);
  const token = randomBytes(8).toString('hex');
  const file = join(d.plans, `${keyOf(plan.attachment)}-${token}.json`);
  const now = Date.now();
  const content: PlanFile = { ...plan, netns: ownNetns(), armedAt: now, deadline: now + withinMs, armedBy: process.pid };
  await writeFile(`${file}.tmp`, JSON.stringify(content), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  const fromStdin = !opts?.watchdogArgv;
  if (fromStdin && !ownCode) {
    await unlink(file).catch(() => undefined);
    throw new Error('dead-man watchdog: the agent has no copy of its own code to give it (rememberOwnCode was not called)');
  }
  // A standby watchdog (started after the last arm, remote-agent/safety/watchdogStandby.ts) takes the plan at once;
  // if none stands, or it fails to take it, one starts cold. Either way the attach waits for it to say it is ready.
  const standing = fromStdin ? await takeStandby(d.root, file, STANDBY_READY_MS) : undefined;
  let child = standing;
  if (
    !standing ||
    !(await watchdogReady(standing, 'the standing watchdog', STANDBY_READY_MS).then(
      () => true,
      () => false,
    ))
  ) {
    const argv = [...(opts?.watchdogArgv ?? [process.execPath, '-', WATCHDOG_FLAG]), file];
    child = spawn(argv[0], argv.slice(1), {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, EBPF_NETDEBUG_DEADMAN_DIR: d.root },
    });
    child.stdin!.on('error', () => undefined); // an exit before reading all is reported by 'exit'
    child.stdin!.end(fromStdin ? ownCode : undefined);
    try {
      await watchdogReady(child, argv[0], opts?.readyTimeoutMs ?? 10_000);
    } catch (e) {
      await unlink(file).catch(() => undefined);
      throw e;
    }
  }
  prepareWatchdog(opts); // the next arm's, ahead of need
  // Beside the plan, never by rewriting it: a confirmation may already have claimed (renamed) the plan, and a
  // rewrite would bring it back for the watchdog to fire. The pid only lets confirm wake the watchdog at once.
  await writeFile(pidFileOf(file), String(child!.pid), { mode: 0o600 }).catch(() => undefined);
  // A new plan for an attachment supersedes the ones this process armed for it before (a renewed lease, a second
  // attach over the first): disarmed only now that the new one runs, so there is no moment without one. Other
  // processes' plans for it stay theirs.
  await supersede(d.plans, plan.attachment, file);
  return { token, deadline: content.deadline };
}

/**
 * Gets a watchdog standing for the next arm of this agent (default state dir), before any arm: for an agent
 * started ahead of need (remote-agent/keep/readyAgent.ts). Nothing when the agent has no copy of its code.
 */
export function prepareWatchdog(opts?: DeadmanOptions): void {
  if (ownCode && !opts?.watchdogArgv) prepareStandby([process.execPath, '-'], ownCode, stateDirOf(opts));
}

/** How long a standby may take to stand and then to read its plan before a cold watchdog is started instead. */
const STANDBY_READY_MS = 3000;

/**
 * Resolves once `child` says it is ready (it read its plan and handles its signals); rejects, killing it, when it
 * exits first or says nothing within `timeoutMs`. Afterwards the child is let go (unref'd, stdout closed).
 */
async function watchdogReady(child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      let said = '';
      const timer = setTimeout(() => reject(new Error(`dead-man watchdog did not say it was ready within ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: Error) => {
        clearTimeout(timer);
        reject(e);
      };
      child.once('error', (e) => fail(new Error(`dead-man watchdog did not start (${what}): ${e.message}`)));
      child.once('exit', (code, signal) => fail(new Error(`dead-man watchdog exited before it was ready (${signal ?? `exit ${code}`})`)));
      if (child.exitCode !== null || child.signalCode !== null) fail(new Error('dead-man watchdog exited before it was ready'));
      child.stdout!.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes(READY)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (e) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
    throw e;
  } finally {
    child.stdout!.destroy();
    child.removeAllListeners('exit');
    child.unref();
  }
}

function pidFileOf(planFile: string): string {
  return planFile.replace(/\.json$/, '.pid');
}
function progFileOf(planFile: string): string {
  return planFile.replace(/\.json$/, '.prog');
}

/**
 * Names the program the attach really attached, when it differs from the one the plan was armed with (`ip link
 * set ... object` loads the object again, under a new id). Beside the plan, like the pid, never rewriting it.
 */
export async function setPlanProgram(attachment: string, token: string, progId: number, opts?: DeadmanOptions): Promise<void> {
  if (!TOKEN.test(token) || !Number.isInteger(progId)) return;
  const file = join(stateDirOf(opts), 'plans', `${keyOf(attachment)}-${token}.json`);
  await writeFile(progFileOf(file), String(progId), { mode: 0o600 });
}

/**
 * Disarms the watchdog of `attachment`: the plan `opts.plan` names (the token armDeadman returned), or without one
 * the plans of that attachment this process armed. False when none was waiting (already rolled back, never armed,
 * or another client's).
 */
export async function confirmAttachment(attachment: string, opts?: DeadmanOptions & { plan?: string }): Promise<boolean> {
  if (typeof attachment !== 'string' || attachment === '') throw new TypeError('attachment: a non-empty attachment id is required');
  if (opts?.plan !== undefined && !TOKEN.test(opts.plan)) throw new TypeError('plan: not a plan token (16 hex digits)');
  const d = await dirs(opts);
  const files = opts?.plan ? [join(d.plans, `${keyOf(attachment)}-${opts.plan}.json`)] : await ownPlans(d.plans, attachment);
  let any = false;
  for (const file of files) if (await claim(file)) any = true;
  return any;
}

/** Plans of `attachment` this process armed, except `keep`. */
async function ownPlans(plansDir: string, attachment: string, keep?: string): Promise<string[]> {
  const prefix = `${keyOf(attachment)}-`;
  const out: string[] = [];
  for (const n of await readdir(plansDir)) {
    if (!n.startsWith(prefix) || !n.endsWith('.json') || join(plansDir, n) === keep) continue;
    const plan = await readFile(join(plansDir, n), 'utf8').then(
      (t) => JSON.parse(t) as PlanFile,
      () => undefined,
    );
    if (plan?.armedBy === process.pid) out.push(join(plansDir, n));
  }
  return out;
}

async function supersede(plansDir: string, attachment: string, keep: string): Promise<void> {
  for (const f of await ownPlans(plansDir, attachment, keep)) await claim(f).catch(() => undefined);
}

/** Claims one plan for a confirmation and wakes its watchdog; false if it was not waiting. */
async function claim(file: string): Promise<boolean> {
  const claimed = `${file}.confirmed-${process.pid}`;
  try {
    await rename(file, claimed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  await unlink(claimed).catch(() => undefined);
  await unlink(progFileOf(file)).catch(() => undefined);
  // Wake the watchdog so it exits now rather than at the deadline (it would find no plan and exit then anyway).
  const pid = Number(await readFile(pidFileOf(file), 'utf8').catch(() => ''));
  await unlink(pidFileOf(file)).catch(() => undefined);
  // Only if that pid is still a watchdog for this plan (pids are reused).
  const cmdline = Number.isInteger(pid) && pid > 1 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
  if (cmdlineWatches(cmdline, file)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
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
    } catch {
      /* a record being written right now */
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Is this process started as the watchdog (`agent.js --watchdog PLANFILE`)? Returns the plan file. */
export function watchdogPlanFromArgv(argv: string[] = process.argv): string | undefined {
  const i = argv.indexOf(WATCHDOG_FLAG);
  return i >= 0 ? argv[i + 1] : undefined;
}

function run(argv: string[]): Promise<{ ok: boolean; output: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const output = `$ ${argv.join(' ')}\n${stdout}${stderr}${err && !stdout && !stderr ? err.message + '\n' : ''}`;
      resolve({ ok: !err, output, stdout });
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
  process.on('SIGTERM', () => {
    confirmed = true;
  });
  process.on('SIGHUP', () => undefined);
  process.on('SIGINT', () => undefined);
  process.on('SIGPIPE', () => undefined);
  // Plan read, signals handled: tell the agent (which replies to the attach only now), then let go of stdout.
  await new Promise<void>((r) => process.stdout.write(READY, () => r()));
  process.stdout.on('error', () => undefined);
  process.stdout.end();
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
  let leftAlone: string | undefined;
  if (plan.target) {
    // Only the program this plan was armed for: one attached since (by anybody) is not ours to remove.
    const attached = Number(await readFile(progFileOf(planFile), 'utf8').catch(() => ''));
    const t = { ...plan.target, progId: Number.isInteger(attached) && attached > 0 ? attached : plan.target.progId };
    const shown = await run(t.argv);
    outputs.push(shown.output);
    let now: NetAttachment[] = [];
    try {
      now = parseNetShow(shown.stdout, 'root');
    } catch {
      /* unreadable: treat as nothing */
    }
    const here = now.filter((a) => a.kind === t.kind && a.dev === t.dev && (!t.direction || a.direction === t.direction));
    if (!here.some((a) => a.progId === t.progId)) {
      leftAlone = here.length
        ? `program ${here.map((a) => a.progId).join(', ')} is attached there now, not ${t.progId}`
        : `program ${t.progId} is no longer attached`;
    }
  }
  if (!leftAlone) {
    for (const cmd of plan.commands) {
      const r = await run(cmd);
      outputs.push(r.output);
      if (r.ok) {
        ok = true;
        break;
      }
    }
  }
  const at = Date.now();
  const record: RollbackRecord & { netns: string } = {
    netns: plan.netns,
    attachment: plan.attachment,
    at,
    reason:
      `no confirmation within ${Math.round((plan.deadline - plan.armedAt) / 1000)} s after attaching ${plan.description}: ` +
      (leftAlone
        ? `left it alone: ${leftAlone}`
        : ok
          ? 'detached it (the program probably cut the connection)'
          : 'tried to detach it and every rollback command FAILED'),
    ok: ok || leftAlone !== undefined,
    output: outputs.join('').slice(-8000),
  };
  const records = join(stateDirOf(), 'records');
  await mkdir(records, { recursive: true, mode: 0o700 });
  const name = `${at}-${keyOf(plan.attachment, plan.netns)}.json`;
  await writeFile(join(records, `${name}.tmp`), JSON.stringify(record), { mode: 0o600 });
  await rename(join(records, `${name}.tmp`), join(records, name));
  await unlink(firing).catch(() => undefined);
  await unlink(progFileOf(planFile)).catch(() => undefined);
}
