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

/** A tool's output kept by default (larger: the tool is stopped and fails); map.dump streams instead. */
export const MAX_TOOL_OUTPUT = 32 * 1024 * 1024;
/** A tool's stdout/stderr as echoed in an error: the last this many characters. */
export const MAX_ECHOED_OUTPUT = 16 * 1024;

/** The end of a tool's output, for an error (the whole of a 30 MB dump is no use in a message and costs memory). */
export function clipOutput(text: string, max = MAX_ECHOED_OUTPUT): string {
  return text.length <= max ? text : `[${text.length - max} characters cut]\n${text.slice(-max)}`;
}

export function wrapNetns(argv: string[], netns: string | undefined): string[] {
  if (!netns || netns === 'root') return argv;
  return ['nsenter', `--net=${NETNS_DIR}/${netns}`, '--', ...argv];
}

/** The error for a tool that ran and failed, with everything it said. */
export function toolFailed(result: RunResult, what?: string): AgentError {
  const tool = result.argv[0] === 'nsenter' ? result.argv[3] : result.argv[0];
  const said = clipOutput((result.stderr.trim() || result.stdout.trim()).slice(-2000).split('\n').slice(-3).join(' | '), 600);
  return new AgentError(AgentErrorCode.ToolFailed, `${what ?? tool} failed (exit ${result.exitCode}): ${said}`, {
    tool,
    argv: result.argv,
    exitCode: result.exitCode,
    stdout: clipOutput(result.stdout),
    stderr: clipOutput(result.stderr),
  });
}

export const run: Runner = (argv0, opts = {}) => {
  const argv = wrapNetns(argv0, opts.netns);
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0],
      argv.slice(1),
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: opts.maxBuffer ?? MAX_TOOL_OUTPUT, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const result: RunResult = { argv, exitCode: 0, stdout, stderr };
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
          if (e.code === 'ENOENT') return reject(toolMissing(argv[0], `${argv[0]} was not found on this host`));
          if (e.code === 'EACCES') return reject(toolMissing(argv[0], `${argv[0]} is not executable`));
          result.exitCode = typeof e.code === 'number' ? e.code : null;
          if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
            result.stderr += `\n(${argv[0]} stopped: it printed more than ${opts.maxBuffer ?? MAX_TOOL_OUTPUT} bytes)`;
          } else if (e.killed || e.signal) {
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
      tool: argv[0],
      argv: r.argv,
      exitCode: r.exitCode,
      stdout: clipOutput(r.stdout),
      stderr: clipOutput(r.stderr),
    });
  }
}
