// Turns the kernel's BPF run-time statistics on for as long as a holder lives, in a way that cannot outlive the
// agent (the cost is some 20 ns per program run, and nobody must be left paying it unknowingly):
//   - `fd`: a perl one-liner (perl-base is on every Debian/Ubuntu host) calls bpf(BPF_ENABLE_STATS) and holds the
//     returned file descriptor until its stdin (a pipe from the agent) ends. The kernel counts such fds and stops
//     the statistics when the last one closes, also when the holder is killed: an agent killed by SIGKILL closes
//     the pipe, and `setpriv --pdeathsig` ends the holder as well. Nothing to restore by hand.
//   - `sysctl` (no perl, or a kernel without BPF_ENABLE_STATS, < 5.8): kernel.bpf_stats_enabled=1, and a watcher
//     process in its own session that writes 0 back once the pipe from the agent ends, however the agent ends.
// bpftool has no command that holds the fd (`bpftool prog profile` counts hardware events instead).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { spawnTied } from '../packetPath/tiedSpawn';

export const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

/** __NR_bpf per architecture (node's process.arch names). */
const NR_BPF: Record<string, number> = { x64: 321, arm64: 280, riscv64: 280, loong64: 280, ia32: 357, arm: 386, s390x: 351, ppc64: 361 };
/** enum bpf_cmd BPF_ENABLE_STATS; attr.enable_stats.type = BPF_STATS_RUN_TIME (0). */
const BPF_ENABLE_STATS = 32;

export function holderScript(nr: number): string {
  return [
    'my $attr = pack("L", 0);',
    `my $fd = syscall(${nr}, ${BPF_ENABLE_STATS}, $attr, 4);`,
    'if ($fd < 0) { print STDERR "bpf(BPF_ENABLE_STATS): $!\\n"; exit 3; }',
    '$| = 1; print "holding $fd\\n";',
    '1 while <STDIN>;',
  ].join(' ');
}

export interface StatsHolder {
  mode: 'fd' | 'sysctl';
  /** Ends the holder; resolves once the statistics are off again (as far as this holder is concerned). */
  release(): Promise<void>;
}

function findPerl(): string | null {
  for (const p of ['/usr/bin/perl', '/bin/perl']) {
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

export function sysctlValue(): number {
  try {
    return Number(readFileSync(STATS_SYSCTL, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Starts the fd holder; resolves once it holds the fd, rejects with what it said when it could not. */
async function holdFd(perl: string): Promise<StatsHolder> {
  const nr = NR_BPF[process.arch];
  if (nr === undefined) throw new Error(`no bpf syscall number known for ${process.arch}`);
  const child = spawnTied([perl, '-e', holderScript(nr)]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('holding')) resolve();
    });
    child.once('exit', (code) => reject(new Error(stderr.trim() || `perl exited with ${code}`)));
    child.once('error', reject);
  });
  return {
    mode: 'fd',
    async release() {
      child.stdin.end();
      const gone = exited(child);
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** sysctl=1 plus a watcher in its own session that writes 0 once our pipe to it closes. */
function holdSysctl(): StatsHolder {
  // The watcher's script is a constant: no user input reaches it.
  const watcher = spawn('/bin/sh', ['-c', `cat >/dev/null; echo 0 > ${STATS_SYSCTL}`], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watcher.unref();
  writeFileSync(STATS_SYSCTL, '1\n');
  return {
    mode: 'sysctl',
    async release() {
      const gone = exited(watcher);
      watcher.stdin!.end();
      await gone;
    },
  };
}

/** Turns statistics on; `log` hears why the fd way was not taken. */
export async function enableStats(log: (message: string) => void): Promise<StatsHolder> {
  // EBPF_NETDEBUG_STATS_VIA=sysctl takes the fallback on purpose (its tests; a host whose perl misbehaves)
  const perl = process.env.EBPF_NETDEBUG_STATS_VIA === 'sysctl' ? null : findPerl();
  if (perl) {
    try {
      return await holdFd(perl);
    } catch (e) {
      log(`BPF_ENABLE_STATS through perl failed (${(e as Error).message}); using kernel.bpf_stats_enabled instead`);
    }
  } else if (process.env.EBPF_NETDEBUG_STATS_VIA !== 'sysctl') {
    log('perl is not on this host: BPF statistics go on through kernel.bpf_stats_enabled, restored by a watcher');
  }
  return holdSysctl();
}
