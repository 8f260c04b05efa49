// A real OpenSSH sshd for tests, with everything private to one temp directory: its config, host key,
// authorized_keys, and a client side (home with .ssh/config, known_hosts, key) that openSession/connectSsh use
// through SshConnectOptions, so nothing touches /root/.ssh. Runs in the foreground (-D) as our child, on loopback
// or inside a namespace (started with `nsenter --net`, never `ip netns exec`: see KERNEL-FACTS "namespace trap").
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshConnectOptions } from '../../../extension/core/ssh/connect';
import { untilListening } from '../../kernel/helpers/listening';

export interface SshdOptions {
  /** Unique per test file; names temp dirs and aliases. */
  token: string;
  /** Run inside this namespace (/run/netns/NAME) instead of the root one; then give listenAddress (its address). */
  netns?: string;
  listenAddress?: string;
  /** Default: a free port on loopback, 22 inside a namespace. */
  port?: number;
  /** More sshd_config lines (e.g. `SetEnv PATH=/usr/sbin`). */
  extraConfig?: string[];
  /** Record the host key in the client's known_hosts (default true). */
  trustHostKey?: boolean;
  /** The client-side directory to reuse (several sshds, one client home). */
  client?: ClientHome;
  /** Also present a host certificate: the host key signed with `ssh-keygen -s caKeyPath -h` (HostCertificate). */
  hostCertificate?: { caKeyPath: string; keyId: string; principals?: string; validity?: string };
}

export interface ClientHome {
  home: string;
  sshDir: string;
  configPath: string;
  knownHostsPath: string;
  keyPath: string;
  publicKey: string;
  /** Options for connectSsh/openSession: this home, this config, short keepalives. */
  connectOptions(extra?: Partial<SshConnectOptions>): SshConnectOptions;
  /** Adds a Host block to the client's ssh_config. */
  addHost(alias: string, lines: string[]): void;
  cleanup(): void;
}

export interface Sshd {
  host: string;
  port: number;
  /** `root@host:port`, ready for openSession. */
  spec: string;
  dir: string;
  client: ClientHome;
  hostKeyPath: string;
  hostPublicKey: { type: string; blob: Buffer; line: string };
  /** The listening sshd's pid (our child, or nsenter's exec'ed child). */
  pid: number;
  /** The per-connection sshd processes now serving sessions (children of the listener). */
  sessionPids(): number[];
  /** The last 20 KB sshd wrote to stderr (-e: its log), for assertion messages. */
  log(): string;
  stop(): Promise<void>;
}

/** How long a stopping sshd may take before it is killed: a bound on a failure, not a wait. */
const SSHD_STOP_BOUND_MS = 3_000;

export function createClientHome(token: string): ClientHome {
  const home = mkdtempSync(join(tmpdir(), `end_${token}_home_`));
  const sshDir = join(home, '.ssh');
  mkdirSync(sshDir, { mode: 0o700 });
  const keyPath = join(sshDir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `end_${token}`, '-f', keyPath]);
  const configPath = join(sshDir, 'config');
  const knownHostsPath = join(sshDir, 'known_hosts');
  writeFileSync(configPath, '');
  writeFileSync(knownHostsPath, '');
  return {
    home,
    sshDir,
    configPath,
    knownHostsPath,
    keyPath,
    publicKey: readFileSync(`${keyPath}.pub`, 'utf8').trim(),
    connectOptions: (extra = {}) => ({
      home,
      configPath,
      localUser: 'root',
      keepaliveIntervalMs: 1000,
      keepaliveCountMax: 3,
      readyTimeoutMs: 15000,
      ...extra,
    }),
    addHost: (alias, lines) => appendFileSync(configPath, `Host ${alias}\n${lines.map((l) => `  ${l}\n`).join('')}\n`),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function startSshd(opts: SshdOptions): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), `end_${opts.token}_sshd_`));
  const client = opts.client ?? createClientHome(opts.token);
  const ownsClient = !opts.client;
  const hostKeyPath = join(dir, 'ssh_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyPath]);
  const cert = opts.hostCertificate;
  if (cert) {
    execFileSync('ssh-keygen', [
      '-q',
      '-s',
      cert.caKeyPath,
      '-h',
      '-I',
      cert.keyId,
      ...(cert.principals ? ['-n', cert.principals] : []),
      ...(cert.validity ? ['-V', cert.validity] : []),
      `${hostKeyPath}.pub`,
    ]);
  }
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, `${client.publicKey}\n`, { mode: 0o644 });
  // Non-root test users log in too: sshd reads authorized_keys as the user, so the directory must be searchable.
  chmodSync(dir, 0o755);
  const host = opts.listenAddress ?? '127.0.0.1';
  const port = opts.port ?? (opts.netns ? 22 : await freePort());
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKeyPath}`,
      ...(cert ? [`HostCertificate ${hostKeyPath}-cert.pub`] : []),
      `AuthorizedKeysFile ${authorized}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      'MaxSessions 64',
      'MaxStartups 100:30:200',
      'LogLevel VERBOSE',
      ...(opts.extraConfig ?? []),
      '',
    ].join('\n'),
  );
  const argv = ['/usr/sbin/sshd', '-D', '-e', '-f', config];
  // nsenter execs sshd in place, so the child's pid IS the listener's pid.
  const child = opts.netns
    ? spawn('nsenter', [`--net=/run/netns/${opts.netns}`, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => {
    log = (log + b.toString()).slice(-20000);
  });
  await untilListening(host, port, child, () => log, 10_000);
  const [type, b64] = readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(' ');
  const knownName = port === 22 ? host : `[${host}]:${port}`;
  const line = `${knownName} ${type} ${b64}`;
  if (opts.trustHostKey !== false) appendFileSync(client.knownHostsPath, `${line}\n`);
  const pid = child.pid!;
  return {
    host,
    port,
    spec: `root@${host}:${port}`,
    dir,
    client,
    hostKeyPath,
    hostPublicKey: { type, blob: Buffer.from(b64, 'base64'), line },
    pid,
    sessionPids: () => childrenOf(pid),
    log: () => log,
    stop: async () => {
      // Per-connection processes first (they would linger after the listener), then the listener.
      for (const p of childrenOf(pid)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      // exitCode stays null for a listener killed by a signal (a test killing it on purpose): signalCode says so.
      if (child.exitCode === null && child.signalCode === null) {
        // SIGTERM, then the exit itself; an sshd that ignores it is killed at the bound
        const gone = new Promise((r) => child.once('exit', r));
        const killer = setTimeout(() => child.kill('SIGKILL'), SSHD_STOP_BOUND_MS);
        child.kill('SIGTERM');
        await gone;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
      if (ownsClient) client.cleanup();
    },
  };
}
