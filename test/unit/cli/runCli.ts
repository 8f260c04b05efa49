// Runs the CLI in-process with buffers for stdout/stderr. Commands that must fail before reaching a host get an
// openSession that records the attempt, so a test can prove that bad input never opened a connection.
import { runCli } from '../../../extension/cli/main';
import type { CliContext } from '../../../extension/cli/io';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  connected: string[];
}

export async function runInProcess(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const connected: string[] = [];
  const ctx: CliContext = {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    },
    env,
    openSession: async (host) => {
      connected.push(host);
      throw new Error(`unit tests do not connect (asked for ${host})`);
    },
    interrupted: () => new Promise(() => undefined),
  };
  const code = await runCli(argv, ctx);
  return { code, out, err, connected };
}
