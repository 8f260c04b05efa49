// Waiting for a server a test started (an sshd on loopback or in a namespace) to accept connections: a TCP connect
// from here, retried until it succeeds, the server exits (its log in the error), or the deadline passes.
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { until } from './until';

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, host, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

/** Resolves once host:port accepts a connection; rejects with `log()` when `server` exits first or after timeoutMs. */
export async function untilListening(
  host: string,
  port: number,
  server: ChildProcess,
  log: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const what = `${server.spawnfile} to listen on ${host}:${port}`;
  await until(
    async () => {
      if (server.exitCode !== null) throw new Error(`${server.spawnfile} exited (${server.exitCode}): ${log()}`);
      return accepts(host, port);
    },
    what,
    timeoutMs,
    100,
  ).catch((e: Error) => {
    throw e.message.startsWith('timed out') ? new Error(`${e.message}: ${log()}`) : e;
  });
}
