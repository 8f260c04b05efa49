// Puts the agent on a host and starts it (docs/deploy.md). One probe round trip says what the host has; then:
//   - dist/agent.js goes to ~/.cache/ebpf-netdebug/agent-<version>/ when its sha256 differs (exec-channel upload,
//     verified on the host: no SFTP needed);
//   - when the host has no Node.js >= 18 or no bpftool >= 7.5, the runtime for its CPU (runtime.ts) goes to
//     ~/.cache/ebpf-netdebug/runtime-<arch>-<sha>/, once per content, and the agent runs on it;
//   - a login that is not root runs the agent through sudo (NOPASSWD as it is, or the password on sudo's stdin);
//   - the agent keeps its state in ~/.cache/ebpf-netdebug/state (--state-dir), so nothing of ours lives elsewhere.
// Every failure names the fix.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ExecResult, RemoteProcess, Transport } from '../transport/transport';
import { DeployError } from './deployError';
import { PATH_LINE } from './hostPath';
import { probeHost, type Probe, type SshInterface } from './probe';
import {
  bpftoolGoodEnough,
  findRuntimes,
  normalizeMachine,
  runtimeDirFor,
  runtimeForMachine,
  runtimesArgument,
  type RuntimeArtifact,
} from './runtime';
import { asRoot, execAsRoot, spawnAsRoot, sudoModeFor, type SudoMode, type SudoPasswordPrompt } from './sudo';
import { uploadFile, uploadTree } from './upload';

export { DeployError } from './deployError';
export { parseSshInterface, type SshInterface } from './probe';
export type { SudoPasswordPrompt } from './sudo';

export interface DeployOptions {
  /** The agent bundle to upload (dist/agent.js). */
  agentPath: string;
  /** Version directory name; default: the version in the package.json next to the bundle's dist/. */
  agentVersion?: string;
  /** Base directory on the host, relative to the login's home; default .cache/ebpf-netdebug. */
  remoteBase?: string;
  /**
   * Where the runtime tarballs are (an offline copy: the editor's ebpfNetDebug.runtimeDir); default
   * $EBPF_NETDEBUG_RUNTIME_DIR, else dist/runtime beside the bundle.
   */
  runtimeDir?: string;
  /** The user's bpftool on the host: then the runtime is not brought for bpftool's sake. */
  bpftoolPath?: string;
  /** Asks for the login's sudo password when its sudo needs one (once per connection). */
  askSudoPassword?: SudoPasswordPrompt;
}

export interface DeployResult {
  /** How the agent is started on the host (sudo prefix included; never a password). */
  argv: string[];
  /** Where the agent lives on the host. */
  remotePath: string;
  sha256: string;
  /** false when the host already had this exact bundle (checksum hit). */
  uploaded: boolean;
  /** Other agent versions and runtimes removed from the host. */
  removedVersions: string[];
  /** The Node.js the agent runs on: the host's, or the runtime's (`runtime` set). */
  node: { path: string; version: string };
  /** The runtime this host uses (absent when the host's own Node.js and bpftool suffice). */
  runtime?: { dir: string; arch: string; uploaded: boolean; bpftool: string };
  /** Bytes sent to the host by this deployment (agent bundle and runtime). */
  uploadedBytes: number;
  /** The host's CPU (uname -m), dynamic loader and C library (`glibc 2.36`, `musl 1.2.3`). */
  machine: string;
  loader: string;
  libc: string;
  loginUid: number;
  viaSudo: boolean;
  /** How this login becomes root: 'root' (it is), 'nopasswd', or 'password' (asked; kept only in memory). */
  sudo: SudoMode['kind'];
  /** The host's interface carrying this connection, learned in the same round trip (dead-man default). */
  sshInterface: SshInterface | null;
  /**
   * Starts the agent: `argv` (this result's argv, optionally with more arguments such as --bpftool) through sudo
   * as needed. The agent the probe already started is returned when it is exactly what was asked (once).
   */
  startAgent(argv?: string[]): Promise<RemoteProcess>;
  /** Runs argv as root on the host the way the agent runs (sudo with the password as needed). */
  execAsRoot(argv: string[], opts?: { stdin?: string | Buffer; timeoutMs?: number }): Promise<ExecResult>;
  /**
   * For the next deployment to the same host (a reconnect): answers sudo's question with the password this one was
   * given and sudo accepted, so the user is not asked again while the session lives. Undefined when no password was
   * needed. The password stays in this closure, never in a field.
   */
  sudoPasswordAgain?: SudoPasswordPrompt;
  /** Set when this session reached the host's kept agent (keptAgent.ts) instead of starting one. */
  kept?: { socket: string };
}

const MIN_NODE_MAJOR = 18;
const VERSION_DIR_RE = /^agent-[A-Za-z0-9._+-]{1,64}$/;
const RUNTIME_DIR_RE = /^runtime-[a-z0-9]+-[0-9a-f]{16}$/;

/** The version in the package.json of the tree the bundle belongs to (dist/agent.js -> ../package.json). */
export function bundleVersion(agentPath: string): string {
  for (let d = dirname(agentPath), i = 0; i < 4; d = dirname(d), i++) {
    const p = join(d, 'package.json');
    if (existsSync(p)) {
      const v = (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version;
      if (v) return v;
    }
  }
  return '0.0.0';
}

/** What the host lacks, and the runtime that brings it (or the error saying why we cannot serve it). */
function chooseRuntime(
  hostLabel: string,
  probe: Probe,
  runtimes: RuntimeArtifact[],
  opts: DeployOptions,
  runtimeDir: string,
): RuntimeArtifact | undefined {
  const nodeOk = probe.node !== null && probe.node.major >= MIN_NODE_MAJOR;
  const bpftoolOk = !!opts.bpftoolPath || probe.bpftools.some((b) => bpftoolGoodEnough(b.version));
  const rt = runtimeForMachine(runtimes, probe.machine);
  if (nodeOk && bpftoolOk) return undefined;
  if (rt) return rt;
  if (nodeOk) return undefined; // bpftool is older or missing and we have nothing to bring: the agent says what fails
  const machine = normalizeMachine(probe.machine);
  const supported = [...new Set(runtimes.map((r) => r.machine))];
  const libc = [probe.libc, probe.loader && `loader ${probe.loader}`].filter(Boolean).join(', ');
  const has = `CPU ${probe.machine || 'unknown'}${libc ? ` (${libc})` : ''} and ${probe.node ? `Node.js ${probe.node.version}` : 'no Node.js'}`;
  if (supported.length && !supported.includes(machine)) {
    // Said before anything is uploaded. The C library is named for the record only: the runtime brings its own
    // glibc and loader, so musl or an old glibc is served on a supported CPU (docs/deploy.md "The runtime").
    throw new DeployError(
      'UnsupportedHost',
      `${hostLabel} has ${has}; the agent's runtime supports Linux on ${supported.join(' and ')} (it brings its own C library, so any libc), ` +
        `or any host with Node.js >= ${MIN_NODE_MAJOR} and bpftool >= 7.5 installed. Nothing was uploaded.`,
      '',
    );
  }
  const how =
    `or give this client the agent runtime for ${probe.machine || 'its CPU'} (${runtimeDir} has ${supported.length ? `only ${supported.join(', ')}` : 'none'}): ` +
    'point the editor setting ebpfNetDebug.runtimeDir or $EBPF_NETDEBUG_RUNTIME_DIR at a copy of it, or build it (`scripts/build-runtime.sh`)';
  if (probe.node) {
    throw new DeployError(
      'NodeTooOld',
      `Node.js ${probe.node.version} on ${hostLabel} is too old; the agent needs >= ${MIN_NODE_MAJOR}. ` +
        `Upgrade it (NodeSource: https://github.com/nodesource/distributions), ${how}.`,
      '',
    );
  }
  throw new DeployError(
    'NodeMissing',
    `Node.js is not installed on ${hostLabel} (or not on the login's PATH) and the agent's runtime is not available here. ` +
      `Install Node.js >= ${MIN_NODE_MAJOR} on the host (\`sudo apt-get install nodejs\`, or NodeSource: https://github.com/nodesource/distributions), ${how}.`,
    '',
  );
}

/** After an upload: the directories of ours in the base directory. */
const LIST_SCRIPT = `${PATH_LINE}\nchmod 0700 "$1" && ls -1A "$1"`;
const REMOVE_SCRIPT = `${PATH_LINE}\nrm -rf -- "$1"`;

/** Uploads what the host lacks and returns how to start the agent. */
export async function deployAgent(t: Transport, opts: DeployOptions): Promise<DeployResult> {
  const version = opts.agentVersion ?? bundleVersion(opts.agentPath);
  const versionDir = `agent-${version}`;
  if (!VERSION_DIR_RE.test(versionDir))
    throw new DeployError('BadArgument', `agentVersion: ${JSON.stringify(version)} is not a usable directory name`, '');
  const relBase = opts.remoteBase ?? '.cache/ebpf-netdebug';
  if (relBase.startsWith('/') || relBase.split('/').includes('..') || !/^[A-Za-z0-9._/-]+$/.test(relBase)) {
    throw new DeployError('BadArgument', `remoteBase: ${JSON.stringify(relBase)} must be a plain path relative to the login's home`, '');
  }
  const bundle = readFileSync(opts.agentPath);
  const sha256 = createHash('sha256').update(bundle).digest('hex');
  const runtimeDir = runtimeDirFor(opts.agentPath, opts.runtimeDir);
  const runtimes = findRuntimes(runtimeDir);

  const probe = await probeHost(t, { base: relBase, versionDir, sha256, runtimes: runtimesArgument(runtimes) });
  let pre = probe.proc;
  try {
    const base = `${probe.home}/${relBase}`;
    const remotePath = `${base}/${versionDir}/agent.js`;
    const rt = chooseRuntime(t.hostLabel, probe, runtimes, opts, runtimeDir);
    const rtPresent = rt && probe.runtimeDir === rt.dirName;
    // The probe reports a complete runtime for this CPU when there is one (the agent then considers its bpftool too).
    const rtDirName = rt?.dirName ?? probe.runtimeDir;
    const useHostNode = probe.node !== null && probe.node.major >= MIN_NODE_MAJOR;
    const node = useHostNode
      ? { path: probe.node!.path, version: probe.node!.version }
      : { path: `${base}/${rtDirName}/node/node`, version: rt!.node };
    const rootArgv = [
      node.path,
      remotePath,
      '--state-dir',
      `${base}/state`,
      ...(rtDirName ? ['--runtime-bpftool', `${base}/${rtDirName}/bpftool/bpftool`] : []),
    ];

    let uploadedBytes = 0;
    const removedVersions: string[] = [];
    if (rt && !rtPresent) {
      const tarGz = readFileSync(rt.tarball);
      await uploadTree(t, base, rt.dirName, tarGz, rt.sha256);
      uploadedBytes += tarGz.length;
    }
    const uploaded = probe.remoteSha !== sha256;
    if (uploaded) {
      await uploadFile(t, remotePath, bundle, 0o600);
      uploadedBytes += bundle.length;
    }
    if (uploaded || (rt && !rtPresent)) {
      // Other versions are replaced: a running agent of another window keeps working (Linux keeps deleted files open).
      const listing = await t.exec(['/bin/sh', '-c', LIST_SCRIPT, 'sh', base], { timeoutMs: 30_000 });
      for (const name of listing.stdout.split('\n').map((x) => x.trim())) {
        const stale = (VERSION_DIR_RE.test(name) && name !== versionDir) || (RUNTIME_DIR_RE.test(name) && name !== rtDirName);
        if (!stale) continue;
        const r = await t.exec(['/bin/sh', '-c', REMOVE_SCRIPT, 'sh', `${base}/${name}`], { timeoutMs: 60_000 });
        if (r.code !== 0) throw new DeployError('CommandFailed', `removing ${name} on ${t.hostLabel} failed: ${r.stderr.trim()}`, r.stderr);
        removedVersions.push(name);
      }
    }

    // Not root: the root-owned launcher when it is there and allows this bundle (a sudoers rule may allow only it;
    // it chooses the agent's arguments itself, so not with a user-set bpftool), else sudo for exactly this node
    // (asks for the sudo password when needed).
    const mode: SudoMode =
      probe.uid === 0
        ? { kind: 'root' }
        : probe.launcher && !opts.bpftoolPath && (await launcherAllows(t, probe.launcher, remotePath))
          ? { kind: 'launcher', launcher: probe.launcher }
          : await sudoModeFor(t, probe.user, node.path, opts.askSudoPassword).catch((e: unknown) => {
              if (!(e instanceof DeployError) || !probe.launcher || e.kind !== 'SudoNeedsPassword') throw e;
              throw new DeployError(
                e.kind,
                `${e.message} (${probe.launcher} is installed but does not allow this agent version${opts.bpftoolPath ? ', or a bpftoolPath is set, which it does not take' : ''}: ` +
                  'run `ebpf-netdebug host install-launcher --host HOST` again to allow it)',
                e.detail,
              );
            });
    const argv = mode.kind === 'launcher' ? ['sudo', '-n', '--', mode.launcher, remotePath] : asRoot(mode, rootArgv).argv;
    const startAgent = (wanted: string[] = argv): Promise<RemoteProcess> => {
      if (wanted.length < argv.length || argv.some((a, i) => wanted[i] !== a)) {
        return Promise.reject(new Error(`startAgent: ${JSON.stringify(wanted)} does not start with the deployed agent's argv`));
      }
      const extra = wanted.slice(argv.length);
      const p = pre;
      pre = undefined;
      if (p && extra.length === 0) return Promise.resolve(p);
      p?.kill();
      if (mode.kind === 'launcher') {
        if (extra.length) return Promise.reject(new Error(`startAgent: the launcher ${mode.launcher} takes no arguments for the agent`));
        return t.spawn(argv);
      }
      return spawnAsRoot(t, mode, [...rootArgv, ...extra]);
    };
    return {
      argv,
      remotePath,
      sha256,
      uploaded,
      removedVersions,
      node,
      ...(rtDirName
        ? {
            runtime: {
              dir: `${base}/${rtDirName}`,
              arch: rt?.arch ?? rtDirName.split('-')[1],
              uploaded: !!rt && !rtPresent,
              bpftool: `${base}/${rtDirName}/bpftool/bpftool`,
            },
          }
        : {}),
      uploadedBytes,
      machine: probe.machine,
      loader: probe.loader,
      libc: probe.libc,
      loginUid: probe.uid,
      viaSudo: probe.uid !== 0,
      sudo: mode.kind,
      sshInterface: probe.sshInterface,
      startAgent,
      execAsRoot: (a, o) => execAsRoot(t, mode, a, o),
      ...(mode.kind === 'password' ? { sudoPasswordAgain: () => Promise.resolve(mode.password) } : {}),
    };
  } catch (e) {
    pre?.kill();
    throw e;
  }
}

/** Does the host's launcher allow this bundle (and does sudo let this login run it without a password)? */
async function launcherAllows(t: Transport, launcher: string, bundle: string): Promise<boolean> {
  const r = await t.exec(['sudo', '-n', '--', launcher, '--check', bundle], { timeoutMs: 20_000 });
  return r.code === 0 && r.stdout.trim() === 'allowed';
}

/** Starts the agent: through the deployment (SSH: sudo, the probe's agent) or, for a local command, as argv. */
export function startAgent(t: Transport, argv: string[], deployment?: DeployResult): Promise<RemoteProcess> {
  return deployment ? deployment.startAgent(argv) : t.spawn(argv);
}
