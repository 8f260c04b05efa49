// After a reconnect the previous agent may still be alive on the host: a link that died silently leaves sshd (and
// the agent under it) waiting for TCP to time out, holding trace_pipe, which has one reader at a time. The session
// ends it by pid, after checking the pid still runs that agent bundle (pids are reused). The signal is sent by node
// (through `sudo -n` for non-root logins: the sudoers rule we recommend allows only node); the pid and signal are
// arguments of a constant script, never part of it.
import type { Transport } from '../transport/transport';
import type { HostNode } from './traceCounters';

const KILL_JS = 'process.kill(Number(process.argv[1]), process.argv[2])';

export async function endStaleAgent(t: Transport, pid: number | undefined, remotePath: string | undefined, node: HostNode): Promise<'ended' | 'gone' | 'unknown'> {
  if (!pid || !Number.isInteger(pid) || pid <= 1 || !remotePath) return 'unknown';
  const cmd = await t.exec(['cat', `/proc/${pid}/cmdline`], { timeoutMs: 10_000 });
  if (cmd.code !== 0 || !cmd.stdout.split('\0').includes(remotePath)) return 'gone';
  const signal = (sig: string) => t.exec([...(node.viaSudo ? ['sudo', '-n'] : []), node.path, '-e', KILL_JS, String(pid), sig], { timeoutMs: 10_000 });
  await signal('SIGTERM');
  for (let i = 0; i < 20; i++) {
    const alive = await t.exec(['test', '-e', `/proc/${pid}`], { timeoutMs: 10_000 });
    if (alive.code !== 0) return 'ended';
    await new Promise((r) => setTimeout(r, 100));
  }
  await signal('SIGKILL');
  return 'ended';
}
