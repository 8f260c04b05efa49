// What the webview side needs from the rest of the extension (the contract with extension/vscode/; the VS Code
// layer builds one and calls registerWebviews). Optional members add behaviour when the host provides them.
import type * as vscode from 'vscode';
import type { Session } from '../../core/session';

export interface WebviewHost {
  extensionUri: vscode.Uri;
  getSession(): Session | undefined;
  onDidChangeSession: vscode.Event<Session | undefined>;
  log: vscode.LogOutputChannel;
  /** ebpfNetDebug.trace.maxRows, validated (default DEFAULT_TRACE_MAX_ROWS, protocol/webview.ts). */
  traceMaxRows?(): number;
  /** Fires when ebpfNetDebug.trace.maxRows changes. */
  onDidChangeTraceMaxRows?: vscode.Event<number>;
  /** Something changed in the kernel through the extension (attach, detach...): listings refresh. */
  onDidChangeKernelState?: vscode.Event<void>;
  /** Reveals a program, map or attachment in the tree view (a row's Enter / double-click). */
  reveal?(item: { kind: 'program' | 'map' | 'attachment'; id: number; netns?: string; dev?: string }): void;
}
