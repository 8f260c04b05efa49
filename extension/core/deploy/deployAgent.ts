// Puts the agent on a host and says how to start it: check Node.js (>= 18) first, upload dist/agent.js over SFTP
// to ~/.cache/ebpf-netdebug/agent-<version>/ (0700) only when its sha256 differs, drop other versions, and run it
// through `sudo -n` when the login is not root. Every failure names the fix.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RemoteProcess, Transport } from '../transport/transport';
import { DeployError } from './deployError';

export { DeployError } from './deployError';

export interface DeployOptions {
  /** The agent bundle to upload (dist/agent.js). */
  agentPath: string;
  /** Version directory name; default: the version in the package.json next to the bundle's dist/. */
  agentVersion?: string;
  /** Base directory on the host, relative to the login's home; default .cache/ebpf-netdebug. */
  remoteBase?: string;
}

export interface DeployResult {
  /** How to start the agent on the host. */
  argv: string[];
  /** Where the agent lives on the host. */
  remotePath: string;
  sha256: string;
  /** false when the host already had this exact bundle (checksum hit). */
  uploaded: boolean;
  /** Other agent versions removed from the host. */
  removedVersions: string[];
  node: { path: string; version: string };
  loginUid: number;
  viaSudo: boolean;
  /** The host's interface carrying this connection, learned in the same round trip (dead-man default). */
  sshInterface: SshInterface | null;
}

const MIN_NODE_MAJOR = 18;
const VERSION_DIR_RE = /^agent-[A-Za-z0-9._+-]{1,64}$/;

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

/**
 * One round trip to learn everything deployment needs, and on the common path (root login, Node.js >= 18, the
 * bundle already there with our checksum) the agent's start too: the script then ends with `exec node agent.js`,
 * so the same channel becomes the agent's stdio and no second exec round trip is needed. A CONSTANT script: the
 * only inputs (base directory, version directory, our bundle's sha256) travel as positional arguments ($1 $2 $3),
 * never inside the script text. The last probe line is `agent=exec` (the agent follows) or `agent=none`.
 */
const PROBE_SCRIPT = [
  'uid=$(id -u)',
  'printf "uid=%s\\n" "$uid"',
  'printf "user=%s\\n" "$(id -un)"',
  'printf "home=%s\\n" "$HOME"',
  // `node --version` answers before Node boots its JavaScript (a few ms instead of a full `node -e` start);
  // the absolute path is what process.execPath would say: the binary with symlinks resolved.
  'np=""; nmaj=0',
  'if n=$(command -v node 2>/dev/null) && v=$("$n" --version 2>/dev/null); then',
  '  np=$(readlink -f "$n" 2>/dev/null) || np=$n; [ -n "$np" ] || np=$n',
  '  printf "node=%s %s\\n" "$v" "$np"',
  '  nmaj=${v#v}; nmaj=${nmaj%%.*}; case $nmaj in ""|*[!0-9]*) nmaj=0;; esac',
  'elif [ -n "${n:-}" ]; then echo "node=broken"',
  'else echo "node=missing"; fi',
  'f="$HOME/$1/$2/agent.js"',
  'sha=""',
  'if [ -f "$f" ]; then sha=$(sha256sum "$f" | cut -d" " -f1); printf "sha256=%s\\n" "$sha"; fi',
  // The interface this session arrives on (for the dead-man switch): the route back to the client's address.
  'printf "sshconn=%s\\n" "${SSH_CONNECTION:-}"',
  'b1=$1; b2=$2; want=${3:-}',
  'set -- ${SSH_CONNECTION:-}',
  'if [ -n "${1:-}" ]; then for ip in ip /usr/sbin/ip /sbin/ip; do',
  '  r=$("$ip" -j route get "$1" 2>/dev/null) && { printf "sshroute=%s\\n" "$r"; break; }',
  'done; fi',
  'if [ "$uid" = 0 ] && [ -n "$want" ] && [ "$sha" = "$want" ] && [ "$nmaj" -ge 18 ]; then',
  '  echo "agent=exec"; exec "$np" "$f"',
  'fi',
  'echo "agent=none"',
].join('\n');

interface Probe { uid: number; user: string; home: string; node: { path: string; version: string }; remoteSha?: string; sshInterface: SshInterface | null }

/** The host's interface that carries this SSH session (null when unknown). */
export interface SshInterface { dev: string; clientAddress: string; serverAddress: string }

/** SSH_CONNECTION ("client port server port") and `ip -j route get CLIENT` -> the interface, or null. */
export function parseSshInterface(sshConnection: string | undefined, routeJson: string | undefined): SshInterface | null {
  const parts = sshConnection?.trim().split(/\s+/);
  if (!parts || parts.length < 4 || !routeJson) return null;
  try {
    const dev = (JSON.parse(routeJson) as { dev?: string }[])[0]?.dev;
    return dev ? { dev, clientAddress: parts[0], serverAddress: parts[2] } : null;
  } catch {
    return null;
  }
}

/** Agents started by the probe itself, handed to startAgent for the same transport and argv. */
const prestarted = new WeakMap<Transport, { argv: string[]; proc: RemoteProcess }>();

/** Runs the probe; its stdout up to the `agent=` line is the report, anything after belongs to the agent. */
async function runProbe(t: Transport, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; proc?: RemoteProcess }> {
  const proc = await t.spawn(['/bin/sh', '-c', PROBE_SCRIPT, 'sh', ...args]);
  proc.stdin.on('error', () => undefined);
  let stderr = '';
  const onErr = (b: Buffer) => { stderr += b.toString('utf8'); };
  proc.stderr.on('data', onErr);
  return new Promise((resolve, reject) => {
    let out = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(() => finish(() => { proc.kill(); reject(new DeployError('CommandFailed', `probing ${t.hostLabel}: no answer within 30 s`, stderr)); }), 30_000);
    const finish = (f: () => void) => { if (done) return; done = true; clearTimeout(timer); proc.stdout.off('data', onData); f(); };
    const onData = (b: Buffer) => {
      out = Buffer.concat([out, b]);
      const m = /(?:^|\n)agent=(exec|none)\n/.exec(out.toString('latin1'));
      if (!m) return;
      const end = m.index + m[0].length;
      const report = out.subarray(0, end).toString('utf8');
      if (m[1] === 'none') {
        finish(() => { void proc.exited.then((code) => resolve({ code, stdout: report, stderr })); });
        return;
      }
      finish(() => {
        // The agent's stdout from here on: what was read past the report first, then the rest of the channel,
        // buffered until the agent's client reads it.
        const stdout = new PassThrough();
        if (end < out.length) stdout.write(out.subarray(end));
        proc.stdout.pipe(stdout);
        proc.stderr.off('data', onErr);
        // Its exit is reported after its last words went through that buffer and had a moment to be handled
        // (vscode-jsonrpc handles a reply, e.g. to agent.shutdown, a few ticks after reading it: an exit seen first
        // would fail that request); a client that stopped reading does not hold it up for more than a second.
        const drained = new Promise<void>((res) => { stdout.once('end', res); stdout.once('close', res); });
        const exited = proc.exited.then(async (code) => {
          await Promise.race([drained, new Promise((res) => setTimeout(res, 1000).unref())]);
          await new Promise((res) => setTimeout(res, 50).unref());
          return code;
        });
        resolve({ code: 0, stdout: report, stderr, proc: { ...proc, stdout, exited } });
      });
    };
    proc.stdout.on('data', onData);
    // Ended without the last line (the shell failed): the exit code and stderr say why.
    void proc.exited.then((code) => finish(() => resolve({ code, stdout: out.toString('utf8'), stderr })));
  });
}

async function probeHost(t: Transport, base: string, versionDir: string, sha256: string): Promise<Probe & { proc?: RemoteProcess }> {
  const r = await runProbe(t, [base, versionDir, sha256]);
  if (r.code !== 0) throw new DeployError('CommandFailed', `probing ${t.hostLabel} failed (exit ${r.code}): ${r.stderr.trim()}`, r.stderr);
  try {
    return { ...parseProbe(t, r), proc: r.proc };
  } catch (e) {
    r.proc?.kill();
    throw e;
  }
}

function parseProbe(t: Transport, r: { stdout: string; stderr: string }): Probe {
  const kv = new Map(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
  const nodeLine = kv.get('node') ?? 'missing';
  if (nodeLine === 'missing' || nodeLine === 'broken') {
    throw new DeployError('NodeMissing', `Node.js is not installed on ${t.hostLabel} (or not on the login's PATH); the agent needs Node.js >= ${MIN_NODE_MAJOR}. ` +
      `Install it on the host: \`sudo apt-get install nodejs\` (Debian 12 / Ubuntu 24.04 ship >= 18) or from NodeSource ` +
      `(https://github.com/nodesource/distributions), then connect again.`, r.stderr.trim());
  }
  const [version, ...pathParts] = nodeLine.split(' ');
  const major = Number(/^v(\d+)/.exec(version)?.[1]);
  if (!(major >= MIN_NODE_MAJOR)) {
    throw new DeployError('NodeTooOld', `Node.js ${version} on ${t.hostLabel} is too old; the agent needs >= ${MIN_NODE_MAJOR}. ` +
      `Upgrade it (NodeSource: https://github.com/nodesource/distributions), then connect again.`, r.stdout);
  }
  const uid = Number(kv.get('uid'));
  const home = kv.get('home') ?? '';
  if (!Number.isInteger(uid)) throw new DeployError('CommandFailed', `${t.hostLabel}: could not read the login's uid (${r.stdout.trim()})`, r.stderr);
  if (!home.startsWith('/')) throw new DeployError('CommandFailed', `${t.hostLabel}: the login's HOME is ${JSON.stringify(home)}, not an absolute path`, '');
  return {
    uid, user: kv.get('user') ?? String(uid), home, node: { version, path: pathParts.join(' ') }, remoteSha: kv.get('sha256'),
    sshInterface: parseSshInterface(kv.get('sshconn'), kv.get('sshroute')),
  };
}

async function execOk(t: Transport, argv: string[], what: string): Promise<string> {
  const r = await t.exec(argv, { timeoutMs: 30_000 });
  if (r.code !== 0) throw new DeployError('CommandFailed', `${what} on ${t.hostLabel} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`, r.stderr);
  return r.stdout;
}

async function checkSudo(t: Transport, user: string, nodePath: string): Promise<void> {
  // Exactly what the agent start will run (a sudoers rule may allow only node): node with an empty script.
  const r = await t.exec(['sudo', '-n', nodePath, '-e', ''], { timeoutMs: 20_000 });
  if (r.code === 0) return;
  if (r.code === 127 || /not found/.test(r.stderr)) {
    throw new DeployError('SudoMissing', `${t.hostLabel}: logged in as ${user} (not root) and sudo is not installed; the agent needs root for BPF. ` +
      `Log in as root, or install sudo and allow ${user} to run node without a password.`, r.stderr);
  }
  throw new DeployError('SudoNeedsPassword', `${t.hostLabel}: logged in as ${user} (not root), and \`sudo -n\` refused (${r.stderr.trim() || `exit ${r.code}`}). ` +
    `The agent needs root for BPF and cannot type a sudo password. Fix: on the host run \`sudo visudo -f /etc/sudoers.d/ebpf-netdebug\` ` +
    `and add \`${user} ALL=(root) NOPASSWD: ${nodePath}\`, or log in as root.`, r.stderr);
}

/** After an upload: keep the directories private and list the versions there, in one round trip. */
const FINISH_SCRIPT = 'chmod 0700 "$HOME/$1" "$HOME/$1/$2" && ls -1 "$HOME/$1"';

/** Uploads the agent when needed and returns how to start it. */
export async function deployAgent(t: Transport, opts: DeployOptions): Promise<DeployResult> {
  const version = opts.agentVersion ?? bundleVersion(opts.agentPath);
  const versionDir = `agent-${version}`;
  if (!VERSION_DIR_RE.test(versionDir)) throw new DeployError('BadArgument', `agentVersion: ${JSON.stringify(version)} is not a usable directory name`, '');
  const relBase = opts.remoteBase ?? '.cache/ebpf-netdebug';
  if (relBase.startsWith('/') || relBase.split('/').includes('..') || !/^[A-Za-z0-9._/-]+$/.test(relBase)) {
    throw new DeployError('BadArgument', `remoteBase: ${JSON.stringify(relBase)} must be a plain path relative to the login's home`, '');
  }
  const bundle = readFileSync(opts.agentPath);
  const sha256 = createHash('sha256').update(bundle).digest('hex');

  const probe = await probeHost(t, relBase, versionDir, sha256);
  if (probe.uid !== 0) await checkSudo(t, probe.user, probe.node.path);
  const base = `${probe.home}/${relBase}`;
  const remotePath = `${base}/${versionDir}/agent.js`;
  const argv = probe.uid === 0 ? [probe.node.path, remotePath] : ['sudo', '-n', probe.node.path, remotePath];
  if (probe.proc) prestarted.set(t, { argv, proc: probe.proc });

  const uploaded = probe.remoteSha !== sha256;
  const removedVersions: string[] = [];
  if (uploaded) {
    await t.writeFile(remotePath, bundle, 0o600);
    // Other versions are replaced: a running agent of another window keeps working (Linux keeps deleted files open).
    const listing = await execOk(t, ['/bin/sh', '-c', FINISH_SCRIPT, 'sh', relBase, versionDir], 'chmod/ls');
    for (const name of listing.split('\n').map((x) => x.trim())) {
      if (name && name !== versionDir && VERSION_DIR_RE.test(name)) {
        await execOk(t, ['rm', '-rf', '--', `${base}/${name}`], `removing old agent ${name}`);
        removedVersions.push(name);
      }
    }
  }

  return { argv, remotePath, sha256, uploaded, removedVersions, node: probe.node, loginUid: probe.uid, viaSudo: probe.uid !== 0, sshInterface: probe.sshInterface };
}

/** Starts the agent (argv from deployAgent, or a local command) with its stdio as the protocol streams. */
export function startAgent(t: Transport, argv: string[]): Promise<RemoteProcess> {
  // The probe already started exactly this agent (see PROBE_SCRIPT): use it. Asked for another argv (e.g. with
  // --bpftool), end that one and start what was asked.
  const pre = prestarted.get(t);
  prestarted.delete(t);
  if (pre && pre.argv.length === argv.length && pre.argv.every((a, i) => a === argv[i])) return Promise.resolve(pre.proc);
  pre?.proc.kill();
  return t.spawn(argv);
}
