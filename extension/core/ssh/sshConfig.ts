// Resolves a host the way OpenSSH does: the command line's user/port win, then ~/.ssh/config through the `ssh-config`
// library (first obtained value wins, `Host` patterns matched against the name the user typed), then defaults.
// Paths (config file, home) are injected so tests and the CLI never depend on the real /root/.ssh.
import type SSHConfigClass from 'ssh-config' with { 'resolution-mode': 'import' };
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseHostSpec, type HostSpec } from './hostSpec';
import { expandIncludes } from './sshConfigInclude';

// ssh-config ships ESM types and a CommonJS build; our modules are CommonJS, so load the CJS build and type it
// from the ESM declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SSHConfig = (require('ssh-config') as { default: typeof SSHConfigClass }).default;
type SSHConfig = SSHConfigClass;

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

export interface SshEnvironment {
  /** The user's home (for `~` and default files). Default: os.homedir via $HOME. */
  home?: string;
  /** ssh_config to read; default HOME/.ssh/config. A missing file is an empty config. */
  configPath?: string;
  /** The local user name (OpenSSH's default remote user, `%u`). */
  localUser?: string;
  /** known_hosts files to use instead of UserKnownHostsFile / HOME/.ssh/known_hosts (the first one is written). */
  knownHostsFiles?: string[];
  /**
   * The system-wide known_hosts files (read, never written); default GlobalKnownHostsFile of the config, else
   * OpenSSH's /etc/ssh/ssh_known_hosts and /etc/ssh/ssh_known_hosts2. With an injected knownHostsFiles list and no
   * global one, none (so a test sees only the files it names).
   */
  globalKnownHostsFiles?: string[];
}

export interface ResolvedHost {
  /** What the user typed (an alias or user@host[:port]). */
  label: string;
  /** Name matched against `Host` patterns. */
  alias: string;
  hostName: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** IdentitiesOnly yes: do not offer ssh-agent keys beyond the identity files' ones. */
  identitiesOnly: boolean;
  /** Jump hosts in order, each resolved through the same config (empty: direct). */
  proxyJump: ResolvedHost[];
  /** The user's known_hosts files: read, and the first one is where new keys are recorded. */
  knownHostsFiles: string[];
  /** System-wide known_hosts files (GlobalKnownHostsFile): read too, never written. */
  globalKnownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  hashKnownHosts: boolean;
  /** Seconds; 0 = OpenSSH default off, we then use our own. */
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  connectTimeout?: number;
  /** IdentityAgent or $SSH_AUTH_SOCK; undefined when none. */
  agentSocket?: string;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function envOf(env: SshEnvironment) {
  const home = env.home ?? process.env.HOME ?? userInfo().homedir;
  return {
    home,
    configPath: env.configPath ?? join(home, '.ssh', 'config'),
    localUser:
      env.localUser ??
      (() => {
        try {
          return userInfo().username;
        } catch {
          return process.env.USER ?? 'root';
        }
      })(),
  };
}

/**
 * Reads and parses the config file with its Includes followed (sshConfigInclude.ts; relative to HOME/.ssh); a
 * missing file is an empty config, any other failure is an error.
 */
export function loadSshConfig(configPath: string, home: string = envOf({}).home): SSHConfig {
  let text = '';
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`ssh config ${configPath}: ${(e as Error).message}`);
  }
  return SSHConfig.parse(expandIncludes(text, home));
}

/** OpenSSH's percent tokens and `~` in file names (ssh_config(5) TOKENS), the subset that makes sense here. */
function expandPath(
  p: string,
  t: { home: string; hostName: string; port: number; user: string; localUser: string; alias: string },
): string {
  let s = p.replace(
    /%([%dhprun])/g,
    (_m, c: string) =>
      (
        ({
          '%': '%',
          d: t.home,
          h: t.hostName,
          p: String(t.port),
          r: t.user,
          u: t.localUser,
          n: t.alias,
        }) as Record<string, string>
      )[c],
  );
  if (s === '~') s = t.home;
  else if (s.startsWith('~/')) s = join(t.home, s.slice(2));
  return isAbsolute(s) ? s : join(t.home, '.ssh', s);
}

function yesNo(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return /^(yes|true)$/i.test(v);
}

function parseStrict(v: string | undefined): StrictHostKeyChecking {
  if (v === undefined) return 'ask';
  const s = v.toLowerCase();
  if (s === 'yes' || s === 'true') return 'yes';
  if (s === 'no' || s === 'off' || s === 'false') return 'no';
  if (s === 'accept-new') return 'accept-new';
  return 'ask';
}

function num(v: string | undefined, what: string, label: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new Error(`ssh config for ${label}: ${what} ${JSON.stringify(v)} is not a number`);
  return Number(v);
}

/** Resolves `spec` (alias or user@host[:port]) with first-match-wins semantics. */
export function resolveHost(spec: string, environment: SshEnvironment = {}, depth = 0, config?: SSHConfig): ResolvedHost {
  if (depth > 8) throw new Error(`ProxyJump chain too long at ${spec}`);
  const env = envOf(environment);
  const cfg = config ?? loadSshConfig(env.configPath, env.home);
  const hs: HostSpec = parseHostSpec(spec);
  // Match exec would run commands from the config through a shell: not evaluated (documented in docs/ssh.md).
  const c = cfg.compute({ Host: hs.host, User: hs.user }, { ignoreCase: true, matchExec: false }) as Record<string, string | string[]>;
  const hostNameRaw = first(c.hostname) ?? hs.host;
  const hostName = hostNameRaw.replace(/%h/g, hs.host).replace(/%%/g, '%');
  const port = hs.port ?? num(first(c.port), 'Port', spec) ?? 22;
  const user = hs.user ?? first(c.user) ?? env.localUser;
  const tokens = { home: env.home, hostName, port, user, localUser: env.localUser, alias: hs.host };

  const idRaw = c.identityfile === undefined ? [] : Array.isArray(c.identityfile) ? c.identityfile : [c.identityfile];
  const identityFiles = idRaw.filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, tokens));
  if (identityFiles.length === 0) {
    for (const f of ['id_ed25519', 'id_ecdsa', 'id_rsa']) identityFiles.push(join(env.home, '.ssh', f));
  }

  const khRaw = c.userknownhostsfile;
  const khList = khRaw === undefined ? [] : (Array.isArray(khRaw) ? khRaw : [khRaw]).flatMap((s) => s.split(/\s+/)).filter(Boolean);
  const knownHostsFiles = environment.knownHostsFiles?.length
    ? environment.knownHostsFiles
    : khList.length
      ? khList.filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, tokens))
      : [join(env.home, '.ssh', 'known_hosts')];

  const globalRaw = c.globalknownhostsfile;
  const globalList =
    globalRaw === undefined
      ? undefined
      : (Array.isArray(globalRaw) ? globalRaw : [globalRaw]).flatMap((x) => x.split(/\s+/)).filter(Boolean);
  const globalKnownHostsFiles =
    environment.globalKnownHostsFiles ??
    (environment.knownHostsFiles?.length
      ? []
      : globalList
        ? globalList.filter((f) => f.toLowerCase() !== 'none').map((f) => expandPath(f, tokens))
        : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);

  const jumpText = first(c.proxyjump);
  const proxyJump =
    jumpText && jumpText.toLowerCase() !== 'none'
      ? jumpText.split(',').map((j) => resolveHost(j.trim().replace(/^ssh:\/\//, ''), environment, depth + 1, cfg))
      : [];

  const agentRaw = first(c.identityagent);
  let agentSocket: string | undefined = process.env.SSH_AUTH_SOCK || undefined;
  if (agentRaw !== undefined) {
    if (agentRaw.toLowerCase() === 'none') agentSocket = undefined;
    else if (agentRaw === 'SSH_AUTH_SOCK') agentSocket = process.env.SSH_AUTH_SOCK || undefined;
    else if (agentRaw.startsWith('$')) agentSocket = process.env[agentRaw.slice(1)] || undefined;
    else agentSocket = expandPath(agentRaw, tokens);
  }

  return {
    label: spec,
    alias: hs.host,
    hostName,
    port,
    user,
    identityFiles,
    identitiesOnly: yesNo(first(c.identitiesonly), false),
    proxyJump,
    knownHostsFiles,
    globalKnownHostsFiles,
    strictHostKeyChecking: parseStrict(first(c.stricthostkeychecking)),
    hashKnownHosts: yesNo(first(c.hashknownhosts), false),
    serverAliveInterval: num(first(c.serveraliveinterval), 'ServerAliveInterval', spec),
    serverAliveCountMax: num(first(c.serveralivecountmax), 'ServerAliveCountMax', spec),
    connectTimeout: num(first(c.connecttimeout), 'ConnectTimeout', spec),
    agentSocket,
  };
}
