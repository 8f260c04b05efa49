// The packaged VSIX in a private code-server: it activates, its commands are in the palette under "eBPF", the
// status bar shows the host state, and a palette command round trip reaches the extension and back to the UI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeServer, type CodeServer } from './helpers/codeServer';
import { openWorkbench, type Workbench } from './helpers/workbench';

let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let workspace = '';

before(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'end-e2e-ws-'));
  writeFileSync(join(workspace, 'hello.bpf.c'), '// SPDX-License-Identifier: GPL-2.0\nint x;\n');
  cs = await startCodeServer({
    workspace,
    // A deliberately bad value: it must become the default with a warning, not break activation.
    settings: { 'ebpfNetDebug.trace.maxRows': -5, 'ebpfNetDebug.autoConnect': false },
  });
  wb = await openWorkbench(cs.url, 'palette');
});

after(async () => {
  await wb?.close();
  await cs?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

test('the palette lists the eBPF commands and runs one', async () => {
  const w = wb!;
  await w.screenshot('workbench');
  // The workspace holds a *.bpf.c, so the extension activates on its own and warns about the bad setting.
  const warning = await w.waitForNotification(/ebpfNetDebug\.trace\.maxRows/);
  assert.match(warning, /using 100000/);
  await w.screenshot('bad-setting-warning');

  await w.runCommand('eBPF: Show Log');
  // The log channel opens in the Output panel, holding the activation line.
  const output = w.page.locator('.part.panel .monaco-editor .view-lines', { hasText: 'activated' });
  await output.first().waitFor({ timeout: 20_000 });
  await w.screenshot('log-open');

  // The status bar item says which host and that it is not connected.
  const status = w.page.locator('.statusbar-item', { hasText: 'eBPF:' }).first();
  assert.match(await status.innerText(), /eBPF: no host/);
});
