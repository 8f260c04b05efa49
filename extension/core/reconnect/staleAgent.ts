// After a reconnect the previous agent may still be alive on the host: a link that died silently leaves sshd (and
// the agent under it) waiting for TCP to time out, holding trace_pipe, which has one reader at a time. The session
// ends it by pid, after checking the pid still runs that agent bundle (pids are reused).
import type { Transport } from '../transport/transport';

export async function endStaleAgent(t: Transport, pid: number | undefined, remotePath: string | undefined, viaSudo: boolean): Promise<'ended' | 'gone' | 'unknown'> {
  if (!pid || !Number.isInteger(pid) || pid <= 1 || !remotePath) return 'unknown';
  const sudo = viaSudo ? ['sudo', '-n'] : [];
  const cmd = await t.exec(['cat', `/proc/${pid}/cmdline`], { timeoutMs: 10_000 });
  if (cmd.code !== 0 || !cmd.stdout.split('\0').includes(remotePath)) return 'gone';
  await t.exec([...sudo, 'kill', '-TERM', String(pid)], { timeoutMs: 10_000 });
  for (let i = 0; i < 20; i++) {
    const alive = await t.exec(['test', '-e', `/proc/${pid}`], { timeoutMs: 10_000 });
    if (alive.code !== 0) return 'ended';
    await new Promise((r) => setTimeout(r, 100));
  }
  await t.exec([...sudo, 'kill', '-KILL', String(pid)], { timeoutMs: 10_000 });
  return 'ended';
}
