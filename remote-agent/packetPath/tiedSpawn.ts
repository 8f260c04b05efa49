// Long-running helpers of a tracer (bpftool event_pipe, bpftrace) must not outlive the agent: an orphaned
// bpftrace keeps its probes attached, an orphaned event_pipe keeps reading. `setpriv --pdeathsig` (util-linux)
// makes the kernel signal them when the agent dies, even by SIGKILL; without setpriv they are spawned plainly.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const SETPRIV_CANDIDATES = ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv'];

function findSetpriv(): string | null {
  for (const p of SETPRIV_CANDIDATES) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

export function spawnTied(argv: string[]): ChildProcessWithoutNullStreams {
  const setpriv = findSetpriv();
  const full = setpriv ? [setpriv, '--pdeathsig', 'SIGTERM', '--', ...argv] : argv;
  return spawn(full[0], full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Asks politely (SIGINT lets bpftool/bpftrace detach and flush), then insists after `graceMs`. */
export async function stopChild(child: ChildProcessWithoutNullStreams, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}
