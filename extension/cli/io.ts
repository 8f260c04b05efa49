// Where the CLI writes and what it reads of its environment, passed in (../shared/docs/STYLE.md #12) so tests run commands
// in-process with real buffers instead of patching process.stdout.
import type { SudoPasswordPrompt } from '../core/deploy/sudo';
import type { Session, SessionOptions } from '../core/session';
import type { SshConnectOptions } from '../core/ssh/connect';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Binary output to stdout (`trace -w -` writes pcapng there); absent where stdout takes text only. */
  bytes?(data: Uint8Array): void;
}

export interface CliContext {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  openSession: (host: string, opts?: SessionOptions) => Promise<Session>;
  /**
   * For commands that run until stopped: from the first call on, Ctrl-C resolves the promise instead of killing the
   * process (a second Ctrl-C still does). Other commands never call it, so Ctrl-C ends them as usual.
   */
  interrupted: () => Promise<void>;
  /** For commands that connect without an agent (`host clean`): the connection options and sudo password source. */
  ssh?: SshConnectOptions;
  askSudoPassword?: SudoPasswordPrompt;
}

export const processIo: CliIo = {
  out: (t) => { process.stdout.write(t); },
  err: (t) => { process.stderr.write(t); },
  bytes: (b) => { process.stdout.write(b); },
};
