// Where the CLI gets a host's sudo password when the login's sudo asks for one (extension/core/deploy/sudo.ts):
// with --sudo-password-stdin, the first line of standard input (as `docker login --password-stdin`), read once and
// reused by every session of the command; otherwise asked on the terminal without echo; without either, nobody can
// answer and deployment says how to give it. The password is only ever held in memory.
import type { SudoPasswordPrompt } from '../core/deploy/sudo';
import { terminalPrompt } from '../core/ssh/terminalPrompt';

/** The first line of `input` (without its line break); undefined when it ends before giving one. */
export function readFirstLine(input: NodeJS.ReadableStream = process.stdin): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const done = (v: string | undefined) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.pause();
      resolve(v);
    };
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) done(buf.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = () => done(buf.length ? buf.replace(/\r?\n?$/, '') : undefined);
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}

export function sudoPasswordPrompt(fromStdin: boolean, tty: boolean = process.stdin.isTTY === true): SudoPasswordPrompt | undefined {
  if (fromStdin) {
    let line: Promise<string | undefined> | undefined;
    return () => (line ??= readFirstLine());
  }
  if (!tty) return undefined;
  const ask = terminalPrompt();
  let answer: Promise<string | undefined> | undefined;
  // Asked once per command: its sessions (several hosts of a fleet share a login rarely; one prompt per host) reuse it.
  return (q) =>
    (answer ??= ask({ kind: 'password', target: `${q.user}@${q.host}`, message: `[sudo] password for ${q.user}:`, echo: false }));
}
