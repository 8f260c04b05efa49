// The one session object of the VS Code layer: commands, the tree and the webviews all act on a connected host
// through it (issue 14: no second way in through the engine's Session). It wraps the engine's Session
// (extension/core/session.ts) and the host setting it was opened from. The agent client is read through the
// session each time, because a reconnect replaces it.
import type { AgentClient } from '../core/agentClient';
import type { SessionTraceStream } from '../core/reconnect/traceStreams';
import type { Session } from '../core/session';
import type { TraceStartParams } from '../../protocol/agent';
import type { HostFacts } from '../../protocol/types';
import type { HostSetting } from './settingsModel';

export interface HostSession {
  /** The host's name in the settings (what the tree, messages and views call it). */
  readonly name: string;
  readonly host: HostSetting;
  /**
   * The engine's session, only for engine functions that take one (attach workflow, compile target); everything
   * else goes through the members below.
   */
  readonly engine: Session;
  /** The current agent client (a new object after a reconnect). */
  readonly client: AgentClient;
  readonly facts: HostFacts;
  /** A trace stream that survives reconnects (its id stays the same). */
  startTrace(params: TraceStartParams): Promise<SessionTraceStream>;
  /** The host kernel's BTF (for vmlinux.h). */
  readHostBtf(): Promise<Buffer>;
  /** Fires when the engine loses the connection and starts reconnecting (true), and when it is back (false). */
  onDidChangeReconnecting(listener: (reconnecting: boolean) => void): { dispose(): void };
  /** Fires once when the connection is gone for good (error undefined when closed on purpose). */
  onDidClose(listener: (error: Error | undefined) => void): { dispose(): void };
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  /** Progress lines ("connecting", "deploying the agent", ...). */
  report(message: string): void;
  /** Lines for the log channel. */
  log(message: string): void;
  /** Something the user must see (a rollback the host's watchdog performed while the connection was away). */
  warn(message: string): void;
  /** Resolves when the user cancels. */
  cancelled: Promise<void>;
  /** Asks the user about an unknown host key (never about a changed one: that is refused). */
  confirmNewHostKey(question: { host: string; keyType: string; fingerprint: string }): Promise<boolean>;
  /** Asks for a passphrase or password; undefined when the user declines. */
  prompt(message: string, secret: boolean): Promise<string | undefined>;
  /** A folder of the extension's own (globalStorage) for generated ssh_config files. */
  storageDir: string;
  /** ebpfNetDebug.runtimeDir: an offline copy of the agent runtime (docs/deploy.md); the extension's own when absent. */
  runtimeDir?: string;
}

export type SessionOpener = (host: HostSetting, opts: OpenSessionOptions) => Promise<HostSession>;
