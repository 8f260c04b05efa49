// One context object for the whole extension (../shared/docs/STYLE.md #5) with two disposal scopes: the extension's
// lifetime (commands, views, settings, the log) and each connection's lifetime (the agent session, anything that
// must go when that host goes). It owns the connection state of every host (several at once, issue 13) that the
// status bar, the tree and the command table follow, and which host is in focus (the selected row's, else the
// only connected one): the webviews show that host.
import * as vscode from 'vscode';
import { forEachHost, type HostResult } from '../core/fleet/bounded';
import type { HostSession, SessionOpener } from './hostSession';
import type { HostSetting } from './settingsModel';
import { Settings } from './settings';
import { Cancelled } from './errors';
import { VerifierDiagnostics } from './diagnostics/verifier';
import { CompileDiagnostics } from './diagnostics/compile';
import type { HostStatus } from './hostsModel';

export type ConnectionState =
  | { kind: 'disconnected'; host?: HostSetting }
  | { kind: 'connecting'; host: HostSetting }
  | { kind: 'connected'; host: HostSetting; session: HostSession; /** The engine is re-establishing the link. */ reconnecting?: boolean }
  | { kind: 'failed'; host: HostSetting; error: string };

type Live = Exclude<ConnectionState, { kind: 'disconnected' }>;

export class Ctx implements vscode.Disposable {
  readonly settings: Settings;
  /** Verifier rejections as diagnostics on the C line. */
  readonly verifier: VerifierDiagnostics;
  /** clang's diagnostics of the ebpf task's compiles, in Problems. */
  readonly compileDiagnostics: CompileDiagnostics;
  private readonly extScope: vscode.Disposable[] = [];
  /** Every host that is not disconnected, by name. */
  private readonly hostStates = new Map<string, Live>();
  private readonly connScopes = new Map<string, vscode.Disposable[]>();
  private readonly opening = new Map<string, Promise<HostSession>>();
  /** The host of the tree's selected row (set by the tree view); commands and webviews follow it. */
  private selectedHostName: string | undefined;
  /** The host the last command acted on, so a webview it opens shows that host. */
  private focusHostName: string | undefined;
  private lastFocused: HostSession | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ConnectionState>();
  private readonly sessionEmitter = new vscode.EventEmitter<HostSession | undefined>();
  private readonly kernelEmitter = new vscode.EventEmitter<void>();
  private readonly kernelRefreshers = new Set<() => Promise<unknown>>();
  /** A host's connection state changed (status bar, command table, tree); the event carries that host's state. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** The session in focus changed: another host selected, or the focused host connected or went (webviews). */
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
    this.compileDiagnostics = new CompileDiagnostics();
    this.pushExtCleanup(this.settings, this.verifier, this.compileDiagnostics, this.stateEmitter, this.sessionEmitter, this.kernelEmitter);
  }

  /** Every host that is connecting, connected or failed, in the order they were first connected. */
  get states(): Live[] {
    return [...this.hostStates.values()];
  }
  stateOf(name: string): ConnectionState {
    return this.hostStates.get(name) ?? { kind: 'disconnected' };
  }
  /** The states as the VS Code-free model (hostsModel.ts) takes them. */
  statuses(): HostStatus[] {
    return this.states.map((s) => ({
      name: s.host.name,
      kind: s.kind === 'connected' ? (s.reconnecting ? 'reconnecting' : 'connected') : s.kind,
      ...(s.kind === 'failed' ? { error: s.error } : {}),
    }));
  }
  /** The connected hosts' sessions. */
  get sessions(): HostSession[] {
    return this.states.flatMap((s) => (s.kind === 'connected' ? [s.session] : []));
  }
  sessionOf(name: string): HostSession | undefined {
    const s = this.hostStates.get(name);
    return s?.kind === 'connected' ? s.session : undefined;
  }
  /**
   * The session in focus: the host the last command acted on or the selected row's (whichever came last), if it is
   * connected; else the default host's; else the first connected.
   */
  get session(): HostSession | undefined {
    const sessions = this.sessions;
    return (
      (this.focusHostName ? this.sessionOf(this.focusHostName) : undefined) ??
      sessions.find((s) => s.name === this.settings.values.defaultHost) ??
      sessions[0]
    );
  }
  get selectedHost(): string | undefined {
    return this.selectedHostName;
  }
  /** The tree's selection moved to a row of `name` (undefined: nothing selected). */
  select(name: string | undefined): void {
    this.selectedHostName = name;
    if (name) this.focus(name);
  }
  /** A command acts on `name`: views that show "the host" follow it. */
  focus(name: string): void {
    this.focusHostName = name;
    this.fireFocus();
  }

  /** Lives until the extension deactivates. */
  pushExtCleanup(...d: vscode.Disposable[]): void {
    this.extScope.push(...d);
  }
  /** Lives until the connection to `host` closes. */
  pushConnCleanup(host: string, ...d: vscode.Disposable[]): void {
    const scope = this.connScopes.get(host);
    if (!scope) {
      for (const x of d) x.dispose();
      return;
    }
    scope.push(...d);
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

  /** The host the user means when nothing says: the one in focus, else the default host, else the only one. */
  preferredHost(): HostSetting | undefined {
    const { hosts, defaultHost } = this.settings.values;
    const live = this.session?.host;
    if (live) return live;
    return hosts.find((h) => h.name === defaultHost) ?? (hosts.length === 1 ? hosts[0] : undefined);
  }

  /**
   * Connects to several hosts together: at most ebpfNetDebug.connectConcurrency at a time, starts staggered (the
   * fleet engine's limiter, core/fleet/bounded.ts). One host failing never stops the others: each result says.
   */
  connectMany(
    hosts: readonly HostSetting[],
    progress: (m: string) => void,
    token: vscode.CancellationToken,
  ): Promise<HostResult<HostSession>[]> {
    let done = 0;
    return forEachHost(
      hosts.map((h) => h.name),
      { concurrency: this.settings.values.connectConcurrency },
      async (_name, i) => {
        try {
          return await this.connect(hosts[i], (m) => progress(`${hosts[i].name}: ${m}`), token);
        } finally {
          done++;
          progress(`${done} of ${hosts.length} hosts answered`);
        }
      },
    );
  }

  /**
   * Connects to `host` beside the hosts already connected. Already connected: its session. Being opened: the same
   * promise (a second caller waits for the first).
   */
  connect(host: HostSetting, progress: (m: string) => void, token: vscode.CancellationToken): Promise<HostSession> {
    const live = this.sessionOf(host.name);
    if (live) return Promise.resolve(live);
    const pending = this.opening.get(host.name);
    if (pending) return pending;
    const p = this.open(host, progress, token).finally(() => this.opening.delete(host.name));
    this.opening.set(host.name, p);
    return p;
  }

  private async open(host: HostSetting, progress: (m: string) => void, token: vscode.CancellationToken): Promise<HostSession> {
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
      const closeSub = session.onDidClose((err) => {
        if (this.sessionOf(host.name) !== session) return;
        this.log.warn(`[${host.name}] connection closed${err ? `: ${err.message}` : ''}`);
        this.endConnection(host, err ? { kind: 'failed', host, error: err.message } : { kind: 'disconnected', host });
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
        if (this.sessionOf(host.name) !== session) return;
        this.log.warn(`[${host.name}] ${reconnecting ? 'connection lost; reconnecting' : 'reconnected'}`);
        this.setState({ kind: 'connected', host, session, reconnecting });
        // Whatever the views showed may have changed while away (the watchdog may have rolled an attach back).
        if (!reconnecting) void this.kernelStateChanged();
      });
      this.connScopes.set(host.name, [closeSub, reconnectSub]);
      this.setState({ kind: 'connected', host, session });
      return session;
    } catch (e) {
      this.setState(
        e instanceof Cancelled
          ? { kind: 'disconnected', host }
          : { kind: 'failed', host, error: e instanceof Error ? e.message : String(e) },
      );
      throw e;
    }
  }

  /** Disconnects `name` (every host when undefined). A failed host's row goes back to disconnected. */
  async disconnect(name?: string): Promise<void> {
    const targets = name === undefined ? this.states : this.states.filter((s) => s.host.name === name);
    await Promise.all(
      targets.map(async (st) => {
        this.endConnection(st.host, { kind: 'disconnected', host: st.host });
        if (st.kind === 'connected')
          await st.session
            .close()
            .catch((e) => this.log.warn(`[${st.host.name}] closing the session: ${e instanceof Error ? e.message : e}`));
      }),
    );
  }

  private endConnection(host: HostSetting, next: ConnectionState): void {
    const scope = this.connScopes.get(host.name) ?? [];
    this.connScopes.delete(host.name);
    for (const d of scope.reverse()) {
      try {
        d.dispose();
      } catch (e) {
        this.log.warn(`disposing: ${e instanceof Error ? e.message : e}`);
      }
    }
    this.setState(next.kind === 'disconnected' ? { kind: 'disconnected', host } : next);
  }

  private setState(s: ConnectionState): void {
    if (s.host) {
      if (s.kind === 'disconnected') this.hostStates.delete(s.host.name);
      else this.hostStates.set(s.host.name, s);
    }
    void vscode.commands.executeCommand('setContext', 'ebpfNetDebug.connected', this.sessions.length > 0);
    this.stateEmitter.fire(s);
    this.fireFocus();
  }

  /** Tells the webviews when the session in focus is another object than the last one they were told about. */
  private fireFocus(): void {
    const now = this.session;
    if (now === this.lastFocused) return;
    this.lastFocused = now;
    this.sessionEmitter.fire(now);
  }

  dispose(): void {
    for (const st of this.states) {
      this.endConnection(st.host, { kind: 'disconnected', host: st.host });
      if (st.kind === 'connected') void st.session.close();
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
