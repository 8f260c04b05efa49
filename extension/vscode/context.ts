// One context object for the whole extension (../shared/docs/STYLE.md #5) with two disposal scopes: the extension's
// lifetime (commands, views, settings, the log) and the current connection's lifetime (the agent session, its
// trace subscriptions, anything that must go when the host goes). It also owns the connection state that the
// status bar, the tree and the command table follow.
import * as vscode from 'vscode';
import type { HostSession, SessionOpener } from './hostSession';
import type { HostSetting } from './settingsModel';
import { Settings } from './settings';
import { Cancelled } from './errors';
import { VerifierDiagnostics } from './diagnostics/verifier';

export type ConnectionState =
  | { kind: 'disconnected' }
  | { kind: 'connecting'; host: HostSetting }
  | { kind: 'connected'; host: HostSetting; session: HostSession; /** The engine is re-establishing the link. */ reconnecting?: boolean }
  | { kind: 'failed'; host: HostSetting; error: string };

export class Ctx implements vscode.Disposable {
  readonly settings: Settings;
  /** Verifier rejections as diagnostics on the C line. */
  readonly verifier: VerifierDiagnostics;
  private readonly extScope: vscode.Disposable[] = [];
  private connScope: vscode.Disposable[] = [];
  private stateValue: ConnectionState = { kind: 'disconnected' };
  private readonly stateEmitter = new vscode.EventEmitter<ConnectionState>();
  private readonly sessionEmitter = new vscode.EventEmitter<HostSession | undefined>();
  private readonly kernelEmitter = new vscode.EventEmitter<void>();
  private readonly kernelRefreshers = new Set<() => Promise<unknown>>();
  /** The connection state changed (status bar, command table, tree). */
  readonly onDidChangeState = this.stateEmitter.event;
  /** The session appeared or went (webviews). */
  readonly onDidChangeSession = this.sessionEmitter.event;
  /** Something changed on the host through the extension: views rebuild from the agent. */
  readonly onDidChangeKernelState = this.kernelEmitter.event;

  constructor(
    readonly extension: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private readonly openSession: SessionOpener,
  ) {
    this.settings = new Settings(log);
    this.verifier = new VerifierDiagnostics(log);
    this.pushExtCleanup(this.settings, this.verifier, this.stateEmitter, this.sessionEmitter, this.kernelEmitter);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }
  get session(): HostSession | undefined {
    return this.stateValue.kind === 'connected' ? this.stateValue.session : undefined;
  }

  /** Lives until the extension deactivates. */
  pushExtCleanup(...d: vscode.Disposable[]): void {
    this.extScope.push(...d);
  }
  /** Lives until the current connection closes. */
  pushConnCleanup(...d: vscode.Disposable[]): void {
    if (!this.session) {
      for (const x of d) x.dispose();
      return;
    }
    this.connScope.push(...d);
  }

  /**
   * Tells every view to rebuild from the agent (after an attach, detach, load...). Resolves once the views that
   * registered a refresher (the tree) hold the new state, so a message after it never contradicts what they show.
   */
  async kernelStateChanged(): Promise<void> {
    this.kernelEmitter.fire();
    await Promise.all(
      [...this.kernelRefreshers].map((f) => f().catch((e: unknown) => this.log.warn(`refresh: ${e instanceof Error ? e.message : e}`))),
    );
  }

  /** A view that rebuilds on kernelStateChanged and can say when it is done. */
  addKernelRefresher(refresh: () => Promise<unknown>): vscode.Disposable {
    this.kernelRefreshers.add(refresh);
    return {
      dispose: () => {
        this.kernelRefreshers.delete(refresh);
      },
    };
  }

  /** The host the user means: the connected one, else the default host, else the only one. */
  preferredHost(): HostSetting | undefined {
    const { hosts, defaultHost } = this.settings.values;
    if (this.stateValue.kind !== 'disconnected') return this.stateValue.host;
    return hosts.find((h) => h.name === defaultHost) ?? (hosts.length === 1 ? hosts[0] : undefined);
  }

  /** Connects to `host`, closing any previous connection first. */
  async connect(host: HostSetting, progress: (m: string) => void, token: vscode.CancellationToken): Promise<HostSession> {
    await this.disconnect();
    this.setState({ kind: 'connecting', host });
    const cancelled = new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
    try {
      const session = await this.openSession(host, {
        report: (m) => {
          progress(m);
          this.log.info(`[${host.name}] ${m}`);
        },
        log: (m) => this.log.info(`[${host.name}] ${m}`),
        warn: (m) => {
          this.log.warn(`[${host.name}] ${m}`);
          void vscode.window.showWarningMessage(m, 'Show Log').then((a) => {
            if (a === 'Show Log') this.log.show();
          });
        },
        cancelled,
        storageDir: this.extension.globalStorageUri.fsPath,
        ...(this.settings.values.runtimeDir ? { runtimeDir: this.settings.values.runtimeDir } : {}),
        confirmNewHostKey: async (q) => {
          const accept = 'Trust and Connect';
          const a = await vscode.window.showWarningMessage(
            `The authenticity of ${q.host} can't be established. Its ${q.keyType} key fingerprint is ${q.fingerprint}. Trust it and record it in known_hosts?`,
            { modal: true },
            accept,
          );
          return a === accept;
        },
        prompt: (message, secret) =>
          Promise.resolve(
            vscode.window.showInputBox({ title: `eBPF: ${host.name}`, prompt: message, password: secret, ignoreFocusOut: true }),
          ),
      });
      if (token.isCancellationRequested) {
        await session.close();
        throw new Cancelled();
      }
      const f = session.facts;
      this.log.info(
        `[${host.name}] connected: ${f.hostname}, kernel ${f.kernelRelease}, bpftool ${f.bpftool?.version ?? 'missing'}, agent ${f.agentVersion}`,
      );
      this.connScope = [];
      const closeSub = session.onDidClose((err) => {
        if (this.session !== session) return;
        this.log.warn(`[${host.name}] connection closed${err ? `: ${err.message}` : ''}`);
        this.endConnection(err ? { kind: 'failed', host, error: err.message } : { kind: 'disconnected' });
        if (err) {
          void vscode.window
            .showWarningMessage(`Lost the connection to ${host.name}: ${err.message}`, 'Reconnect', 'Show Log')
            .then((a) => {
              if (a === 'Reconnect') void vscode.commands.executeCommand('ebpfNetDebug.connect', host.name);
              if (a === 'Show Log') this.log.show();
            });
        }
      });
      const reconnectSub = session.onDidChangeReconnecting((reconnecting) => {
        if (this.session !== session) return;
        this.log.warn(`[${host.name}] ${reconnecting ? 'connection lost; reconnecting' : 'reconnected'}`);
        this.setState({ kind: 'connected', host, session, reconnecting });
        // Whatever the views showed may have changed while away (the watchdog may have rolled an attach back).
        if (!reconnecting) void this.kernelStateChanged();
      });
      this.setState({ kind: 'connected', host, session });
      this.connScope.push(closeSub, reconnectSub);
      this.sessionEmitter.fire(session);
      return session;
    } catch (e) {
      this.setState(
        e instanceof Cancelled ? { kind: 'disconnected' } : { kind: 'failed', host, error: e instanceof Error ? e.message : String(e) },
      );
      throw e;
    }
  }

  async disconnect(): Promise<void> {
    const session = this.session;
    if (!session) {
      if (this.stateValue.kind !== 'disconnected') this.setState({ kind: 'disconnected' });
      return;
    }
    this.endConnection({ kind: 'disconnected' });
    await session.close().catch((e) => this.log.warn(`closing the session: ${e instanceof Error ? e.message : e}`));
  }

  private endConnection(next: ConnectionState): void {
    const scope = this.connScope;
    this.connScope = [];
    for (const d of scope.reverse()) {
      try {
        d.dispose();
      } catch (e) {
        this.log.warn(`disposing: ${e instanceof Error ? e.message : e}`);
      }
    }
    this.setState(next);
    this.sessionEmitter.fire(undefined);
  }

  private setState(s: ConnectionState): void {
    this.stateValue = s;
    void vscode.commands.executeCommand('setContext', 'ebpfNetDebug.connected', s.kind === 'connected');
    this.stateEmitter.fire(s);
  }

  dispose(): void {
    const session = this.session;
    if (session) {
      this.endConnection({ kind: 'disconnected' });
      void session.close();
    }
    for (const d of this.extScope.reverse()) {
      try {
        d.dispose();
      } catch {
        /* deactivating: nothing left to tell */
      }
    }
  }
}
