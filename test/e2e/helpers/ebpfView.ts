// Steps on the extension's own UI shared by the e2e tests: open the eBPF view, wait for a host to connect, read a
// webview.
import type { Frame, Page } from 'playwright-core';
import { until } from '../../kernel/helpers/until';
import type { Workbench } from './workbench';

/** Opens the "eBPF" view container from the activity bar (no-op when it is open). */
export async function openEbpfView(w: Workbench): Promise<void> {
  // With one view in the container VS Code hides the pane header and titles the side bar "EBPF: HOSTS".
  const title = w.page.locator('.part.sidebar .composite.title', { hasText: /eBPF/i }).first();
  if (await title.isVisible().catch(() => false)) return;
  await w.page.locator('.activitybar .action-item a[aria-label^="eBPF"], .activitybar .action-item[aria-label^="eBPF"]').first().click();
  await title.waitFor({ timeout: 15_000 });
}

/** Waits until the status bar says the host is connected (the extension auto-connects to the default host). */
export async function waitConnected(w: Workbench, host: string, timeoutMs = 90_000): Promise<void> {
  const item = w.page.locator('.statusbar-item', { hasText: `eBPF: ${host}` }).first();
  await item.waitFor({ timeout: timeoutMs });
  const connected = async () => {
    const html = await item.innerHTML().catch(() => '');
    if (html.includes('codicon-error')) {
      throw new Error(`connecting to ${host} failed: ${(await item.getAttribute('aria-label').catch(() => '')) ?? ''}`);
    }
    return html.includes('codicon-pulse');
  };
  await until(connected, `${host} to connect`, timeoutMs, 250);
}

/**
 * Webview content lives in nested iframes: polls every frame of the page until `read` finds what `accept` wants,
 * and returns it; fails with the last value read.
 */
export async function inWebview<T>(page: Page, read: (f: Frame) => Promise<T>, accept: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  let last: T | undefined;
  let found: { value: T } | undefined;
  const seen = async () => {
    for (const f of page.frames()) {
      try {
        const v = await read(f);
        last = v;
        if (accept(v)) {
          found = { value: v };
          return true;
        }
      } catch {
        /* not this frame, or not loaded yet */
      }
    }
    return false;
  };
  await until(seen, 'a webview', timeoutMs, 500).catch(() => {
    throw new Error(`not seen in any webview within ${timeoutMs / 1000} s (last read: ${JSON.stringify(last)?.slice(0, 500)})`);
  });
  return found!.value;
}

/** Expands the connected host's section (Programs, Maps, Network...) in the eBPF tree. */
export async function expandSection(w: Workbench, section: string): Promise<void> {
  await openEbpfView(w);
  // Playwright matches textContent: label and description run together ("Network6").
  await w.expandRow(new RegExp(`^${section}(\\d|\\s|$)`));
}
