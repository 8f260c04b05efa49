// `agent.endPrevious`: after a reconnect the session's previous agent may still run on the host (a link that died
// silently leaves sshd, and the agent under it, waiting for TCP to time out) and hold trace_pipe, which has one
// reader at a time. The new agent ends it by pid, after checking that the pid still runs that agent bundle (pids
// are reused); it is root already, so the client needs no exec and no sudo rule of its own for it.
import { readFile } from 'node:fs/promises';
import { badArgument } from '../core/errors';
import { requireObject } from '../core/validate';

const gone = async (pid: number) =>
  !(await readFile(`/proc/${pid}/stat`, 'utf8').then(
    () => true,
    () => false,
  ));

export async function endPreviousAgent(raw: unknown): Promise<{ result: 'ended' | 'gone' }> {
  const p = requireObject(raw, 'agent.endPrevious');
  const pid = p.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1)
    throw badArgument('pid', "expected the previous agent's process id (a whole number above 1)");
  if (pid === process.pid) throw badArgument('pid', 'that is this agent');
  const bundle = p.bundle;
  if (typeof bundle !== 'string' || !bundle.startsWith('/') || !bundle.endsWith('.js') || bundle.includes('\0')) {
    throw badArgument('bundle', "expected the absolute path of the previous agent's bundle (.js)");
  }
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.split('\0').includes(bundle)) return { result: 'gone' };
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 20; i++) {
    if (await gone(pid)) return { result: 'ended' };
    await new Promise((r) => setTimeout(r, 100));
  }
  signal('SIGKILL');
  return { result: 'ended' };
}
