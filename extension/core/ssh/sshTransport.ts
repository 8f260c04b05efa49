// Transport over ONE ssh2 connection: the agent (an exec channel), SFTP uploads and any exec share it
// (multiplexed channels), so a host costs one TCP connection and one handshake however much we do on it.
// argv arrays become a command string only through shellQuote.ts. Hosts without SFTP (no `Subsystem sftp`,
// Dropbear) are read with `cat` and written with the verified exec upload of deploy/upload.ts instead.
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type { ExecResult, RemoteProcess, Transport } from '../transport/transport';
import { uploadFile } from '../deploy/upload';
import { quoteArgv } from './shellQuote';

export class SshTransport implements Transport {
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private readonly closeListeners: ((reason: Error | undefined) => void)[] = [];
  private closedReason: { reason: Error | undefined } | undefined;
  private lastError: Error | undefined;

  constructor(
    readonly hostLabel: string,
    /** The connection to the host itself. */
    readonly client: Client,
    /** Connections to ProxyJump hosts, first hop first; closed with this one. */
    private readonly jumps: Client[] = [],
  ) {
    client.on('error', (e) => {
      this.lastError = e;
    });
    client.on('close', () => this.closed(this.lastError ?? new Error(`connection to ${hostLabel} closed`)));
    // A jump host dying takes our forwarded socket with it; ssh2 reports that as our own 'close'.
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  exec(argv: string[], opts: { stdin?: Buffer | string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const command = quoteArgv(argv);
    return new Promise((resolve, reject) => {
      if (this.closedReason) {
        reject(this.closedError());
        return;
      }
      let channel: ClientChannel | undefined;
      let timedOut = false;
      // The timeout covers opening the channel too: on a link that silently drops packets the open never answers.
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              if (channel) {
                try {
                  channel.signal('KILL');
                } catch {
                  /* server may not support signals */
                }
                channel.close();
              } else {
                reject(new Error(`${argv[0]} on ${this.hostLabel}: no answer within ${opts.timeoutMs} ms`));
              }
            }, opts.timeoutMs);
      this.client.exec(command, (err, ch) => {
        if (err) {
          if (timer) clearTimeout(timer);
          reject(err);
          return;
        }
        if (timedOut) {
          ch.close();
          return;
        }
        channel = ch;
        const out: Buffer[] = [];
        const errb: Buffer[] = [];
        let code: number | null = null;
        ch.on('data', (b: Buffer) => out.push(b));
        ch.stderr.on('data', (b: Buffer) => errb.push(b));
        ch.on('exit', (c: number | null) => {
          code = typeof c === 'number' ? c : null;
        });
        ch.on('close', () => {
          if (timer) clearTimeout(timer);
          resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errb).toString('utf8') });
        });
        ch.end(opts.stdin ?? undefined);
      });
    });
  }

  spawn(argv: string[]): Promise<RemoteProcess> {
    const command = quoteArgv(argv);
    return new Promise((resolve, reject) => {
      if (this.closedReason) {
        reject(this.closedError());
        return;
      }
      this.client.exec(command, (err, ch: ClientChannel) => {
        if (err) {
          reject(err);
          return;
        }
        resolve(channelProcess(ch));
      });
    });
  }

  /**
   * A channel to a unix socket on the host (OpenSSH's direct-streamlocal@openssh.com): no command runs, so no
   * login shell and none of its rc files. Used for the kept agent (deploy/keptAgent.ts); it behaves as a process
   * whose stdin/stdout is the socket, and "exits" when the channel closes.
   */
  openStreamLocal(socketPath: string, timeoutMs = 5000): Promise<RemoteProcess> {
    return new Promise((resolve, reject) => {
      if (this.closedReason) return reject(this.closedError());
      const timer = setTimeout(
        () => reject(new Error(`stream-local channel to ${socketPath}: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.client.openssh_forwardOutStreamLocal(socketPath, (err, ch: ClientChannel) => {
        clearTimeout(timer);
        if (err) return reject(err);
        resolve(channelProcess(ch));
      });
    });
  }

  /**
   * This connection's two ends as this client sees them ("local>remote" addresses), or undefined when it does not
   * run over a plain TCP socket (a ProxyJump hop): a kept agent is used only over the same route as when it was kept.
   */
  routeKey(): string | undefined {
    const sock = (this.client as unknown as { _sock?: { localAddress?: string; remoteAddress?: string } })._sock;
    if (this.jumps.length || !sock?.localAddress || !sock.remoteAddress) return undefined;
    return `${sock.localAddress}>${sock.remoteAddress}`;
  }

  /** The login's home directory, as the SFTP server resolves ".". */
  async home(): Promise<string> {
    const sftp = await this.sftp();
    return new Promise((resolve, reject) => sftp.realpath('.', (e, p) => (e ? reject(e) : resolve(p))));
  }

  async writeFile(path: string, data: Buffer, mode: number): Promise<void> {
    const sftp = await this.sftpOrNone();
    if (!sftp) {
      await uploadFile(this, path, data, mode);
      return;
    }
    await this.mkdirs(sftp, posix.dirname(path));
    // Write beside the target then rename: an agent another window is starting never reads a half-written file.
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    await new Promise<void>((resolve, reject) => sftp.writeFile(tmp, data, { mode }, (e) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) => sftp.chmod(tmp, mode, (e) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) => sftp.ext_openssh_rename(tmp, path, (e) => (e ? reject(e) : resolve()))).catch(
      async (e) => {
        await new Promise<void>((res) => sftp.unlink(tmp, () => res()));
        throw e;
      },
    );
  }

  async readFile(path: string): Promise<Buffer> {
    const sftp = await this.sftpOrNone();
    if (!sftp) return this.catFile(path);
    // Read until EOF rather than trusting stat's size: sysfs files (kernel BTF) may report sizes loosely.
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = sftp.createReadStream(path);
      s.on('data', (b: Buffer) => chunks.push(b));
      s.on('error', (e: Error) => reject(new Error(`${this.hostLabel}:${path}: ${e.message}`)));
      s.on('end', () => resolve(Buffer.concat(chunks)));
    });
  }

  onClose(listener: (reason: Error | undefined) => void): void {
    if (this.closedReason) {
      const r = this.closedReason.reason;
      queueMicrotask(() => listener(r));
      return;
    }
    this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closedReason) return;
    const done = new Promise<void>((res) => this.client.once('close', () => res()));
    this.closedReason = { reason: undefined };
    this.client.end();
    await Promise.race([done, new Promise((r) => setTimeout(r, 3000).unref())]);
    for (const j of [...this.jumps].reverse()) j.end();
    this.notify(undefined);
  }

  /** SFTP, or null when the server has none (remembered for the connection: it will not grow one). */
  private noSftp = false;
  private async sftpOrNone(): Promise<SFTPWrapper | null> {
    if (this.noSftp) return null;
    try {
      return await this.sftp();
    } catch (e) {
      if (this.closedReason) throw e;
      this.noSftp = true;
      return null;
    }
  }

  /** A file's bytes through `cat` on an exec channel (binary-safe: stdout is kept as a Buffer). */
  private catFile(path: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.client.exec(quoteArgv(['cat', '--', path]), (err, ch) => {
        if (err) {
          reject(err);
          return;
        }
        const out: Buffer[] = [];
        let errText = '';
        let code: number | null = null;
        ch.on('data', (b: Buffer) => out.push(b));
        ch.stderr.on('data', (b: Buffer) => {
          errText += b.toString('utf8');
        });
        ch.on('exit', (c: number | null) => {
          code = typeof c === 'number' ? c : null;
        });
        ch.on('close', () =>
          code === 0
            ? resolve(Buffer.concat(out))
            : reject(new Error(`${this.hostLabel}:${path}: ${errText.trim() || `cat exited ${code}`}`)),
        );
        ch.end();
      });
    });
  }

  /** One SFTP session per connection, opened on first use. */
  sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((e, s) => (e ? reject(e) : resolve(s)));
    }).catch((e) => {
      this.sftpSession = undefined;
      throw new Error(`SFTP on ${this.hostLabel}: ${(e as Error).message} (does sshd have "Subsystem sftp"?)`);
    });
    return this.sftpSession;
  }

  private async mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
    const exists = await new Promise<boolean>((res) => sftp.stat(dir, (e) => res(!e)));
    if (exists || dir === '/' || dir === '.') return;
    await this.mkdirs(sftp, posix.dirname(dir));
    await new Promise<void>((resolve, reject) =>
      sftp.mkdir(dir, { mode: 0o700 }, (e) => {
        // Another window may have created it at the same moment.
        if (e) sftp.stat(dir, (e2) => (e2 ? reject(new Error(`mkdir ${dir}: ${e.message}`)) : resolve()));
        else resolve();
      }),
    );
  }

  private closed(reason: Error | undefined): void {
    if (this.closedReason && this.closedReason.reason === undefined && reason) {
      // close() was called: a deliberate close is reported without a reason.
      this.notify(undefined);
      return;
    }
    this.closedReason ??= { reason };
    for (const j of [...this.jumps].reverse()) j.end();
    this.notify(this.closedReason.reason);
  }

  private notified = false;
  private notify(reason: Error | undefined): void {
    if (this.notified) return;
    this.notified = true;
    for (const l of this.closeListeners) l(reason);
  }

  private closedError(): Error {
    return new Error(
      `connection to ${this.hostLabel} is closed${this.closedReason?.reason ? `: ${this.closedReason.reason.message}` : ''}`,
    );
  }
}

/**
 * A channel as a process: its data is stdin/stdout, its exit status (an exec's; a stream-local channel has none,
 * null) comes with its close. kill() sends TERM where the server takes signals, then closes the channel, which
 * closes the process's stdin/stdout on the host (the agent exits on stdin EOF).
 */
function channelProcess(ch: ClientChannel): RemoteProcess {
  let code: number | null = null;
  ch.on('exit', (c: number | null) => {
    code = typeof c === 'number' ? c : null;
  });
  return {
    stdin: ch,
    stdout: ch,
    stderr: ch.stderr,
    exited: new Promise<number | null>((res) => ch.on('close', () => res(code))),
    kill: () => {
      try {
        ch.signal('TERM');
      } catch {
        /* ignore */
      }
      ch.end();
      ch.close();
    },
  };
}
