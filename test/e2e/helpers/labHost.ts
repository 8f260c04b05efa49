// A lab host for the end-to-end runs and `npm start`: a network namespace whose interface is eth0 (the "host"),
// a peer namespace on the other end of that eth0 to ping from, and an OpenSSH sshd inside the host namespace,
// reachable from the root namespace over a management veth. The sshd runs under `nsenter --net` (not
// `ip netns exec`, which would hide /sys/fs/bpf from its sessions: ../shared/docs/KERNEL-FACTS.md). It has its own host key,
// client key, authorized_keys and known_hosts, and an ssh_config alias that the extension resolves like OpenSSH.
// Everything is named end_<token>_* and removed by destroy(), also after a half-finished create().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { untilListening } from '../../kernel/helpers/listening';

const run = promisify(execFile);

export interface LabHost {
  token: string;
  /** Namespace of the host (its interface to the lab is eth0). */
  hostNs: string;
  /** Namespace of the peer that pings the host. */
  peerNs: string;
  /** eth0 addresses inside the lab. */
  hostAddress: string;
  peerAddress: string;
  /** sshd's address, reachable from the root namespace. */
  sshAddress: string;
  /** The ssh_config alias the extension uses (written into `sshConfig`). */
  alias: string;
  /** Files of the client side: ssh_config, private key, known_hosts. */
  sshConfig: string;
  identityFile: string;
  knownHostsFile: string;
  /** Writes ~/.ssh/config, the key and known_hosts into a (private) HOME. */
  installClient(home: string): void;
  /** Runs argv inside a namespace of the lab, keeping the mount namespace (bpffs stays visible). */
  inNs(ns: string, argv: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
  /** Pings the host's eth0 from the peer: packets sent and received. */
  ping(count?: number): Promise<{ sent: number; received: number }>;
  /** `bpftool -j net show dev eth0` inside the host namespace. */
  xdpOnEth0(): Promise<{ id: number; mode: string; name?: string } | undefined>;
  /** Stops the host's sshd (a host that is down for SSH; the namespaces stay until destroy()). */
  stopSshd(): Promise<void>;
  destroy(): Promise<void>;
}

const bpftool = '/usr/sbin/bpftool';
/** How long a stopping sshd may take before it is killed. */
const SSHD_STOP_BOUND_MS = 3_000;

/**
 * `base` is the test file's own token (1-6 of [a-z0-9]); unless `fixedToken`, two characters of this process's
 * pid are appended, so two runs of the same file at the same time (two engineers, or a tier run beside a single
 * file) do not collide either.
 */
export async function createLabHost(base: string, opts: { fixedToken?: boolean } = {}): Promise<LabHost> {
  if (!/^[a-z0-9]{1,6}$/.test(base)) throw new Error(`token ${JSON.stringify(base)}: use 1-6 of [a-z0-9]`);
  const token = opts.fixedToken ? base : base + (process.pid % 1296).toString(36).padStart(2, '0');
  const hostNs = `end_${token}_h`;
  const peerNs = `end_${token}_p`;
  // Checked before anything is made: destroy() must never remove namespaces another run owns.
  const existing = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]);
  for (const ns of [hostNs, peerNs]) {
    if (existing.includes(ns)) {
      throw new Error(
        `namespace ${ns} exists already: another run with token ${token} is going on (or died without cleaning up); use a token of its own per test file`,
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `end-${token}-lab-`));
  let sshd: ChildProcess | undefined;

  const stopSshd = async () => {
    if (sshd?.pid && sshd.exitCode === null) {
      // SIGTERM, then its exit; an sshd that ignores it is killed at the bound (a failure's bound, not a wait)
      const gone = new Promise((r) => sshd!.once('exit', r));
      const killer = setTimeout(() => sshd?.kill('SIGKILL'), SSHD_STOP_BOUND_MS);
      sshd.kill('SIGTERM');
      await gone;
      clearTimeout(killer);
    }
  };
  const destroy = async () => {
    await stopSshd();
    // Anything the agent attached inside dies with the namespaces; the management veth goes with its peer.
    for (const ns of [hostNs, peerNs]) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  const inNs = async (ns: string, argv: string[]) => {
    try {
      const r = await run('nsenter', [`--net=/run/netns/${ns}`, ...argv], { timeout: 60_000 });
      return { stdout: r.stdout, stderr: r.stderr, code: 0 };
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; code?: number };
      return { stdout: x.stdout ?? '', stderr: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : 1 };
    }
  };
  const must = async (argv: string[]) => {
    await run(argv[0], argv.slice(1), { timeout: 30_000 });
  };

  try {
    const mgmtNet = await freeMgmtSubnet();
    const sshAddress = `${mgmtNet}.2`;
    const hostAddress = '192.168.77.1';
    const peerAddress = '192.168.77.2';
    await must(['ip', 'netns', 'add', hostNs]);
    await must(['ip', 'netns', 'add', peerNs]);
    // The lab link: eth0 in both namespaces.
    await must(['ip', 'link', 'add', `e${token}h`, 'type', 'veth', 'peer', 'name', `e${token}p`]);
    await must(['ip', 'link', 'set', `e${token}h`, 'netns', hostNs]);
    await must(['ip', 'link', 'set', `e${token}p`, 'netns', peerNs]);
    await must(['ip', '-n', hostNs, 'link', 'set', `e${token}h`, 'name', 'eth0']);
    await must(['ip', '-n', peerNs, 'link', 'set', `e${token}p`, 'name', 'eth0']);
    await must(['ip', '-n', hostNs, 'addr', 'add', `${hostAddress}/24`, 'dev', 'eth0']);
    await must(['ip', '-n', peerNs, 'addr', 'add', `${peerAddress}/24`, 'dev', 'eth0']);
    // The management link: root namespace <-> mgmt0 of the host, carrying SSH only.
    await must(['ip', 'link', 'add', `end${token}m`, 'type', 'veth', 'peer', 'name', `end${token}n`]);
    await must(['ip', 'link', 'set', `end${token}n`, 'netns', hostNs]);
    await must(['ip', '-n', hostNs, 'link', 'set', `end${token}n`, 'name', 'mgmt0']);
    await must(['ip', 'addr', 'add', `${mgmtNet}.1/30`, 'dev', `end${token}m`]);
    await must(['ip', '-n', hostNs, 'addr', 'add', `${sshAddress}/30`, 'dev', 'mgmt0']);
    for (const [ns, ifs] of [
      [hostNs, ['lo', 'eth0', 'mgmt0']],
      [peerNs, ['lo', 'eth0']],
    ] as const) {
      for (const i of ifs) await must(['ip', '-n', ns, 'link', 'set', i, 'up']);
    }
    await must(['ip', 'link', 'set', `end${token}m`, 'up']);

    // Keys and sshd.
    const hostKey = join(dir, 'ssh_host_ed25519_key');
    const identityFile = join(dir, 'id_ed25519');
    await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `end-${token}-host`, '-f', hostKey]);
    await must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `end-${token}-client`, '-f', identityFile]);
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(authorized, readFileSync(`${identityFile}.pub`));
    const knownHostsFile = join(dir, 'known_hosts');
    const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(knownHostsFile, `${sshAddress} ${hostPub}\n`);
    const sshdConfig = join(dir, 'sshd_config');
    writeFileSync(
      sshdConfig,
      [
        `Port 22`,
        `ListenAddress ${sshAddress}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${authorized}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'StrictModes no',
        'Subsystem sftp /usr/lib/openssh/sftp-server',
        'MaxSessions 50',
        'MaxStartups 50',
        '',
      ].join('\n'),
    );
    mkdirSync('/run/sshd', { recursive: true });
    sshd = spawn('nsenter', [`--net=/run/netns/${hostNs}`, '/usr/sbin/sshd', '-D', '-e', '-f', sshdConfig], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let sshdErr = '';
    sshd.stderr?.on('data', (b: Buffer) => {
      sshdErr = (sshdErr + b.toString()).slice(-4000);
    });
    await untilListening(sshAddress, 22, sshd, () => sshdErr, 10_000);

    const alias = `end-${token}-lab`;
    const sshConfig = join(dir, 'ssh_config');
    writeFileSync(
      sshConfig,
      [
        `Host ${alias}`,
        `  HostName ${sshAddress}`,
        '  User root',
        '  Port 22',
        `  IdentityFile ${identityFile}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHostsFile}`,
        '  StrictHostKeyChecking yes',
        '',
      ].join('\n'),
    );

    const lab: LabHost = {
      token,
      hostNs,
      peerNs,
      hostAddress,
      peerAddress,
      sshAddress,
      alias,
      sshConfig,
      identityFile,
      knownHostsFile,
      installClient(home) {
        const ssh = join(home, '.ssh');
        mkdirSync(ssh, { recursive: true, mode: 0o700 });
        writeFileSync(join(ssh, 'config'), readFileSync(sshConfig));
        chmodSync(join(ssh, 'config'), 0o600);
      },
      inNs,
      async ping(count = 5) {
        const r = await inNs(peerNs, ['ping', '-n', '-c', String(count), '-i', '0.2', '-W', '1', hostAddress]);
        const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
        if (!m) throw new Error(`ping printed no summary: ${r.stdout}${r.stderr}`);
        return { sent: Number(m[1]), received: Number(m[2]) };
      },
      async xdpOnEth0() {
        const r = await inNs(hostNs, [bpftool, '-j', 'net', 'show', 'dev', 'eth0']);
        if (r.code !== 0) throw new Error(`bpftool net show failed: ${r.stderr}`);
        const parsed = JSON.parse(r.stdout) as { xdp?: { id: number; mode: string; name?: string }[] }[];
        return parsed[0]?.xdp?.[0];
      },
      stopSshd,
      destroy,
    };
    return lab;
  } catch (e) {
    await destroy();
    throw e;
  }
}

/** A 10.247.N.0/30 the root namespace does not route yet, so two labs (or anybody else's) never collide. */
async function freeMgmtSubnet(): Promise<string> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  for (let i = 0; i < 50; i++) {
    const n = Math.floor(Math.random() * 250) + 1;
    const net = `10.247.${n}`;
    if (!stdout.includes(` ${net}.`)) return net;
  }
  throw new Error('no free 10.247.N.0/30 for the lab management link');
}
