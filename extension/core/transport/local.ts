// The transport for `--host local`: the host is the machine the engine runs on, so "remote" processes are plain
// child processes. Argument arrays only (never a shell string), like the SSH transport, so both behave the same.
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ExecResult, RemoteProcess, Transport } from './transport';

export interface LocalTransportOptions {
  /** Environment for started processes; defaults to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Working directory for started processes. */
  cwd?: string;
}

export class LocalTransport implements Transport {
  readonly hostLabel = 'local';
  private readonly children = new Set<ChildProcess>();
  private readonly closeListeners: ((reason: Error | undefined) => void)[] = [];
  private closed = false;

  constructor(private readonly opts: LocalTransportOptions = {}) {}

  exec(argv: string[], opts: { stdin?: Buffer | string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const child = this.start(argv);
    return new Promise((resolve, reject) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timer: NodeJS.Timeout | undefined;
      child.stdout!.on('data', (b: Buffer) => out.push(b));
      child.stderr!.on('data', (b: Buffer) => err.push(b));
      // A missing executable is an 'error' event, not an exit code: report it as the failure it is.
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
      });
      if (opts.timeoutMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
      // A process that exits without reading stdin makes the write fail with EPIPE; its exit code says more.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.stdin ?? undefined);
    });
  }

  spawn(argv: string[]): Promise<RemoteProcess> {
    const child = this.start(argv);
    return new Promise((resolve, reject) => {
      const exited = new Promise<number | null>((res) => {
        child.on('close', (code) => res(code));
        child.on('error', () => res(null));
      });
      child.once('error', reject);
      child.once('spawn', () => {
        child.off('error', reject);
        child.stdin!.on('error', () => undefined);
        resolve({
          stdin: child.stdin!,
          stdout: child.stdout!,
          stderr: child.stderr!,
          exited,
          kill: () => {
            child.kill('SIGTERM');
          },
        });
      });
    });
  }

  async writeFile(path: string, data: Buffer, mode: number): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, data, { mode });
    // writeFile's mode only applies when it creates the file (and goes through the umask); make it exact.
    await chmod(path, mode);
  }

  readFile(path: string): Promise<Buffer> {
    return readFile(path);
  }

  onClose(listener: (reason: Error | undefined) => void): void {
    this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.children) c.kill('SIGTERM');
    await Promise.all(
      [...this.children].map(
        (c) =>
          new Promise<void>((res) => {
            if (c.exitCode !== null || c.signalCode !== null) res();
            else c.once('close', () => res());
          }),
      ),
    );
    for (const l of this.closeListeners) l(undefined);
  }

  private start(argv: string[]): ChildProcess {
    if (this.closed) throw new Error('local transport is closed');
    if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
      throw new TypeError('argv must be a non-empty array of strings');
    }
    const child = nodeSpawn(argv[0], argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: this.opts.env ?? process.env,
      cwd: this.opts.cwd,
      shell: false,
    });
    this.children.add(child);
    child.on('close', () => this.children.delete(child));
    child.on('error', () => this.children.delete(child));
    return child;
  }
}
