// What each SSH session of the by-hand baselines pays on this machine before its command runs: sshd starts root's
// login shell, and Debian's bash reads ~/.bashrc for a command from sshd. On the development VM that file runs
// `pyenv init` (0.5-0.7 s). The edit-to-attached benches' by-hand steps open three sessions (scp's sftp-server
// subsystem and two execs); ours open none per attach. So they also print the ratio against by hand less three
// such reads, measured here in the same run: what a host with a plain shell would give.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The median of three reads of ~/.bashrc by bash (ms), or undefined when there is no such file. */
export function bashrcReadMs(): { file: string; ms: number } | undefined {
  const file = join(process.env.HOME ?? '/root', '.bashrc');
  if (!existsSync(file)) return undefined;
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    execFileSync('bash', ['-c', '. "$1"', 'bash', file], { stdio: 'ignore' });
    reads.push(Date.now() - t);
  }
  return { file, ms: reads.sort((a, b) => a - b)[1] };
}

/** The line both benches print: by hand less `sessions` reads, and ours against that. */
export function plainShellLine(ours: number, byHand: number, sessions = 3): string | undefined {
  const rc = bashrcReadMs();
  if (!rc) return undefined;
  const plain = byHand - sessions * rc.ms;
  return `  by hand less ${sessions} reads of ${rc.file} (${rc.ms} ms each): ${plain} ms; ours / that: ${(ours / plain).toFixed(2)}x`;
}
