// The HTML shell of every view (../shared/docs/STYLE.md #9): a strict CSP with a fresh nonce per render, the view's bundle
// and styles from dist/webview, and no data at all (data arrives by postMessage after `ready`). Kept free of
// 'vscode' so the Chromium tests render exactly this page.
import { randomBytes } from 'node:crypto';

export interface WebviewPage {
  title: string;
  /** webview.cspSource: the origin VS Code serves localResourceRoots from. */
  cspSource: string;
  /** As webview URIs (asWebviewUri), already strings. */
  scriptUri: string;
  styleUris: string[];
  /** The codicon stylesheet: @vscode-elements finds it by the id `vscode-codicon-stylesheet`. */
  codiconUri?: string;
  /** Defaults to a fresh random one; tests pass none either. */
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderWebviewHtml(page: WebviewPage): string {
  const nonce = page.nonce ?? newNonce();
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${page.cspSource}`,
    `font-src ${page.cspSource}`,
    `img-src ${page.cspSource}`,
  ].join('; ');
  const styles = page.styleUris.map((u) => `<link rel="stylesheet" href="${escapeAttr(u)}">`);
  if (page.codiconUri) styles.unshift(`<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${escapeAttr(page.codiconUri)}">`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.join('\n')}
<title>${escapeAttr(page.title)}</title>
</head>
<body>
<script nonce="${nonce}" src="${escapeAttr(page.scriptUri)}"></script>
</body>
</html>
`;
}
