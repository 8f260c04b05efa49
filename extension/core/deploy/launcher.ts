// A sudoers rule that grants only the agent (docs/deploy.md "A launcher"): `ebpf-netdebug host install-launcher`
// puts a root-owned launcher, /usr/local/sbin/ebpf-netdebug-agent, on the host with a root-owned Node.js (the host's
// own when root owns it, else our runtime copied to /usr/local/lib/ebpf-netdebug) and a root-owned allow list of agent
// bundles by sha256 (/etc/ebpf-netdebug/allowed-agents). `sudo -n ebpf-netdebug-agent FILE` copies FILE where only
// root can write, checks the copy's sha256 against the list and only then runs that copy, with arguments it chooses
// itself (its own state directory, its own bpftool): so `USER ALL=(root) NOPASSWD: /usr/local/sbin/ebpf-netdebug-agent`
// lets USER start our agent as root and nothing else. Deployment uses it when it is there (deployAgent.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Transport } from '../transport/transport';
import { DeployError } from './deployError';
import { deployAgent, type DeployOptions } from './deployAgent';
import { PATH_LINE } from './hostPath';
import { LAUNCHER_CONF, LAUNCHER_LIB, LAUNCHER_PATH } from './launcherPaths';
import { findRuntimes, runtimeDirFor, runtimeForMachine } from './runtime';

export { LAUNCHER_CONF, LAUNCHER_LIB, LAUNCHER_PATH } from './launcherPaths';

/**
 * The launcher itself, a constant. `--check FILE` says whether FILE is allowed without running it. The copy under
 * /run (root only, 0700) is what is checked and run, so a FILE changed after the check changes nothing.
 */
export const LAUNCHER_SCRIPT = `#!/bin/sh
# ebpf-netdebug agent launcher, installed by \`ebpf-netdebug host install-launcher\` (docs/deploy.md).
# Runs an agent bundle as root only when its sha256 is in ${LAUNCHER_CONF}/allowed-agents, on the Node.js named in
# ${LAUNCHER_CONF}/node, with its own state directory and bpftool: no argument of the caller reaches node.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin; export PATH
umask 077
conf=${LAUNCHER_CONF}
check=0
if [ "\${1:-}" = --check ]; then check=1; shift; fi
[ "$#" -eq 1 ] || { echo "usage: ebpf-netdebug-agent [--check] AGENT.js" >&2; exit 2; }
node=$(cat "$conf/node") || exit 2
run=/run/ebpf-netdebug/launcher
mkdir -p "$run" && chmod 0700 /run/ebpf-netdebug "$run" || exit 2
tmp=$(mktemp "$run/agent.XXXXXX") || exit 2
if ! cat -- "$1" > "$tmp" 2>/dev/null; then rm -f "$tmp"; echo "ebpf-netdebug-agent: cannot read $1" >&2; exit 2; fi
sha=$(sha256sum "$tmp" | cut -d" " -f1)
if ! grep -qx "$sha" "$conf/allowed-agents" 2>/dev/null; then
  rm -f "$tmp"
  echo "ebpf-netdebug-agent: $1 (sha256 $sha) is not an allowed agent bundle ($conf/allowed-agents); nothing was run" >&2
  exit 3
fi
if [ "$check" = 1 ]; then rm -f "$tmp"; echo allowed; exit 0; fi
f="$run/$sha.js"
mv -f "$tmp" "$f"
if [ -s "$conf/bpftool" ]; then exec "$node" "$f" --state-dir /var/lib/ebpf-netdebug --runtime-bpftool "$(cat "$conf/bpftool")"; fi
exec "$node" "$f" --state-dir /var/lib/ebpf-netdebug
`;

/**
 * Run as root (a constant; inputs are positional): $1 the agent bundle on the host, $2 its sha256 (ours), $3 the
 * host's Node.js to use when $4 is empty, $4 our runtime's directory name, $5 that runtime's tarball sha256, $6 the
 * launcher's text. stdin: the runtime tarball when $4 is set. Refuses a Node.js that root does not own alone.
 */
const INSTALL_SCRIPT = [
  PATH_LINE,
  'set -eu',
  'umask 022',
  `conf=${LAUNCHER_CONF} lib=${LAUNCHER_LIB} launcher=${LAUNCHER_PATH}`,
  'agent=$1 want=$2 node=$3 rt=$4 rtsha=$5',
  'mkdir -p "$conf" "$lib" "${launcher%/*}"',
  'chown root:root "$conf" "$lib" && chmod 0755 "$conf" "$lib"',
  'if [ -n "$rt" ]; then',
  '  if [ ! -f "$lib/$rt/.sha256" ]; then',
  '    tmp=$(mktemp -d "$lib/.rt.XXXXXX"); trap \'rm -rf "$tmp"\' EXIT',
  '    cat > "$tmp/rt.tar.gz"',
  '    got=$(sha256sum "$tmp/rt.tar.gz" | cut -d" " -f1)',
  '    [ "$got" = "$rtsha" ] || { echo "runtime checksum mismatch: the host received $got, we sent $rtsha" >&2; exit 3; }',
  '    gzip -dc "$tmp/rt.tar.gz" | tar -C "$tmp" -xf -; rm -f "$tmp/rt.tar.gz"',
  '    chown -R root:root "$tmp"; chmod -R go-w "$tmp"; chmod 0755 "$tmp"',
  '    printf "%s\\n" "$rtsha" > "$tmp/.sha256"',
  '    rm -rf "$lib/$rt"; mv "$tmp" "$lib/$rt"; trap - EXIT',
  '  fi',
  '  node="$lib/$rt/node/node"',
  '  printf "%s\\n" "$lib/$rt/bpftool/bpftool" > "$conf/bpftool"',
  'else',
  // Every directory on the way and the file itself: root's, and nobody else may write.
  '  p=$(readlink -f "$node"); d=$p',
  '  while :; do',
  '    o=$(stat -L -c "%u %A" "$d"); case $o in "0 "?????w????|"0 "????????w?) echo "$d is writable by others than root: not trusted for the launcher" >&2; exit 4;; "0 "*) ;; *) echo "$d is not owned by root: not trusted for the launcher" >&2; exit 4;; esac',
  '    [ "$d" = / ] && break; d=${d%/*}; [ -n "$d" ] || d=/',
  '  done',
  '  node=$p; rm -f "$conf/bpftool"',
  'fi',
  'printf "%s\\n" "$node" > "$conf/node"',
  // The bundle as root sees it now must be the one the client sent.
  'got=$(sha256sum < "$agent" | cut -d" " -f1)',
  '[ "$got" = "$want" ] || { echo "agent bundle checksum mismatch: $got on the host, $want here" >&2; exit 3; }',
  'touch "$conf/allowed-agents"',
  'grep -qx "$want" "$conf/allowed-agents" || printf "%s\\n" "$want" >> "$conf/allowed-agents"',
  'chmod 0644 "$conf/node" "$conf/allowed-agents"',
  'printf "%s" "$6" > "$launcher.tmp"; chown root:root "$launcher.tmp"; chmod 0755 "$launcher.tmp"; mv -f "$launcher.tmp" "$launcher"',
  'echo installed',
].join('\n');

export interface LauncherInstall {
  launcher: string;
  /** The Node.js the launcher runs the agent on (root-owned). */
  node: string;
  /** The sha256 added to the allow list. */
  allowed: string;
  /** The sudoers line to add for the login (nothing writes it for you). */
  sudoersLine: string;
  runtimeUploaded: boolean;
}

/**
 * Installs (or updates: another agent version is added to the allow list) the launcher on a host whose login is not
 * root, through that login's sudo (the password is asked as for deployment). Deploys the agent first, so the bundle
 * the allow list names is the one this client brings.
 */
export async function installLauncher(t: Transport, opts: DeployOptions): Promise<LauncherInstall> {
  const d = await deployAgent(t, opts);
  if (d.loginUid === 0) {
    throw new DeployError('BadArgument', `${t.hostLabel}: the login is root, which needs no launcher (nothing was installed)`, '');
  }
  if (d.sudo === 'launcher') {
    // Already there and allowing this bundle; refreshing it needs root, which the launcher's rule does not give.
    const user = (await t.exec(['id', '-un'], { timeoutMs: 10_000 })).stdout.trim();
    return { launcher: LAUNCHER_PATH, node: '', allowed: d.sha256, sudoersLine: sudoersLine(user), runtimeUploaded: false };
  }
  const hostNode = d.runtime && d.node.path.startsWith(d.runtime.dir) ? undefined : d.node.path;
  const rt = hostNode ? undefined : runtimeForMachine(findRuntimes(runtimeDirFor(opts.agentPath, opts.runtimeDir)), d.machine);
  if (!hostNode && !rt)
    throw new DeployError('UnsupportedHost', `${t.hostLabel}: no runtime for ${d.machine} to install the launcher with`, '');
  const tarball = rt ? readFileSync(rt.tarball) : undefined;
  const r = await d.execAsRoot(
    ['/bin/sh', '-c', INSTALL_SCRIPT, 'sh', d.remotePath, d.sha256, hostNode ?? '', rt?.dirName ?? '', rt?.sha256 ?? '', LAUNCHER_SCRIPT],
    { stdin: tarball, timeoutMs: 600_000 },
  );
  if (r.code !== 0 || !/installed\n$/.test(r.stdout)) {
    throw new DeployError('CommandFailed', `${t.hostLabel}: installing the launcher failed (exit ${r.code}): ${r.stderr.trim()}`, r.stderr);
  }
  const user = (await t.exec(['id', '-un'], { timeoutMs: 10_000 })).stdout.trim();
  return {
    launcher: LAUNCHER_PATH,
    node: hostNode ?? `${LAUNCHER_LIB}/${rt!.dirName}/node/node`,
    allowed: createHash('sha256').update(readFileSync(opts.agentPath)).digest('hex'),
    sudoersLine: sudoersLine(user),
    runtimeUploaded: !!rt,
  };
}

export function sudoersLine(user: string): string {
  return `${user} ALL=(root) NOPASSWD: ${LAUNCHER_PATH}`;
}
