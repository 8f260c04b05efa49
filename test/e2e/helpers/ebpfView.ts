// Steps on the extension's own UI shared by the e2e tests: open the eBPF view, wait for a host to connect.
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
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const label = (await item.getAttribute('aria-label').catch(() => '')) ?? '';
    const html = await item.innerHTML().catch(() => '');
    if (html.includes('codicon-pulse')) return;
    if (html.includes('codicon-error')) throw new Error(`connecting to ${host} failed: ${label}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${host} did not connect within ${timeoutMs / 1000} s`);
}

/** Expands the connected host's section (Programs, Maps, Network...) in the eBPF tree. */
export async function expandSection(w: Workbench, section: string): Promise<void> {
  await openEbpfView(w);
  // Playwright matches textContent: label and description run together ("Network6").
  await w.expandRow(new RegExp(`^${section}(\\d|\\s|$)`));
}
