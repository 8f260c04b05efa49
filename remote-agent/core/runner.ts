// Runs external tools with argument arrays (never a shell), with a timeout, and maps failures to typed errors.
// `netns` wraps the argv in `nsenter --net=/run/netns/NS`: unlike `ip netns exec`, nsenter keeps our mount
// namespace, so /sys/fs/bpf and tracefs stay visible to the tool (KERNEL-FACTS "The namespace trap").
import { execFile } from 'node:child_process';
import { AgentErrorCode } from '../../protocol/agent';
import { AgentError, toolMissing } from './errors';

export interface RunOptions {
  /** A name under /run/netns; 'root' or absent runs in our own namespace. */
  netns?: string;
  timeoutMs?: number;
  /** Resolve with the result even when the exit code is not 0 (the caller interprets it). */
  allowFailure?: boolean;
  input?: string | Buffer;
  maxBuffer?: number;
}

export interface RunResult {
  argv: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export type Runner = (argv: string[], opts?: RunOptions) => Promise<RunResult>;

export const NETNS_DIR = '/run/netns';

export function wrapNetns(argv: string[], netns: string | undefined): string[] {
  if (!netns || netns === 'root') return argv;
  return ['nsenter', `--net=${NETNS_DIR}/${netns}`, '--', ...argv];
}

/** The error for a tool that ran and failed, with everything it said. */
export function toolFailed(result: RunResult, what?: string): AgentError {
  const tool = result.argv[0] === 'nsenter' ? result.argv[3] : result.argv[0];
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' | ');
  return new AgentError(AgentErrorCode.ToolFailed, `${what ?? tool} failed (exit ${result.exitCode}): ${said}`, {
    tool,
    argv: result.argv,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
  });
}

export const run: Runner = (argv0, opts = {}) => {
  const argv = wrapNetns(argv0, opts.netns);
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0],
      argv.slice(1),
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: opts.maxBuffer ?? 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const result: RunResult = { argv, exitCode: 0, stdout, stderr };
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
          if (e.code === 'ENOENT') return reject(toolMissing(argv[0], `${argv[0]} was not found on this host`));
          if (e.code === 'EACCES') return reject(toolMissing(argv[0], `${argv[0]} is not executable`));
          result.exitCode = typeof e.code === 'number' ? e.code : null;
          if (e.killed || e.signal) {
            result.stderr += `\n(${argv[0]} stopped by ${e.signal ?? 'timeout'} after ${opts.timeoutMs ?? 30_000} ms)`;
          }
          if (!opts.allowFailure) return reject(toolFailed(result));
        }
        resolve(result);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
};

/** Runs and parses stdout as JSON; a tool that prints non-JSON is a ToolFailed naming what it printed. */
export async function runJson<T>(runner: Runner, argv: string[], opts?: RunOptions): Promise<T> {
  const r = await runner(argv, opts);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new AgentError(AgentErrorCode.ToolFailed, `${argv[0]} did not print JSON: ${r.stdout.slice(0, 200)}`, {
      tool: argv[0], argv: r.argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr,
    });
  }
}
