// `host clean`: removes everything deployment put on a host, the login's ~/.cache/ebpf-netdebug (agent versions,
// runtimes, the agent's state), and refuses while a process of ours runs from it (an agent of another window, a
// dead-man watchdog): pulling its files away would break it. The state directory belongs to root (the agent runs as
// root), so a login that is not root removes it through sudo, asking for the password as deployment does.
import type { Transport } from '../transport/transport';
import { DeployError } from './deployError';
import { PATH_LINE } from './hostPath';
import { execAsRoot, type SudoMode, type SudoPasswordPrompt } from './sudo';

export interface CleanResult {
  /** The directory that was removed (absolute, on the host); null when there was nothing to remove. */
  removed: string | null;
  /** What it held (top-level names). */
  entries: string[];
  /** Whether removing it needed root (sudo). */
  viaSudo: boolean;
}

/** An agent of ours is running there: nothing was removed. */
export class HostBusyError extends Error {
  override readonly name = 'HostBusyError';
  constructor(
    message: string,
    readonly processes: { pid: number; command: string }[],
  ) {
    super(message);
  }
}

/**
 * A CONSTANT script; $1 is the base directory relative to $HOME. Prints `dir=ABS`, then `absent`, or one `busy=PID
 * CMDLINE` per process whose command line names a path in it, or the entries (`entry=NAME`); always `end`.
 */
const SCAN_SCRIPT = [
  PATH_LINE,
  'd="$HOME/$1"',
  'printf "dir=%s\\n" "$d"',
  'if [ ! -e "$d" ]; then echo absent; echo end; exit 0; fi',
  'busy=0',
  'for p in /proc/[0-9]*; do',
  '  pid=${p#/proc/}; [ "$pid" = "$$" ] && continue',
  '  c=$(tr "\\0" " " < "$p/cmdline" 2>/dev/null) || continue',
  '  case "$c" in *"$d/"*) printf "busy=%s %s\\n" "$pid" "$c"; busy=1;; esac',
  'done',
  'if [ "$busy" = 0 ]; then for e in "$d"/* "$d"/.[!.]*; do [ -e "$e" ] && printf "entry=%s\\n" "${e##*/}"; done; fi',
  'echo end',
].join('\n');

const REMOVE_SCRIPT = `${PATH_LINE}\nrm -rf -- "$1"`;

export async function cleanHost(
  t: Transport,
  opts: { remoteBase?: string; askSudoPassword?: SudoPasswordPrompt } = {},
): Promise<CleanResult> {
  const relBase = opts.remoteBase ?? '.cache/ebpf-netdebug';
  if (
    relBase.startsWith('/') ||
    relBase.split('/').includes('..') ||
    !/^[A-Za-z0-9._/-]+$/.test(relBase) ||
    relBase.replace(/[/.]/g, '') === ''
  ) {
    throw new DeployError('BadArgument', `remoteBase: ${JSON.stringify(relBase)} must be a plain path relative to the login's home`, '');
  }
  const scan = await t.exec(['/bin/sh', '-c', SCAN_SCRIPT, 'sh', relBase], { timeoutMs: 30_000 });
  if (!/(^|\n)end\n$/.test(scan.stdout))
    throw new DeployError(
      'CommandFailed',
      `looking at ${relBase} on ${t.hostLabel} failed (exit ${scan.code}): ${scan.stderr.trim()}`,
      scan.stderr,
    );
  const lines = scan.stdout.split('\n');
  const dir = lines.find((l) => l.startsWith('dir='))!.slice(4);
  if (lines.includes('absent')) return { removed: null, entries: [], viaSudo: false };
  const busy = lines
    .filter((l) => l.startsWith('busy='))
    .map((l) => {
      const rest = l.slice(5);
      return { pid: Number(rest.slice(0, rest.indexOf(' '))), command: rest.slice(rest.indexOf(' ') + 1).trim() };
    });
  if (busy.length) {
    throw new HostBusyError(
      `${t.hostLabel}: not cleaned: ${busy.length === 1 ? 'a process' : `${busy.length} processes`} of ours still run from ${dir} ` +
        `(${busy.map((b) => `pid ${b.pid}: ${b.command.slice(0, 120)}`).join('; ')}). Disconnect the editors and CLI commands using this host (or end those pids), then clean again.`,
      busy,
    );
  }
  const entries = lines.filter((l) => l.startsWith('entry=')).map((l) => l.slice(6));
  const plain = await t.exec(['/bin/sh', '-c', REMOVE_SCRIPT, 'sh', dir], { timeoutMs: 120_000 });
  if (plain.code === 0) return { removed: dir, entries, viaSudo: false };
  // Not everything is ours to remove as this login (the agent's state is root's): through sudo.
  let mode: SudoMode = { kind: 'nopasswd' };
  let r = await execAsRoot(t, mode, ['/bin/sh', '-c', REMOVE_SCRIPT, 'sh', dir], { timeoutMs: 120_000 });
  if (r.code !== 0 && /password is required|a terminal is required/i.test(r.stderr) && opts.askSudoPassword) {
    const user = (await t.exec(['id', '-un'], { timeoutMs: 10_000 })).stdout.trim();
    const password = await opts.askSudoPassword({ host: t.hostLabel, user });
    if (password === undefined)
      throw new DeployError(
        'SudoNeedsPassword',
        `${t.hostLabel}: the sudo password for ${user} was not given; ${dir} holds root's files.`,
        '',
      );
    mode = { kind: 'password', password };
    r = await execAsRoot(t, mode, ['/bin/sh', '-c', REMOVE_SCRIPT, 'sh', dir], { timeoutMs: 120_000 });
    if (r.code !== 0 && /incorrect password|try again/i.test(r.stderr)) {
      throw new DeployError(
        'SudoPasswordWrong',
        `${t.hostLabel}: sudo refused the password for ${user} (wrong password); ${dir} was only partly removed.`,
        r.stderr,
      );
    }
  }
  if (r.code !== 0) {
    throw new DeployError(
      'CommandFailed',
      `${t.hostLabel}: removing ${dir} failed: ${plain.stderr.trim().split('\n')[0]}; through sudo: ${r.stderr.trim() || `exit ${r.code}`}`,
      r.stderr,
    );
  }
  return { removed: dir, entries, viaSudo: true };
}
