// A private code-server running the packaged VSIX (../shared/docs/VSCODE-E2E.md): its own HOME, TMPDIR, user-data and
// extensions folders under one temporary directory, a free port, the VSIX installed with --install-extension,
// settings.json written before start, and everything killed and removed by stop().
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  writeFileSync,
  rmSync,
  existsSync,
  createWriteStream,
  readFileSync,
  readdirSync,
  type Dirent,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '../../kernel/helpers/until';

export const repoRoot = join(__dirname, '../../..');
/** Written by scripts/setup-e2e.sh: runs code-server under Node 24. */
export const codeServerLauncher = join(repoRoot, '.cache/bin/code-server');
/** Written by `npm run package`. */
export const defaultVsix = join(repoRoot, 'dist/ebpf-netdebug.vsix');

export interface CodeServerOptions {
  /** Folder opened as the workspace. */
  workspace: string;
  /** User settings (settings.json of the private user-data dir). */
  settings?: Record<string, unknown>;
  vsix?: string;
  /** Extra environment for code-server and the extension host (e.g. nothing secret; HOME is private anyway). */
  env?: Record<string, string>;
  /** Runs before start with the private HOME, e.g. to write ~/.ssh/config. */
  prepareHome?: (home: string) => void;
  /** A fixed port (scripts/start.sh); a free one when absent. */
  port?: number;
  /** Bind address; 127.0.0.1 unless told. */
  host?: string;
}

export interface CodeServer {
  url: string;
  port: number;
  dir: string;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  /** The extension's own log (its LogOutputChannel), when it has written one. */
  extensionLog(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  if (!existsSync(codeServerLauncher)) {
    throw new Error(`code-server is not installed: run scripts/setup-e2e.sh (missing ${codeServerLauncher})`);
  }
  const vsix = opts.vsix ?? defaultVsix;
  if (!existsSync(vsix)) throw new Error(`VSIX not found: ${vsix} (run npm run package)`);

  const dir = mkdtempSync(join(tmpdir(), 'end-e2e-'));
  const home = join(dir, 'home');
  const tmp = join(dir, 'tmp');
  const userDataDir = join(dir, 'user-data');
  const extensionsDir = join(dir, 'extensions');
  for (const d of [home, tmp, join(userDataDir, 'User'), join(userDataDir, 'Machine'), extensionsDir]) mkdirSync(d, { recursive: true });
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    'workbench.colorTheme': 'Default Dark Modern',
    ...opts.settings,
  };
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify(settings, null, 2));
  // code-server is a remote window: it applies `machine`-scoped settings (ebpfNetDebug.hosts, compile.clangPath ...,
  // kept out of workspaces' reach) only from the machine's own settings file, never from User settings.
  writeFileSync(join(userDataDir, 'Machine/settings.json'), JSON.stringify(settings, null, 2));
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  opts.prepareHome?.(home);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    HOME: home,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  const common = ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--config', configFile];

  await promisify(execFile)(codeServerLauncher, [...common, '--install-extension', vsix], { env, timeout: 120_000 });

  const port = opts.port ?? (await freePort());
  const logFile = join(dir, 'code-server.log');
  const log = createWriteStream(logFile);
  const child = spawn(
    codeServerLauncher,
    [
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      `${opts.host ?? '127.0.0.1'}:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      opts.workspace,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    await killTree(child);
    log.end();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(url, child, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    port,
    dir,
    home,
    userDataDir,
    extensionsDir,
    logFile,
    stop,
    extensionLog: () => readExtensionLog(userDataDir),
  };
}

async function waitHealthy(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const healthy = async () => {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${tail(logFile)}`);
    try {
      return (await fetch(new URL('healthz', url))).ok;
    } catch {
      return false; // not listening yet
    }
  };
  await until(healthy, `code-server to answer ${url}healthz`, 60_000, 200).catch((e: Error) => {
    throw new Error(`${e.message}:\n${tail(logFile)}`);
  });
}

/** Pids of the processes in process group `pgid` (field 5 of /proc/PID/stat, after the command's parentheses). */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      /* exited while we looked */
    }
  }
  return pids;
}

/**
 * How long code-server's processes get to go on SIGTERM before the rest of the group is killed: a bound on a
 * failure (a process that ignores it), not a wait; stop() returns as soon as the group is empty.
 */
const GROUP_TERM_BOUND_MS = 5_000;

/** code-server leaves children (extension host, pty host) that take seconds to go: kill the whole group. */
async function killTree(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* gone */
  }
  const pgid = child.pid;
  const killGroup = () => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* all gone */
    }
  };
  const timer = setTimeout(killGroup, GROUP_TERM_BOUND_MS);
  await exited;
  // Children in the same group (extension host, pty host) may outlive the leader for a moment: wait until the
  // group is empty, and kill what is still there at the bound.
  await until(() => groupMembers(pgid).length === 0, "code-server's process group to exit", GROUP_TERM_BOUND_MS).catch(killGroup);
  clearTimeout(timer);
  await until(() => groupMembers(pgid).length === 0, "code-server's process group to be killed", GROUP_TERM_BOUND_MS);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '';
  }
}

function readExtensionLog(userDataDir: string): string {
  // <user-data>/logs/<session>/exthost*/ebpf-netdebug.ebpf-netdebug/eBPF Network Debugger.log (name per VS Code version)
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Dirent[] = [];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes('ebpf-netdebug') && e.name.endsWith('.log')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(join(userDataDir, 'logs'));
  return out.join('\n');
}
