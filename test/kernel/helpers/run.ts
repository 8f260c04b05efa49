// Running host tools from tests: always an argument array (never a shell string), output collected, and a failure
// reported with the command line and what it printed, so a failing test says what the tool said.
import { execFile, execFileSync } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
}

/** Runs argv and resolves with its exit code and output; never rejects for a non-zero exit. */
export function run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0],
      argv.slice(1),
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          // ENOENT and the like: the tool itself is missing, which no caller can treat as an exit code.
          reject(new Error(`${argv[0]}: ${err.message}`));
          return;
        }
        const code = err ? ((err as { code?: number | null }).code ?? null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs argv and rejects unless it exits 0. */
export async function runOk(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    throw new Error(`${argv.join(' ')} exited ${r.code}\nstdout: ${r.stdout.trim()}\nstderr: ${r.stderr.trim()}`);
  }
  return r;
}

/**
 * Runs argv synchronously and returns its exit code (-1 when it had none: killed, timed out) and output, never
 * throwing for a non-zero exit; for observing effects inside a condition or an assertion.
 */
export function runSync(argv: string[], opts: { timeoutMs?: number } = {}): RunResult {
  try {
    const stdout = execFileSync(argv[0], argv.slice(1), {
      timeout: opts.timeoutMs ?? 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    }).toString();
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: Buffer; stderr?: Buffer };
    return { code: err.status ?? -1, stdout: err.stdout?.toString() ?? '', stderr: err.stderr?.toString() ?? '' };
  }
}
