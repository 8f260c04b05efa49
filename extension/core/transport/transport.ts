// How the engine reaches a host. The agent client does not know whether it runs over SSH or a local child process
// (../shared/docs/STYLE.md #3): both give it a process with stdin/stdout streams.
import type { Readable, Writable } from 'node:stream';

/** A process started on the host. */
export interface RemoteProcess {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Resolves with the exit code (null when killed by a signal or the connection dropped). */
  exited: Promise<number | null>;
  kill(): void;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Transport {
  /** `local`, or the alias / user@host[:port] the user gave. */
  readonly hostLabel: string;
  /** Runs argv on the host (never through a shell string) and collects its output. */
  exec(argv: string[], opts?: { stdin?: Buffer | string; timeoutMs?: number }): Promise<ExecResult>;
  /** Starts argv on the host with its stdio as streams (used for the agent). */
  spawn(argv: string[]): Promise<RemoteProcess>;
  /** Writes a file on the host with the given mode, creating its directory (mode 0700) when missing. */
  writeFile(path: string, data: Buffer, mode: number): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** Fires when the underlying connection dies (never for the local transport unless disposed). */
  onClose(listener: (reason: Error | undefined) => void): void;
  close(): Promise<void>;
}
