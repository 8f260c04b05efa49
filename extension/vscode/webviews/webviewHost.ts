// What the webview side needs from the rest of the extension (the contract with extension/vscode/; the VS Code
// layer builds one and calls registerWebviews). Optional members add behaviour when the host provides them.
import type * as vscode from 'vscode';
import type { HostSession } from '../hostSession';

export interface WebviewHost {
  extensionUri: vscode.Uri;
  /** The session of the host in focus (the selected row's, or the only connected one): the same object commands use. */
  getSession(): HostSession | undefined;
  onDidChangeSession: vscode.Event<HostSession | undefined>;
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
