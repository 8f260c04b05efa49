// Runs one webview bundle in real headless Chromium the way VS Code would: the HTML shell that ships
// (extension/vscode/webviews/webviewHtml.ts, with its CSP and nonce) served from a local origin standing in for
// webview.cspSource, theme variables on <html>, and a stand-in for the webview API (acquireVsCodeApi) whose
// postMessage the test reads and whose host messages the test sends as window message events.
import { createServer, type Server } from 'node:http';
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { themes, type ThemeName } from './themes';

export const repoRoot = join(__dirname, '../../..');
const distWebview = join(repoRoot, 'dist/webview');

interface WebviewHtmlModule {
  renderWebviewHtml(page: {
    title: string;
    cspSource: string;
    scriptUri: string;
    styleUris: string[];
    codiconUri?: string;
    nonce?: string;
  }): string;
}
/** The page builder the extension uses; loaded by path because the test project does not reference extension/vscode. */
async function loadHtmlBuilder(): Promise<WebviewHtmlModule> {
  const path = join(repoRoot, 'extension/vscode/webviews/webviewHtml.ts');
  return (await import(path)) as WebviewHtmlModule;
}

const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

export interface ViewHarness {
  browser: Browser;
  origin: string;
  open(view: string, opts?: { theme?: ThemeName; state?: unknown; width?: number; height?: number }): Promise<ViewPage>;
  close(): Promise<void>;
}

export interface ViewPage {
  page: Page;
  /** Messages the view posted to the host, in order. */
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  /** Waits for the first posted message of this type (after `after` earlier ones of any type). */
  waitPosted<T = { type: string; [k: string]: unknown }>(type: string, after?: number): Promise<T>;
  /** Delivers a host -> webview message. */
  send(message: unknown): Promise<void>;
  /** Whatever the view last gave setState. */
  state(): Promise<unknown>;
  /** Errors the page printed or threw (CSP violations included). */
  errors: string[];
  screenshot(name: string): Promise<string>;
}

/**
 * The stand-in, as source text: what VS Code injects before the view's script runs (acquireVsCodeApi once per
 * page, state kept by the host, theme variables on <html>, the theme's class on <body>). A string rather than a
 * function because tsx's transform adds helpers to functions that do not exist inside the page.
 */
function standInScript(vars: Record<string, string>, bodyClass: string, state: unknown): string {
  return `(() => {
  const w = window;
  w.__posted = [];
  w.__state = ${JSON.stringify(state ?? null)} ?? undefined;
  let acquired = false;
  w.acquireVsCodeApi = function () {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return {
      postMessage(m) { w.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState() { return w.__state; },
      setState(s) { w.__state = JSON.parse(JSON.stringify(s)); },
    };
  };
  const vars = ${JSON.stringify(vars)};
  const paint = () => {
    for (const k of Object.keys(vars)) document.documentElement.style.setProperty(k, vars[k]);
    document.body.classList.add(${JSON.stringify(bodyClass)});
  };
  // The document does not exist yet when this runs; VS Code also themes it as soon as it loads.
  document.addEventListener('DOMContentLoaded', paint);
})();`;
}

export async function startHarness(): Promise<ViewHarness> {
  if (!existsSync(join(distWebview, 'liveTrace.js'))) throw new Error('dist/webview is not built: run node scripts/build.mjs');
  const { renderWebviewHtml } = await loadHtmlBuilder();
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const view = /^\/view\/(\w+)$/.exec(url.pathname);
    if (view) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        renderWebviewHtml({
          title: view[1],
          cspSource: origin,
          scriptUri: `${origin}/dist/webview/${view[1]}.js`,
          styleUris: existsSync(join(distWebview, `${view[1]}.css`)) ? [`${origin}/dist/webview/${view[1]}.css`] : [],
          codiconUri: `${origin}/dist/webview/codicon.css`,
        }),
      );
      return;
    }
    const file = normalize(url.pathname).replace(/^\/dist\/webview\//, '');
    const full = join(distWebview, file);
    if (!url.pathname.startsWith('/dist/webview/') || file.includes('..') || !existsSync(full)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(full)] ?? 'application/octet-stream' });
    res.end(readFileSync(full));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // playwright gives every launch a fresh, private --user-data-dir of its own (and removes it on close).
  const browser = await chromium
    .launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    .catch((e: Error) => {
      server.close();
      throw e;
    });
  return {
    browser,
    origin,
    async open(view, opts = {}) {
      const theme = themes[opts.theme ?? 'dark'];
      const page = await browser.newPage({ viewport: { width: opts.width ?? 1100, height: opts.height ?? 520 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      // The stand-in: what VS Code injects before the view's script runs.
      await page.addInitScript(standInScript(theme.vars, theme.bodyClass, opts.state));
      await page.goto(`${origin}/view/${view}`);
      const vp: ViewPage = {
        page,
        errors,
        posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
        async waitPosted<T>(type: string, after = 0): Promise<T> {
          const h = await page.waitForFunction(
            ({ type, after }) => (window as unknown as { __posted: { type: string }[] }).__posted.slice(after).find((m) => m.type === type),
            { type, after },
          );
          return (await h.jsonValue()) as T;
        },
        // As a JSON string: playwright's own argument serialisation is slow for large batches.
        send: (message) =>
          page.evaluate((json) => {
            window.postMessage(JSON.parse(json), '*');
          }, JSON.stringify(message)),
        state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
        async screenshot(name) {
          const dir = join(repoRoot, 'test-results/webview');
          mkdirSync(dir, { recursive: true });
          const file = join(dir, `${name}.png`);
          await page.screenshot({ path: file });
          return file;
        },
      };
      await vp.waitPosted('ready');
      return vp;
    },
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}
