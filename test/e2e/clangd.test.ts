// Language support for BPF C: with clangd installed, the extension starts it for *.bpf.c with the BPF target and
// vmlinux.h, so a syntax error is marked as the user types (no compile needed) while a real program that
// includes vmlinux.h and libbpf's headers shows no error at all (without those flags clangd would report
// "'vmlinux.h' file not found").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startCodeServer, type CodeServer } from './helpers/codeServer';
import { openWorkbench, type Workbench } from './helpers/workbench';
import { bpfWorkspace, type Workspace } from './helpers/workspace';

let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let ws: Workspace | undefined;

before(async () => {
  assert.ok(existsSync('/usr/bin/clangd'), 'clangd is installed by scripts/setup-e2e.sh');
  ws = bpfWorkspace('ecd', { 'xdp_syntax_error.bpf.c': join(__dirname, 'fixtures/xdp_syntax_error.bpf.c') });
  cs = await startCodeServer({ workspace: ws.dir, settings: { 'ebpfNetDebug.autoConnect': false } });
  wb = await openWorkbench(cs.url, 'clangd');
});

after(async () => {
  if (wb) await wb.screenshot('final').catch(() => undefined);
  if (process.env.E2E_KEEP_LOG) console.log(cs?.extensionLog());
  await wb?.close();
  await cs?.stop();
  ws?.remove();
});

test('clangd marks a syntax error as you type and accepts a real BPF program', async () => {
  const w = wb!;
  await w.openFile('xdp_drop_ping.bpf.c');
  await w.openFile('xdp_syntax_error.bpf.c');
  if (
    !(await w.page
      .locator('.markers-panel')
      .first()
      .isVisible()
      .catch(() => false))
  ) {
    await w.page.locator('.statusbar-item[id="status.problems"]').first().click();
  }
  // clangd's own wording ("Expected ';' ...", code clang expected_semi_declaration), placed where clangd puts it: at the
  // next token, line 12 (the command-line clang says 11:24, the end of the line before).
  const row = w.page.locator('.markers-panel .monaco-list-row', { hasText: /expected ';'.*clang.?expected_semi_declaration/i }).first();
  await row.waitFor({ timeout: 60_000 });
  assert.match(await row.innerText(), /Ln 12, Col 2/);
  await w.screenshot('clangd-diagnostic');
  // The real program opened first was parsed by then: no row names it (no missing vmlinux.h, no unknown types).
  const rows = await w.page.locator('.markers-panel .monaco-list-row').allInnerTexts();
  assert.ok(!rows.some((r) => /xdp_drop_ping|file not found/.test(r)), `no problem in xdp_drop_ping.bpf.c:\n${rows.join('\n')}`);
});
