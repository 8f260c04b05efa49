// A "bare" Linux host for tests: a minimal Debian root filesystem (scripts/build-bare-rootfs.sh: an SSH server,
// sudo, iproute2; no node, no bpftool, no clang, no sftp-server) with its SSH server chrooted into an overlay of it,
// inside its own network namespace (test/ssh/helpers/nsHost.ts: a veth whose far end is the host's eth0). The
// server runs in a private mount namespace holding the overlay, /proc, /sys, bpffs, tracefs and the cgroup2 tree, so
// BPF works in the chroot and every mount goes away with the last process in it; nothing is mounted in ours.
// The overlay's upper directory records every file the host wrote: writtenSince() is how a test sees what we left.
//   openssh   OpenSSH, no Subsystem sftp, root logs in with a key
//   dropbear  Dropbear, root logs in with a key (Dropbear has no SFTP of its own)
//   sudo      OpenSSH, the login is `alice`, whose sudo asks for her password
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, lstatSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SshConnectOptions } from '../../../extension/core/ssh/connect';
import { createNsHost, type NsHost } from '../../ssh/helpers/nsHost';
import { createClientHome, type ClientHome } from '../../ssh/helpers/sshd';
import { until } from '../../kernel/helpers/until';
import { untilListening } from '../../kernel/helpers/listening';

const execFileP = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');

export type BareKind = 'openssh' | 'dropbear' | 'sudo';

export interface BareHost {
  kind: BareKind;
  ns: NsHost;
  /** The host's address on its eth0 (the SSH server listens there, port 22). */
  address: string;
  /** The login: root, or alice (kind sudo). */
  user: string;
  home: string;
  /** alice's sudo password (kind sudo). */
  sudoPassword?: string;
  /** An ssh_config alias in the client home naming this host (HostName, User, IdentityFile). */
  alias: string;
  /** `user@address`, for openSession. */
  spec: string;
  client: ClientHome;
  connectOptions(extra?: Partial<SshConnectOptions>): SshConnectOptions;
  /** Runs argv inside the host (its mount namespace, network namespace and chroot) as root; returns stdout. */
  exec(argv: string[]): Promise<string>;
  /** The command lines of the processes running in the host (its network namespace; /proc shows the whole machine). */
  processes(): string[];
  /** The same, with their pids (as this machine sees them: the host shares our pid namespace). */
  processTable(): { pid: number; cmdline: string }[];
  /** Paths (relative to the host's /) created or changed since the host was ready, except under `except`. */
  writtenSince(except: string[]): string[];
  /** The server's log (stderr), for assertion messages. */
  log(): string;
  stop(): Promise<void>;
}

/** The cached root filesystem, built on first use (under a lock: parallel files build it once). */
async function rootfsTar(): Promise<string> {
  const { stdout } = await execFileP(join(ROOT, 'scripts', 'build-bare-rootfs.sh'), [], { timeout: 900_000, maxBuffer: 1 << 20 });
  return stdout.trim().split('\n').pop()!;
}

/** The tarball unpacked once beside it: the overlay's read-only lower layer, shared by every host. */
async function lowerDir(): Promise<string> {
  const tar = await rootfsTar();
  const dir = tar.replace(/\.tar$/, '.d');
  if (existsSync(join(dir, 'etc', 'os-release'))) return dir;
  // `flock` serialises the unpacking of parallel test files; the second one finds it done.
  const script =
    'set -e; [ -e "$2/etc/os-release" ] && exit 0; rm -rf "$2.tmp"; mkdir -p "$2.tmp"; tar -C "$2.tmp" -xf "$1"; mv "$2.tmp" "$2"';
  await execFileP('flock', [`${tar}.lock`, 'sh', '-c', script, 'sh', tar, dir], { timeout: 300_000 });
  return dir;
}

/**
 * Mounts the host's file systems in the private mount namespace this script runs in, prepares the login, and
 * becomes the SSH server. Inputs are positional: merged lower upper work kind address pubkey password.
 */
const SERVER_SCRIPT = `
set -e
m=$1 lower=$2 upper=$3 work=$4 kind=$5 addr=$6 pubkey=$7 password=$8 arch=$9
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$m"
mount -t proc proc "$m/proc"
mount -t sysfs sysfs "$m/sys"
mount -t bpf bpf "$m/sys/fs/bpf"
mount -t tracefs tracefs "$m/sys/kernel/tracing"
mount -t cgroup2 cgroup2 "$m/sys/fs/cgroup"
mount --bind /dev "$m/dev"
mount -t tmpfs -o mode=0755 tmpfs "$m/run"
mkdir -p "$m/run/sshd"
inroot() { chroot "$m" "$@"; }
if [ "$kind" = sudo ]; then
  inroot useradd -m -s /bin/bash alice
  printf 'alice:%s\\n' "$password" | inroot chpasswd
  printf 'alice ALL=(ALL:ALL) ALL\\n' > "$m/etc/sudoers.d/alice"
  chmod 0440 "$m/etc/sudoers.d/alice"
  h=/home/alice; owner=alice
else
  h=/root; owner=root
fi
mkdir -p "$m$h/.ssh"
printf '%s\\n' "$pubkey" > "$m$h/.ssh/authorized_keys"
inroot chown -R "$owner:$owner" "$h/.ssh"
chmod 0700 "$m$h/.ssh"; chmod 0600 "$m$h/.ssh/authorized_keys"
if [ "$kind" = dropbear ]; then
  inroot dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
  printf 'hostkey %s\n' "$(inroot dropbearkey -y -f /etc/dropbear/dropbear_ed25519_host_key | grep '^ssh-')" >&2
  exec chroot "$m" /usr/sbin/dropbear -F -E -s -p "$addr:22" -r /etc/dropbear/dropbear_ed25519_host_key
fi
printf 'ListenAddress %s\\nPermitRootLogin prohibit-password\\nPasswordAuthentication no\\nKbdInteractiveAuthentication no\\nUsePAM no\\nMaxSessions 64\\nMaxStartups 100:30:200\\n' "$addr" > "$m/etc/ssh/sshd_config.d/bare.conf"
printf 'hostkey %s\n' "$(cat "$m/etc/ssh/ssh_host_ed25519_key.pub")" >&2
# Another CPU as the kernel reports it to the server and every process it starts (uname -m), e.g. i686.
if [ -n "$arch" ]; then exec setarch "$arch" chroot "$m" /usr/sbin/sshd -D -e; fi
exec chroot "$m" /usr/sbin/sshd -D -e
`;

function listFiles(dir: string, rel = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, rel));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const r = `${rel}/${n}`;
    const st = lstatSync(join(dir, r));
    return st.isDirectory() ? [r, ...listFiles(dir, r)] : [r];
  });
}

/** The processes in a network namespace with their command lines. */
function processTable(netns: string): { pid: number; cmdline: string }[] {
  let pids: string[] = [];
  try {
    pids = execFileSync('ip', ['netns', 'pids', netns]).toString().trim().split(/\s+/).filter(Boolean);
  } catch {
    /* gone */
  }
  return pids.flatMap((p) => {
    try {
      return [{ pid: Number(p), cmdline: readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() }];
    } catch {
      return [];
    }
  });
}

/**
 * Starts a bare host of `kind`; `token` names its namespace, veth and temp directory (1-8 of [a-z0-9]).
 * `arch` (OpenSSH only): the personality its server runs under (`setarch ARCH`), so `uname -m` on the host says
 * ARCH: a 32-bit x86 host is `i686`.
 */
export async function startBareHost(token: string, kind: BareKind, opts: { arch?: string } = {}): Promise<BareHost> {
  const lower = await lowerDir();
  const dir = mkdtempSync(join(tmpdir(), `end_${token}_bare_`));
  for (const d of ['merged', 'upper', 'work']) mkdirSync(join(dir, d));
  const ns = createNsHost(token);
  const client = createClientHome(token);
  const user = kind === 'sudo' ? 'alice' : 'root';
  const home = kind === 'sudo' ? '/home/alice' : '/root';
  const sudoPassword = kind === 'sudo' ? `pw-${token}-Zq9` : undefined;
  const merged = join(dir, 'merged');
  let log = '';
  let child: ChildProcess | undefined;
  const stop = async () => {
    // Every process in the namespace (the server, its sessions, agents, watchdogs): their end unmounts everything.
    const killAll = (): boolean => {
      let pids: number[] = [];
      try {
        pids = execFileSync('ip', ['netns', 'pids', ns.netns]).toString().trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        /* gone */
      }
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      return pids.length === 0;
    };
    // Bounded like before (5 s): what still runs then goes with the namespace's deletion below.
    await until(killAll, "the bare host's processes to end", 5_000, 100).catch(() => undefined);
    if (child && child.exitCode === null) child.kill('SIGKILL');
    ns.destroy();
    client.cleanup();
    // The mounts lived in the server's private mount namespace: here `merged` is a plain empty directory.
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${ns.netns}`,
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--',
        '/bin/sh',
        '-c',
        SERVER_SCRIPT,
        'sh',
        merged,
        lower,
        join(dir, 'upper'),
        join(dir, 'work'),
        kind,
        ns.address,
        client.publicKey,
        sudoPassword ?? '',
        opts.arch ?? '',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (b: Buffer) => {
      log = (log + b.toString()).slice(-20000);
    });
    await untilListening(ns.address, 22, child, () => log);
    // The script said its host key on stderr before becoming the server.
    const hostKey = /^hostkey (\S+) (\S+)/m.exec(log);
    if (!hostKey) throw new Error(`the bare host did not report its host key: ${log}`);
    appendFileSync(client.knownHostsPath, `${ns.address} ${hostKey[1]} ${hostKey[2]}\n`);
  } catch (e) {
    await stop();
    throw e;
  }
  const alias = `bare-${kind}-${token}`;
  client.addHost(alias, [`HostName ${ns.address}`, `User ${user}`, `IdentityFile ${client.keyPath}`]);
  const serverPid = child.pid!;
  const baseline = new Set(listFiles(join(dir, 'upper')));
  return {
    kind,
    ns,
    address: ns.address,
    user,
    home,
    sudoPassword,
    alias,
    spec: `${user}@${ns.address}`,
    client,
    connectOptions: (extra = {}) => client.connectOptions({ localUser: 'root', ...extra }),
    exec: async (argv) => {
      // The server process is `chroot ... sshd` after exec: its mount namespace holds the host's mounts.
      const { stdout } = await execFileP('nsenter', ['-t', String(serverPid), '-m', '-n', 'chroot', merged, ...argv], {
        timeout: 60_000,
        maxBuffer: 64 << 20,
      });
      return stdout;
    },
    processes: () => processTable(ns.netns).map((p) => p.cmdline),
    processTable: () => processTable(ns.netns),
    writtenSince: (except) =>
      listFiles(join(dir, 'upper'))
        .filter((p) => !baseline.has(p))
        .filter((p) => !except.some((e) => p === e || p.startsWith(`${e}/`) || e.startsWith(`${p}/`))),
    log: () => log,
    stop,
  };
}
