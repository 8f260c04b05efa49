// Sets a webview up the same way for every view: scripts on, resources only from dist/webview (nothing else of
// the extension or the workspace is readable), and the CSP shell with a fresh nonce on every render.
import * as vscode from 'vscode';
import type { ViewId } from '../../../protocol/webview';
import { renderWebviewHtml } from './webviewHtml';

export function webviewRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(extensionUri)] };
}

export function renderView(webview: vscode.Webview, extensionUri: vscode.Uri, view: ViewId, title: string): void {
  const root = webviewRoot(extensionUri);
  const uri = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(root, f)).toString();
  webview.options = webviewOptions(extensionUri);
  webview.html = renderWebviewHtml({
    title,
    cspSource: webview.cspSource,
    scriptUri: uri(`${view}.js`),
    styleUris: [uri(`${view}.css`)],
    codiconUri: uri('codicon.css'),
  });
}
