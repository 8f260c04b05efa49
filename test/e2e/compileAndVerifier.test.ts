// Errors land where the user looks: compiling a file with a syntax error puts a marker in Problems at the right
// line (the ebpf task's parsed diagnostics, extension/vscode/diagnostics/compile.ts), and loading a program the verifier refuses puts a diagnostic on the
// C line the verifier log names, with the log in the output channel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Workbench } from './helpers/workbench';
import type { LabHost } from './helpers/labHost';
import { LabEditorFixture } from './helpers/labEditor';
import { waitConnected } from './helpers/ebpfView';
import { removeObjectPins } from './helpers/pins';

const fixtures = join(__dirname, 'fixtures');
let lab: LabHost | undefined;
let wb: Workbench | undefined;
const fixture = new LabEditorFixture();

before(async () => {
  ({ lab, wb } = await fixture.start('ec1', 'compile-verifier', {
    files: {
      'xdp_syntax_error.bpf.c': join(fixtures, 'xdp_syntax_error.bpf.c'),
      'xdp_verifier_reject.bpf.c': join(fixtures, 'xdp_verifier_reject.bpf.c'),
    },
    settings: { 'ebpfNetDebug.xdp.defaultMode': 'native' },
  }));
});

after(async () => {
  await fixture.stop();
  // A refused load leaves nothing pinned; remove the directory in case the agent created it before failing.
  removeObjectPins('xdp_verifier_reject');
});

async function problemRow(w: Workbench, text: RegExp) {
  // The status bar's problem counts toggle the Problems panel: click only when it is not showing.
  if (
    !(await w.page
      .locator('.markers-panel')
      .first()
      .isVisible()
      .catch(() => false))
  ) {
    await w.page.locator('.statusbar-item[id="status.problems"]').first().click();
  }
  const row = w.page.locator('.markers-panel .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 30_000 });
  return row;
}

test('a syntax error becomes a Problems marker at its line', async () => {
  const w = wb!;
  await waitConnected(w, 'lab');
  await w.openFile('xdp_syntax_error.bpf.c');
  await w.runCommand('eBPF: Compile BPF Program');
  const msg = await w.waitForNotification(/did not compile/, 60_000);
  assert.match(msg, /xdp_syntax_error\.bpf\.c/);
  const row = await problemRow(w, /expected ';'/);
  const text = await row.innerText();
  assert.match(text, /Ln 11, Col 24/, `the marker is on line 11, column 24: ${text}`);
  // The editor shows the squiggle too.
  await w.page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 10_000 });
  await w.screenshot('syntax-error-in-problems');
});

test('a verifier rejection becomes a diagnostic on the C line it names', async () => {
  const w = wb!;
  await w.openFile('xdp_verifier_reject.bpf.c');
  await w.runCommand('eBPF: Attach XDP to eth0');
  const msg = await w.waitForNotification(/verifier rejected/i, 90_000);
  assert.match(msg, /invalid access to packet/);
  const row = await problemRow(w, /BPF verifier: invalid access to packet/);
  const text = await row.innerText();
  assert.match(text, /Ln 21/, `the diagnostic is on line 21: ${text}`);
  await w.screenshot('verifier-diagnostic');
  // Nothing got attached: the host's eth0 is free.
  assert.equal(await lab!.xdpOnEth0(), undefined);
});
