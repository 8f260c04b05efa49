// Becoming root on a host whose login is not root. NOPASSWD rules are used as they are (`sudo -n`). Otherwise the
// password is asked once per connection (the editor's password box, the CLI's terminal or --sudo-password-stdin)
// and reaches the host's `sudo -S` on the channel's stdin: never in argv, a file or a log. `-k` makes sudo read it
// every time (a cached credential would leave our line for the program behind it); `-p ''` keeps its prompt out of
// the agent's stderr.
import type { RemoteProcess, Transport } from '../transport/transport';
import { DeployError } from './deployError';

/** Asks for the login's sudo password; undefined when the user cancelled. */
export type SudoPasswordPrompt = (question: { host: string; user: string }) => Promise<string | undefined>;

/**
 * How this login becomes root: it is root; `sudo -n` (NOPASSWD); `sudo -S` with the password; or only through the
 * root-owned launcher (launcher.ts), which starts our agent and runs nothing else.
 */
export type SudoMode =
  { kind: 'root' } | { kind: 'nopasswd' } | { kind: 'password'; password: string } | { kind: 'launcher'; launcher: string };

/** argv as root, and what to write on its stdin first (the password line), for a mode. */
export function asRoot(mode: SudoMode, argv: string[]): { argv: string[]; stdinPrefix?: string } {
  if (mode.kind === 'root') return { argv };
  if (mode.kind === 'launcher') {
    throw new DeployError(
      'SudoNeedsPassword',
      `this login becomes root only through ${mode.launcher}, which starts our agent and nothing else; ${argv[0]} cannot run as root this way`,
      '',
    );
  }
  if (mode.kind === 'nopasswd') return { argv: ['sudo', '-n', '--', ...argv] };
  return { argv: ['sudo', '-S', '-k', '-p', '', '--', ...argv], stdinPrefix: `${mode.password}\n` };
}

/** Runs argv as root on the host (exec, output collected); the password line goes before `stdin`. */
export async function execAsRoot(t: Transport, mode: SudoMode, argv: string[], opts: { stdin?: string | Buffer; timeoutMs?: number } = {}) {
  const r = asRoot(mode, argv);
  const stdin =
    r.stdinPrefix !== undefined || opts.stdin !== undefined
      ? Buffer.concat([Buffer.from(r.stdinPrefix ?? ''), Buffer.from(opts.stdin ?? '')])
      : undefined;
  return t.exec(r.argv, { stdin, timeoutMs: opts.timeoutMs ?? 30_000 });
}

/** Starts argv as root with its stdio as streams; the password line goes first, before anything the caller writes. */
export async function spawnAsRoot(t: Transport, mode: SudoMode, argv: string[]): Promise<RemoteProcess> {
  const r = asRoot(mode, argv);
  const proc = await t.spawn(r.argv);
  if (r.stdinPrefix !== undefined) proc.stdin.write(r.stdinPrefix);
  return proc;
}

/**
 * How this login becomes root to run `nodePath`: exactly what the agent start needs (a sudoers rule may allow only
 * that program). Asks for a password only when sudo needs one.
 */
export async function sudoModeFor(t: Transport, user: string, nodePath: string, ask?: SudoPasswordPrompt): Promise<SudoMode> {
  const r = await t.exec(['sudo', '-n', '--', nodePath, '-e', ''], { timeoutMs: 20_000 });
  if (r.code === 0) return { kind: 'nopasswd' };
  if (r.code === 127 || /not found/.test(r.stderr)) {
    throw new DeployError(
      'SudoMissing',
      `${t.hostLabel}: logged in as ${user} (not root) and sudo is not installed; the agent needs root for BPF. ` +
        `Log in as root, or install sudo.`,
      r.stderr,
    );
  }
  const needsPassword = /password is required|a terminal is required|askpass/i.test(r.stderr);
  if (!needsPassword || !ask) {
    throw new DeployError(
      'SudoNeedsPassword',
      `${t.hostLabel}: logged in as ${user} (not root), and \`sudo -n\` refused (${r.stderr.trim() || `exit ${r.code}`}). ` +
        `The agent needs root for BPF. Give the sudo password (the editor asks for it; the CLI asks on its terminal or reads --sudo-password-stdin), ` +
        `or on the host run \`sudo visudo -f /etc/sudoers.d/ebpf-netdebug\` and add \`${user} ALL=(root) NOPASSWD: ${nodePath}\`, or log in as root.`,
      r.stderr,
    );
  }
  const password = await ask({ host: t.hostLabel, user });
  if (password === undefined)
    throw new DeployError(
      'SudoNeedsPassword',
      `${t.hostLabel}: the sudo password for ${user} was not given; the agent needs root for BPF.`,
      '',
    );
  if (/[\n\r\0]/.test(password)) throw new DeployError('BadArgument', 'sudo password: it cannot contain a line break or NUL', '');
  const mode: SudoMode = { kind: 'password', password };
  const check = await execAsRoot(t, mode, [nodePath, '-e', ''], { timeoutMs: 20_000 });
  if (check.code !== 0) {
    const wrong = /incorrect password|try again|Authentication failure/i.test(check.stderr);
    throw new DeployError(
      wrong ? 'SudoPasswordWrong' : 'SudoNeedsPassword',
      wrong
        ? `${t.hostLabel}: sudo refused the password for ${user} (wrong password); nothing was started.`
        : `${t.hostLabel}: sudo for ${user} failed with the password given (${check.stderr.trim() || `exit ${check.code}`}).`,
      check.stderr,
    );
  }
  return mode;
}
