// Entry of dist/cli.js (the `ebpf-netdebug` command): dispatches to one file per command under commands/, and
// turns every failure into one line on stderr and a non-zero exit status (../shared/docs/DESIGN.md "The command line").
import { AgentError } from '../core/agentError';
import { openSession, type SessionOptions } from '../core/session';
import { terminalPrompt } from '../core/ssh/terminalPrompt';
import { CliError, usageError } from './cliError';
import { attachCommand } from './commands/attach';
import { buildCommand } from './commands/build';
import { detachCommand } from './commands/detach';
import { diffCommand } from './commands/diff';
import { hostCommand } from './commands/host';
import { infoCommand } from './commands/info';
import { inspectCommand } from './commands/inspect';
import { labCommand } from './commands/lab';
import { listCommand } from './commands/list';
import { runCommand } from './commands/run';
import { topCommand } from './commands/top';
import { traceCommand } from './commands/trace';
import { unloadCommand } from './commands/unload';
import { runFleetCommand } from './fleetDispatch';
import { wantsFleet } from './fleetOptions';
import { CLI_VERSION } from './hostSession';
import { processIo, type CliContext } from './io';
import { sudoPasswordPrompt } from './sudoPassword';
import { USAGE } from './usage';

type Command = (argv: string[], ctx: CliContext) => Promise<number>;

export const commands: Record<string, Command> = {
  info: infoCommand,
  build: buildCommand,
  inspect: inspectCommand,
  attach: attachCommand,
  detach: detachCommand,
  list: listCommand,
  trace: traceCommand,
  lab: labCommand,
  unload: unloadCommand,
  run: runCommand,
  top: topCommand,
  diff: diffCommand,
  host: hostCommand,
};

/** Runs one command line; never throws: returns the exit status after writing the reason of a failure. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    ctx.io.out(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    ctx.io.out(`ebpf-netdebug ${CLI_VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    ctx.io.err(`ebpf-netdebug: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')}; --help for usage)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.io.out(USAGE);
    return 0;
  }
  const verbose = rest.includes('--verbose') || rest.includes('-v');
  try {
    const { argv: commandArgv, ctx: connCtx } = takeConnectionOptions(rest, ctx);
    // --hosts / --inventory: the same command on several hosts (fleetDispatch.ts).
    if (wantsFleet(commandArgv)) return await runFleetCommand(name, commandArgv, connCtx, commands, describeFailure);
    return await command(commandArgv, connCtx);
  } catch (e) {
    const { line, details, code } = describeFailure(e);
    ctx.io.err(`ebpf-netdebug: ${line}\n`);
    if (verbose && details) ctx.io.err(`${details}\n`);
    return code;
  }
}

/**
 * Options about how to reach a host, accepted by every command that connects: `--accept-new-host-key` (record a
 * host key never seen before; a changed key is still refused), `--bpftool PATH` (the host's bpftool) and
 * `--sudo-password-stdin` (the login's sudo password is the first line of stdin; sudoPassword.ts). They are
 * taken out here and folded into every session the command opens, so each command's own parser stays about its job.
 */
export function takeConnectionOptions(argv: string[], ctx: CliContext): { argv: string[]; ctx: CliContext } {
  const rest: string[] = [];
  let acceptNewHostKey = false;
  let bpftoolPath: string | undefined;
  let sudoPasswordStdin = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--accept-new-host-key') {
      acceptNewHostKey = true;
      continue;
    }
    if (a === '--sudo-password-stdin') {
      sudoPasswordStdin = true;
      continue;
    }
    if (a === '--bpftool' || a.startsWith('--bpftool=')) {
      const v = a === '--bpftool' ? argv[++i] : a.slice('--bpftool='.length);
      if (!v || v.startsWith('-')) throw usageError('--bpftool: expected the path of bpftool on the host');
      if (!v.startsWith('/')) throw usageError(`--bpftool ${v}: expected an absolute path`);
      bpftoolPath = v;
      continue;
    }
    rest.push(a);
  }
  if (!acceptNewHostKey && !bpftoolPath && !sudoPasswordStdin && process.stdin.isTTY !== true) return { argv: rest, ctx };
  const askSudoPassword = sudoPasswordPrompt(sudoPasswordStdin);
  const ssh = (given: SessionOptions['ssh']) => ({
    ...given,
    ...(acceptNewHostKey ? { acceptNewHostKey } : {}),
    // Passphrases and passwords are asked on the terminal, never echoed; without a terminal there is nobody to ask.
    ...(process.stdin.isTTY === true && !given?.prompt ? { prompt: terminalPrompt() } : {}),
  });
  const openSession: CliContext['openSession'] = (host, opts = {}) =>
    ctx.openSession(host, {
      ...opts,
      ...(bpftoolPath ? { bpftoolPath } : {}),
      ...(askSudoPassword && !opts.deploy?.askSudoPassword ? { deploy: { ...opts.deploy, askSudoPassword } } : {}),
      ssh: ssh(opts.ssh),
    });
  return { argv: rest, ctx: { ...ctx, openSession, ssh: ssh(ctx.ssh), ...(askSudoPassword ? { askSudoPassword } : {}) } };
}

export function describeFailure(e: unknown): { line: string; details?: string; code: number } {
  if (e instanceof CliError) return { line: oneLine(e.message), details: e.details, code: e.exitCode };
  if (e instanceof AgentError) return { line: oneLine(e.describe()), details: e.details(), code: 1 };
  if (e instanceof Error) return { line: oneLine(e.message), details: e.stack, code: 1 };
  return { line: oneLine(String(e)), code: 1 };
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

async function main(): Promise<void> {
  let interrupted: Promise<void> | undefined;
  const onInterrupt = () =>
    (interrupted ??= new Promise<void>((resolve) => {
      let interrupts = 0;
      process.on('SIGINT', () => {
        // The first Ctrl-C stops a streaming command cleanly (trace stops its stream); a second one gives up.
        if (++interrupts > 1) process.exit(130);
        resolve();
      });
    }));
  const code = await runCli(process.argv.slice(2), { io: processIo, env: process.env, openSession, interrupted: onInterrupt });
  process.exitCode = code;
  // Ends the process even if a library left a handle open, once stdout and stderr are drained: a pipe whose reader
  // is slower than us (`| jq`, a test's execFile) holds what did not fit yet, and exiting earlier cut a 500 KB
  // `list maps --json` at 128 KB.
  const drained = (s: NodeJS.WriteStream) => (s.writableLength ? new Promise<void>((r) => s.once('drain', () => r())) : undefined);
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  setImmediate(() => process.exit(code));
}

if (require.main === module) void main();
