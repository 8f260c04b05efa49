// An agent a kept agent (agentServer.ts) starts before anybody connects: `agent.js --await-connection [options]`,
// with an IPC channel to the server. It does what every agent does before its first request (Node's start, the
// bundle, choosing bpftool: 0.2-0.3 s on a small VM), says so, and waits. The server hands it the next connection's
// socket over the channel (Node passes the descriptor); from then on it is the agent an exec would start, with that
// connection in place of its stdin and stdout, and ends with it. It lets go of the channel at once, so it does not
// depend on the server any more; a server that ends first (idle, a changed bundle, SIGTERM) ends the waiting agent
// with it, since the channel closes.
//
// It also gets a dead-man watchdog ready (safety/watchdogStandby.ts): the kept route serves the CLI, whose attach on
// the SSH interface would otherwise start one cold in the attach's path.
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { prepareWatchdog } from '../safety/deadman';

/** Where an agent speaks JSON-RPC: its stdin and stdout, or the connection a kept agent handed it. */
export interface AgentIo {
  input: Readable;
  output: Writable;
}

export const AWAIT_FLAG = '--await-connection';
/** What the waiting agent says on the channel once it is ready, and what the server sends with the socket. */
export const READY_MESSAGE = 'ebpf-netdebug agent ready';
export const CONNECTION_MESSAGE = 'ebpf-netdebug connection';

export function awaitConnection(): Promise<AgentIo> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stderr.write(`${AWAIT_FLAG}: no IPC channel (only a kept agent starts an agent this way)\n`);
      process.exit(2);
    }
    process.once('disconnect', () => process.exit(0)); // the server went before handing a connection over
    process.on('message', (m: unknown, handle?: unknown) => {
      if (m !== CONNECTION_MESSAGE || !handle) return;
      const sock = handle as Socket;
      process.removeAllListeners('disconnect');
      process.disconnect();
      resolve({ input: sock, output: sock });
    });
    prepareWatchdog();
    process.send(READY_MESSAGE);
  });
}
