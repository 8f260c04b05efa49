// The deploy probe: one round trip that learns everything deployment needs (login, CPU, Node.js and bpftool on the
// host, what of ours is already in the cache directory, the interface carrying the session), and on the common
// warm path (root login, our agent and what it needs already there) starts the agent in the same channel.
import { PassThrough } from 'node:stream';
import type { RemoteProcess, Transport } from '../transport/transport';
import { DeployError } from './deployError';
import { PATH_LINE } from './hostPath';
import { LAUNCHER_PATH } from './launcherPaths';

/**
 * A CONSTANT script: its inputs travel as positional arguments, never inside the text:
 *   $1 base directory (relative to $HOME)   $2 agent version directory   $3 our agent's sha256
 *   $4 runtimes we have, "MACHINE:DIR:SHA256 ..." (one per CPU; see runtime.ts)
 * The last report line is `agent=exec` (the agent's stdio follows on this channel) or `agent=none`.
 * On the warm path it runs `NODE agent.js --state-dir BASE/state [--runtime-bpftool RT/bpftool/bpftool]` with NODE
 * the host's Node.js when >= 18, else the runtime's: exactly what agentArgv() computes from the report.
 */
export const PROBE_SCRIPT = [
  PATH_LINE,
  'uid=$(id -u)',
  'printf "uid=%s\\n" "$uid"',
  'printf "user=%s\\n" "$(id -un)"',
  'printf "home=%s\\n" "$HOME"',
  'm=$(uname -m)',
  'printf "machine=%s\\n" "$m"',
  // musl or glibc: the loader's name says it, its version too (for the report and the unsupported-host message: the
  // runtime brings its own glibc and loader, so neither decides whether we can serve the host).
  'lo=""; for l in /lib/ld-musl-* /lib/ld-linux* /lib64/ld-linux*; do [ -e "$l" ] && { lo=$l; printf "loader=%s\\n" "$l"; break; }; done',
  'case $lo in',
  // musl's loader run bare prints "musl libc (ARCH)" and "Version X" on stderr.
  '  */ld-musl-*) v=$("$lo" 2>&1 | while read -r a b; do [ "$a" = Version ] && echo "$b"; done); printf "libc=musl %s\\n" "$v";;',
  '  "") echo "libc=none";;',
  '  *) v=$(getconf GNU_LIBC_VERSION 2>/dev/null) || v=""',
  '     [ -n "$v" ] || v=$(ldd --version 2>/dev/null | while read -r l; do echo "glibc ${l##* }"; break; done)',
  '     printf "libc=%s\\n" "${v:-glibc ?}";;',
  'esac',
  // `node --version` answers before Node boots its JavaScript; the absolute path is what process.execPath says.
  'np=""; nmaj=0',
  'if n=$(PATH=$lp command -v node 2>/dev/null) && v=$("$n" --version 2>/dev/null); then',
  '  np=$(readlink -f "$n" 2>/dev/null) || np=$n; [ -n "$np" ] || np=$n',
  '  printf "node=%s %s\\n" "$v" "$np"',
  '  nmaj=${v#v}; nmaj=${nmaj%%.*}; case $nmaj in ""|*[!0-9]*) nmaj=0;; esac',
  'elif [ -n "${n:-}" ]; then echo "node=broken"',
  'else echo "node=missing"; fi',
  // Every bpftool the agent would consider (remote-agent/host/bpftool.ts) with the version it reports.
  'for b in $(PATH=$lp command -v bpftool 2>/dev/null) /usr/sbin/bpftool /sbin/bpftool /usr/local/sbin/bpftool /opt/ebpf-netdebug/bpftool-*/usr/sbin/bpftool; do',
  '  [ -x "$b" ] || continue',
  '  v=$("$b" version 2>/dev/null) || continue',
  '  v=${v#bpftool v}; v=${v%%[!0-9.]*}; [ -n "$v" ] && printf "bpftool=%s %s\\n" "$v" "$b"',
  'done',
  // The root-owned launcher of `host install-launcher` (launcher.ts): a sudoers rule may allow only it.
  `[ -x ${LAUNCHER_PATH} ] && printf "launcher=%s\\n" ${LAUNCHER_PATH}`,
  'f="$HOME/$1/$2/agent.js"',
  'sha=""',
  'if [ -f "$f" ]; then sha=$(sha256sum "$f" | cut -d" " -f1); printf "sha256=%s\\n" "$sha"; fi',
  // Our runtime for this CPU, complete (its .sha256 marker is written last, after the checksum was verified).
  'rt=""',
  'for e in ${4:-}; do case $e in "$m":*) e=${e#*:}; d=${e%%:*}; want_rt=${e#*:}',
  '  if [ -f "$HOME/$1/$d/.sha256" ] && [ "$(cat "$HOME/$1/$d/.sha256")" = "$want_rt" ]; then rt="$HOME/$1/$d"; printf "runtime=%s\\n" "$d"; fi;; esac; done',
  // The interface this session arrives on (for the dead-man switch): the route back to the client's address.
  'printf "sshconn=%s\\n" "${SSH_CONNECTION:-}"',
  'b1=$1; want=${3:-}',
  'set -- ${SSH_CONNECTION:-}',
  'if [ -n "${1:-}" ]; then for ip in ip /usr/sbin/ip /sbin/ip; do',
  '  r=$("$ip" -j route get "$1" 2>/dev/null) && { printf "sshroute=%s\\n" "$r"; break; }',
  'done; fi',
  'if [ "$nmaj" -ge 18 ]; then use=$np; elif [ -n "$rt" ]; then use="$rt/node/node"; else use=""; fi',
  'if [ "$uid" = 0 ] && [ -n "$want" ] && [ "$sha" = "$want" ] && [ -n "$use" ]; then',
  '  echo "agent=exec"',
  '  if [ -n "$rt" ]; then exec "$use" "$f" --state-dir "$HOME/$b1/state" --runtime-bpftool "$rt/bpftool/bpftool"; fi',
  '  exec "$use" "$f" --state-dir "$HOME/$b1/state"',
  'fi',
  'echo "agent=none"',
].join('\n');

export interface Probe {
  uid: number;
  user: string;
  home: string;
  /** uname -m */
  machine: string;
  /** The host's dynamic loader (/lib/ld-musl-x86_64.so.1, /lib64/ld-linux-x86-64.so.2, ...), '' when none found. */
  loader: string;
  /** The host's C library: `glibc 2.36`, `musl 1.2.3`, `none` (no loader: a static userland), '' when not reported. */
  libc: string;
  /** The host's Node.js, null when missing or broken. */
  node: { path: string; version: string; major: number } | null;
  /** Every bpftool found on the host with its version. */
  bpftools: { path: string; version: string }[];
  /** sha256 of our agent.js already on the host. */
  remoteSha?: string;
  /** Our runtime directory for this CPU, present and complete. */
  runtimeDir?: string;
  /** The root-owned launcher (`host install-launcher`), when installed. */
  launcher?: string;
  sshInterface: SshInterface | null;
  /** The agent the probe started (warm path), its stdio on the probe's channel. */
  proc?: RemoteProcess;
}

/** The host's interface that carries this SSH session (null when unknown). */
export interface SshInterface {
  dev: string;
  clientAddress: string;
  serverAddress: string;
}

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

/** Runs the probe; its stdout up to the `agent=` line is the report, anything after belongs to the agent. */
async function runProbe(
  t: Transport,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string; proc?: RemoteProcess }> {
  const proc = await t.spawn(['/bin/sh', '-c', PROBE_SCRIPT, 'sh', ...args]);
  proc.stdin.on('error', () => undefined);
  let stderr = '';
  const onErr = (b: Buffer) => {
    stderr += b.toString('utf8');
  };
  proc.stderr.on('data', onErr);
  return new Promise((resolve, reject) => {
    let out = Buffer.alloc(0);
    let done = false;
    const timer = setTimeout(
      () =>
        finish(() => {
          proc.kill();
          reject(new DeployError('CommandFailed', `probing ${t.hostLabel}: no answer within 30 s`, stderr));
        }),
      30_000,
    );
    const finish = (f: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.stdout.off('data', onData);
      f();
    };
    const onData = (b: Buffer) => {
      out = Buffer.concat([out, b]);
      const m = /(?:^|\n)agent=(exec|none)\n/.exec(out.toString('latin1'));
      if (!m) return;
      const end = m.index + m[0].length;
      const report = out.subarray(0, end).toString('utf8');
      if (m[1] === 'none') {
        finish(() => {
          void proc.exited.then((code) => resolve({ code, stdout: report, stderr }));
        });
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
        const drained = new Promise<void>((res) => {
          stdout.once('end', res);
          stdout.once('close', res);
        });
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

export async function probeHost(
  t: Transport,
  args: { base: string; versionDir: string; sha256: string; runtimes: string },
): Promise<Probe> {
  const r = await runProbe(t, [args.base, args.versionDir, args.sha256, args.runtimes]);
  if (r.code !== 0) throw new DeployError('CommandFailed', `probing ${t.hostLabel} failed (exit ${r.code}): ${r.stderr.trim()}`, r.stderr);
  try {
    return { ...parseProbe(t.hostLabel, r.stdout, r.stderr), proc: r.proc };
  } catch (e) {
    r.proc?.kill();
    throw e;
  }
}

export function parseProbe(hostLabel: string, stdout: string, stderr: string): Omit<Probe, 'proc'> {
  const lines = stdout
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]);
  const kv = new Map(lines);
  const uid = Number(kv.get('uid'));
  const home = kv.get('home') ?? '';
  if (!Number.isInteger(uid) || kv.get('uid') === '')
    throw new DeployError('CommandFailed', `${hostLabel}: could not read the login's uid (${stdout.trim()})`, stderr);
  if (!home.startsWith('/'))
    throw new DeployError('CommandFailed', `${hostLabel}: the login's HOME is ${JSON.stringify(home)}, not an absolute path`, '');
  const nodeLine = kv.get('node') ?? 'missing';
  let node: Probe['node'] = null;
  if (nodeLine !== 'missing' && nodeLine !== 'broken') {
    const [version, ...pathParts] = nodeLine.split(' ');
    node = { version, path: pathParts.join(' '), major: Number(/^v(\d+)/.exec(version)?.[1] ?? 0) };
  }
  const bpftools = lines
    .filter(([k]) => k === 'bpftool')
    .map(([, v]) => ({ version: v.slice(0, v.indexOf(' ')), path: v.slice(v.indexOf(' ') + 1) }));
  return {
    uid,
    user: kv.get('user') ?? String(uid),
    home,
    machine: kv.get('machine') ?? '',
    loader: kv.get('loader') ?? '',
    libc: (kv.get('libc') ?? '').trim(),
    node,
    bpftools,
    remoteSha: kv.get('sha256'),
    runtimeDir: kv.get('runtime'),
    launcher: kv.get('launcher'),
    sshInterface: parseSshInterface(kv.get('sshconn'), kv.get('sshroute')),
  };
}
