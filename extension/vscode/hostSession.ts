// The one place the VS Code layer opens a connection to a host. Everything else sees `HostSession`: the agent
// client, the host's facts and name, and close(). Kept apart so the rest of the layer does not depend on how the
// engine (extension/core) deploys and starts the agent.
import type { AgentClient } from '../core/agentClient';
import type { HostFacts } from '../../protocol/types';
import type { HostSetting } from './settingsModel';

export interface HostSession {
  readonly client: AgentClient;
  readonly host: HostSetting;
  readonly facts: HostFacts;
  /** Fires once when the connection is gone (error undefined when closed on purpose). */
  onDidClose(listener: (error: Error | undefined) => void): { dispose(): void };
  close(): Promise<void>;
}

export interface OpenSessionOptions {
  /** Progress lines ("connecting", "deploying the agent", ...). */
  report(message: string): void;
  /** Lines for the log channel. */
  log(message: string): void;
  /** Rejects the open when it fires. */
  cancelled: Promise<void>;
}

export type SessionOpener = (host: HostSetting, opts: OpenSessionOptions) => Promise<HostSession>;
