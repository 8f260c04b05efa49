// Hands the webview side (extension/vscode/webviews/, the webview engineer's) what it needs: the extension's
// Uri, the current engine Session and its changes, and the log.
// TEMPORARY: extension/vscode/webviews/index.ts does not exist yet; until it does, no webviews are registered.
import type * as vscode from 'vscode';
import type { Ctx } from './context';

export function registerWebviewSide(_c: Ctx): vscode.Disposable[] {
  return [];
}
