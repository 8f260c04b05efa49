// A dead-man watchdog started before it is needed. Starting one is a Node.js start plus compiling the 750 KB bundle
// (0.15-0.3 s on a small VM), and the attach waits for it: armed means the watchdog runs before the program does.
// So after an arm the agent starts the next watchdog in the background, and the next arm hands it its plan instead
// of starting one: the attach then waits only for the plan to be read.
//
// The standby is the same process a cold arm starts (`node - --watchdog-standby`, the agent's own code on its
// stdin, detached: once it holds a plan it must outlive the agent and the SSH session). It gets its plan file's
// path as a line on a pipe (fd 3) and from then on is a watchdog like any other (remote-agent/safety/deadman.ts
// runWatchdog). Until then that pipe ties it to its agent: when the agent goes, for whatever reason, the pipe ends
// and the standby exits with nothing done. Its command line says what it holds: it takes the title
// `node - --watchdog PLANFILE` when given a plan, as a cold watchdog's argv reads (ps, and the confirm that wakes a
// watchdog by pid, look for the plan file there).
//
// Started a moment after an arm, not at once: a one-shot agent (a CLI command) ends right after its attach is
// confirmed, and a standby it started would only cost the host a Node.js start.
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

export const STANDBY_FLAG = '--watchdog-standby';
/** Said on stdout once the code is loaded and the plan pipe is read. */
const STANDING = 'standing by\n';
/**
 * The standby's argv carries this much room, so the title it takes later (which overwrites the argv in place) can
 * name a plan file of up to this length; a longer path goes to a cold watchdog.
 */
const TITLE_ROOM = 1024;
const START_DELAY_MS = 1000;

interface Standby {
  child: ChildProcess;
  /** The deadman state directory it was started for (its environment): only a plan there can be handed to it. */
  stateDir: string;
  /** Resolves true once it said it stands by, false if it exited first. */
  standing: Promise<boolean>;
}

let standby: Standby | undefined;
let startTimer: NodeJS.Timeout | undefined;

function alive(s: Standby): boolean {
  return s.child.exitCode === null && s.child.signalCode === null;
}

/**
 * Makes sure a standby for `stateDir` will be ready for the next arm (started START_DELAY_MS from now unless one is
 * standing or starting). `argv` starts it (node, '-'), `code` is the bundle it reads.
 */
export function prepareStandby(argv: string[], code: Buffer, stateDir: string): void {
  if (standby && alive(standby) && standby.stateDir === stateDir) return;
  if (startTimer) return;
  startTimer = setTimeout(() => {
    startTimer = undefined;
    if (standby && alive(standby) && standby.stateDir === stateDir) return;
    dropStandby();
    standby = startStandby(argv, code, stateDir);
  }, START_DELAY_MS);
  startTimer.unref();
}

function startStandby(argv: string[], code: Buffer, stateDir: string): Standby | undefined {
  let child: ChildProcess;
  try {
    child = spawn(argv[0], [...argv.slice(1), STANDBY_FLAG, '.'.repeat(TITLE_ROOM)], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore', 'pipe'],
      env: { ...process.env, EBPF_NETDEBUG_DEADMAN_DIR: stateDir },
    });
  } catch {
    return undefined; // the next arm starts its watchdog cold, and says so if that fails too
  }
  const standing = new Promise<boolean>((resolve) => {
    let said = '';
    const onData = (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes(STANDING)) {
        child.stdout!.off('data', onData);
        resolve(true);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => resolve(false));
    child.once('error', () => resolve(false));
  });
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(code);
  (child.stdio[3] as Writable).on('error', () => undefined);
  // Neither the standby nor its pipes keep the agent running.
  child.unref();
  (child.stdout as Readable & { unref?: () => void }).unref?.();
  (child.stdio[3] as Writable & { unref?: () => void }).unref?.();
  return { child, stateDir, standing };
}

/** Ends a standby nobody will use (its pipe closing ends it). */
function dropStandby(): void {
  if (!standby) return;
  (standby.child.stdio[3] as Writable).destroy();
  standby = undefined;
}

/**
 * The standby for `stateDir`, now given `planFile`; undefined when there is none (the caller starts one cold). One
 * still loading is waited for (at most `withinMs`): it is further along than a cold start. The caller then waits for
 * it to say it is ready, exactly as for a cold one.
 */
export async function takeStandby(stateDir: string, planFile: string, withinMs: number): Promise<ChildProcess | undefined> {
  const s = standby;
  if (!s || !alive(s) || s.stateDir !== stateDir || planFile.length > TITLE_ROOM || planFile.includes('\n')) return undefined;
  standby = undefined; // one plan per standby, also when two arms run at once
  let timer: NodeJS.Timeout | undefined;
  const stands = await Promise.race([s.standing, new Promise<false>((r) => (timer = setTimeout(() => r(false), withinMs)))]);
  clearTimeout(timer);
  if (!stands || !alive(s)) {
    (s.child.stdio[3] as Writable).destroy(); // it leaves when its pipe ends
    return undefined;
  }
  const plans = s.child.stdio[3] as Writable;
  plans.end(`${planFile}\n`);
  (s.child.stdout as Readable & { ref?: () => void }).ref?.();
  return s.child;
}

/**
 * Entry of a standby (`agent.js --watchdog-standby`): say so, wait for a plan file on fd 3, then watch it. Nothing
 * on fd 3 but its end: the agent went, so exit.
 */
export async function runStandby(watch: (planFile: string) => Promise<void>): Promise<void> {
  process.title = `node - ${STANDBY_FLAG}`;
  const plans = new Socket({ fd: 3, readable: true, writable: false });
  const planFile = await new Promise<string | undefined>((resolve) => {
    let got = '';
    plans.on('data', (chunk: Buffer) => {
      got += chunk.toString();
      const nl = got.indexOf('\n');
      if (nl >= 0) resolve(got.slice(0, nl));
    });
    plans.on('end', () => resolve(undefined));
    plans.on('error', () => resolve(undefined));
    process.stdout.write(STANDING);
  });
  plans.destroy();
  if (!planFile) process.exit(0);
  process.title = `node - --watchdog ${planFile}`;
  await watch(planFile);
}

/** Does this /proc/PID/cmdline belong to the watchdog of `planFile` (started with it, or a standby given it)? */
export function cmdlineWatches(cmdline: string, planFile: string): boolean {
  return cmdline.split(/[\0 ]/).includes(planFile);
}
