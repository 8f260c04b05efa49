// Drives the code-server workbench in Debian's Chromium through playwright-core, the way a user would: the
// command palette, notifications, tree rows and their context menus, and the Problems panel. Every step can be
// screenshotted to test-results/e2e/<suite>/NN-step.png so a person can look at what the test saw.
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './codeServer';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Workbench {
  page: Page;
  /** Saves test-results/e2e/<suite>/<NN>-<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Runs a command from the palette by its label, e.g. "eBPF: Attach XDP to eth0". */
  runCommand(label: string): Promise<void>;
  /** Text of the visible notification toasts. */
  notifications(): Promise<string[]>;
  /** Waits for a notification whose text matches and returns it. */
  waitForNotification(match: RegExp, timeoutMs?: number): Promise<string>;
  /** Picks an item of an open quick pick by its label. */
  pickQuickItem(match: RegExp, timeoutMs?: number): Promise<void>;
  /** Types into an open input box / quick pick and accepts. */
  answerInput(text: string): Promise<void>;
  /** A tree row (`.monaco-list-row`) of a view whose text matches. */
  treeRow(match: RegExp): Locator;
  /** Expands a tree row if collapsed. */
  expandRow(match: RegExp, timeoutMs?: number): Promise<Locator>;
  /**
   * A row that may be far down a long (virtualized) list: only visible rows exist in the DOM, so this focuses
   * `from` and pages down until a row matching `match` is rendered.
   */
  scrollToRow(from: Locator, match: RegExp, maxPages?: number): Promise<Locator>;
  /** Opens the context menu of a row and clicks an entry. */
  contextMenu(row: Locator, entry: RegExp): Promise<void>;
  /** Opens a file of the workspace through Quick Open. */
  openFile(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openWorkbench(url: string, suite: string): Promise<Workbench> {
  // playwright gives the browser a fresh temporary profile of its own and removes it on close.
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const shots = join(repoRoot, 'test-results/e2e', suite);
  // A fresh folder per run, so the numbered steps on disk are this run's.
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  let step = 0;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The activity bar appears once the workbench has restored its parts.
    await page.locator('.activitybar').first().waitFor({ timeout: 60_000 });

    const wb: Workbench = {
      page,
      async screenshot(name) {
        const file = join(shots, `${String(++step).padStart(2, '0')}-${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async runCommand(label) {
        await openPalette(page);
        const input = page.locator('.quick-input-widget input');
        await input.fill(`>${label}`);
        // Click the entry whose label starts with `label` (a keybinding may follow): Enter would run the first
        // match, and another title ("Trace Packet Path Across Hosts..." for "Trace Packet Path...") can be first.
        const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
        const entry = page
          .locator('.quick-input-widget .monaco-list-row')
          .filter({ has: page.locator('.quick-input-list-label', { hasText: exact }) })
          .first();
        await entry.waitFor({ timeout: 15_000 });
        await entry.click();
      },
      async notifications() {
        return page.locator('.notifications-toasts .notification-toast').allInnerTexts();
      },
      async waitForNotification(match, timeoutMs = 30_000) {
        const toast = page.locator('.notifications-toasts .notification-toast', { hasText: match }).first();
        await toast.waitFor({ timeout: timeoutMs });
        return toast.innerText();
      },
      async pickQuickItem(match, timeoutMs = 30_000) {
        const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: match }).first();
        await row.waitFor({ timeout: timeoutMs });
        await row.click();
      },
      async answerInput(text) {
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: 15_000 });
        await input.fill(text);
        await input.press('Enter');
      },
      treeRow(match) {
        return page.locator('.monaco-list-row', { hasText: match }).first();
      },
      async expandRow(match, timeoutMs = 30_000) {
        const row = page.locator('.monaco-list-row', { hasText: match }).first();
        await row.waitFor({ timeout: timeoutMs });
        if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
        return row;
      },
      async scrollToRow(from, match, maxPages = 200) {
        const row = page.locator('.monaco-list-row', { hasText: match }).first();
        if (await row.count()) {
          await row.scrollIntoViewIfNeeded();
          return row;
        }
        // Clicking a tree row also toggles it: put it back to expanded before paging.
        await from.click();
        if ((await from.getAttribute('aria-expanded')) === 'false') await page.keyboard.press('ArrowRight');
        for (let i = 0; i < maxPages; i++) {
          if (await row.count()) {
            await row.scrollIntoViewIfNeeded();
            return row;
          }
          await page.keyboard.press('PageDown');
        }
        throw new Error(`no row matching ${match} after ${maxPages} pages`);
      },
      async contextMenu(row, entry) {
        await row.click({ button: 'right' });
        const menu = page.locator('.context-view .monaco-menu').first();
        const item = page.locator('.context-view .action-item', { hasText: entry }).first();
        await item.waitFor({ timeout: 10_000 });
        await item.hover();
        await item.click();
        // Under load a click can land while the menu is still settling and do nothing: the menu then stays open.
        if (
          !(await menu.waitFor({ state: 'hidden', timeout: 3000 }).then(
            () => true,
            () => false,
          ))
        ) {
          await item.click();
          await menu.waitFor({ state: 'hidden', timeout: 10_000 });
        }
      },
      async openFile(name) {
        await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } });
        await page.keyboard.press('Control+P');
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: 10_000 });
        await input.fill(name);
        // Quick Open searches the workspace: slow when the machine is busy.
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 60_000 });
        await input.press('Enter');
        await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
      },
      async close() {
        await browser.close();
      },
    };
    return wb;
  } catch (e) {
    await browser.close();
    throw e;
  }
}

async function openPalette(page: Page): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  for (let i = 0; i < 5; i++) {
    // Focus the workbench first: F1 only reaches VS Code when the page has focus.
    await page
      .locator('.monaco-workbench .part.statusbar, .monaco-workbench')
      .first()
      .click({ position: { x: 5, y: 5 } })
      .catch(() => undefined);
    await page.keyboard.press('F1');
    try {
      await widget.locator('input').waitFor({ state: 'visible', timeout: 3000 });
      return;
    } catch {
      /* workbench still starting */
    }
  }
  throw new Error('the command palette did not open');
}
