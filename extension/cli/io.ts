// Where the CLI writes and what it reads of its environment, passed in (../shared/docs/STYLE.md #12) so tests run commands
// in-process with real buffers instead of patching process.stdout.
import type { SudoPasswordPrompt } from '../core/deploy/sudo';
import type { Session, SessionOptions } from '../core/session';
import type { SshConnectOptions } from '../core/ssh/connect';
import { stripTerminalEscapes } from './terminalText';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Binary output to stdout (`trace -w -` writes pcapng there); absent where stdout takes text only. */
  bytes?(data: Uint8Array): void;
  /** Clears the terminal (`top`'s redraw): the only escape sequence the CLI itself writes. */
  clearScreen?(): void;
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

/** The real stdout/stderr: text without terminal escapes (terminalText.ts), whatever the kernel put in it. */
export const processIo: CliIo = {
  out: (t) => {
    process.stdout.write(stripTerminalEscapes(t));
  },
  err: (t) => {
    process.stderr.write(stripTerminalEscapes(t));
  },
  bytes: (b) => {
    process.stdout.write(b);
  },
  clearScreen: () => {
    process.stdout.write('\x1b[H\x1b[2J');
  },
};
