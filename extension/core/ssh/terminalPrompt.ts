// The CLI's answer to SSH prompts (passphrases, passwords, keyboard-interactive): asks on the terminal and never
// echoes a secret. Without a terminal (scripts, CI) it answers "cancelled", so the method is skipped and the
// authentication error lists what was tried instead of hanging on a prompt nobody sees.
import type { Prompt, PromptRequest } from './sshAuth';

interface TtyIn extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): void;
  isRaw?: boolean;
}

/** Reads one line from a raw-mode TTY, echoing nothing for secrets and the characters otherwise. */
function readLine(input: TtyIn, output: NodeJS.WritableStream, question: string, echo: boolean): Promise<string | undefined> {
  return new Promise((resolve) => {
    const wasRaw = !!input.isRaw;
    // Raw mode (no terminal echo) BEFORE the question appears: a fast typist must not see the secret echoed.
    input.setRawMode?.(true);
    output.write(question);
    input.resume();
    let line = '';
    const done = (value: string | undefined) => {
      input.removeListener('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(line);
        if (ch === '\u0003' || ch === '\u0004') return done(undefined); // Ctrl-C / Ctrl-D: cancel this prompt
        if (ch === '\u007f' || ch === '\b') {
          if (line.length) {
            line = line.slice(0, -1);
            if (echo) output.write('\b \b');
          }
          continue;
        }
        line += ch;
        if (echo) output.write(ch);
      }
    };
    input.on('data', onData);
  });
}

/** A Prompt for the terminal (stdin must be a TTY; the question goes to stderr so stdout stays machine-readable). */
export function terminalPrompt(input: TtyIn = process.stdin, output: NodeJS.WritableStream = process.stderr): Prompt {
  let queue = Promise.resolve<string | undefined>(undefined);
  return (req: PromptRequest) => {
    if (!input.isTTY || !input.setRawMode) return Promise.resolve(undefined);
    // One prompt at a time (a jump host and the target may both ask).
    queue = queue.then(() =>
      readLine(input, output, `${req.target}: ${req.message}${/[:?]\s*$/.test(req.message) ? ' ' : ': '}`, req.echo),
    );
    return queue;
  };
}
