// The main job, as a user does it: code-server with the packaged extension, configured for a lab host reached
// over SSH; from the palette "Attach XDP to eth0" with a copy of xdp_drop_ping.bpf.c open. bpftool on the host shows the
// program on eth0 and a ping inside the lab stops; the tree shows it under Network -> eth0 -> xdp; "Detach" from
// the tree's context menu removes it and the ping works again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Workbench } from './helpers/workbench';
import type { LabHost } from './helpers/labHost';
import { LabEditorFixture } from './helpers/labEditor';
import { expandSection, waitConnected } from './helpers/ebpfView';
import { removeObjectPins } from './helpers/pins';
import { join } from 'node:path';
import { repoRoot } from './helpers/codeServer';

let lab: LabHost | undefined;
let wb: Workbench | undefined;
const fixture = new LabEditorFixture();

before(async () => {
  ({ lab, wb } = await fixture.start('ea1', 'attach-xdp', {
    // a copy of its own: the attach pins the object as BASENAME-HASH, and other e2e files attach (and remove) xdp_drop_ping
    files: { 'xdp_drop_ping_ea1.bpf.c': join(repoRoot, 'bpf/xdp_drop_ping.bpf.c') },
  }));
});

after(async () => {
  await fixture.stop();
  // The object stays loaded (pinned) after Detach, as it would for a user; the test removes what it loaded.
  removeObjectPins('xdp_drop_ping_ea1');
});

test('Attach XDP to eth0 drops the lab ping, the tree shows it, Detach from the tree restores it', async () => {
  const w = wb!;
  const l = lab!;
  const before = await l.ping(3);
  assert.equal(before.received, 3, 'the lab pings before anything is attached');

  await waitConnected(w, 'lab');
  await w.screenshot('connected');
  await w.openFile('xdp_drop_ping_ea1.bpf.c');
  await w.screenshot('source-open');

  await w.runCommand('eBPF: Attach XDP to eth0');
  await w.pickQuickItem(/^native/);
  const msg = await w.waitForNotification(/Attached xdp_drop_ping to eth0/, 60_000);
  assert.match(msg, /XDP driver/);
  await w.screenshot('attached');

  const onEth0 = await l.xdpOnEth0();
  assert.ok(onEth0, 'bpftool net show lists an XDP program on eth0');
  assert.equal(onEth0.mode, 'driver');
  const during = await l.ping(5);
  assert.equal(during.received, 0, `ping is dropped while attached (${during.received}/${during.sent} came back)`);

  await expandSection(w, 'Network');
  const xdpRow = w.page.locator('.monaco-list-row', { hasText: /xdp_drop_ping #\d+ \(driver\)/ }).first();
  await xdpRow.waitFor({ timeout: 30_000 });
  assert.match(await xdpRow.innerText(), /^xdp/m);
  assert.match(await xdpRow.innerText(), new RegExp(`#${onEth0.id} `));
  // The row sits under eth0 of the host's namespace: the row before it is eth0's, with its lab address.
  const eth0Row = w.page.locator('.monaco-list-row', { hasText: /eth0.*192\.168\.77\.1/ }).first();
  assert.ok(await eth0Row.isVisible(), 'eth0 with its address is in the tree');
  await w.screenshot('tree-shows-xdp');

  await w.contextMenu(xdpRow, /^Detach$/);
  await w.waitForNotification(/Detached XDP from eth0/, 30_000);
  await w.screenshot('detached');
  assert.equal(await l.xdpOnEth0(), undefined, 'bpftool shows nothing on eth0 after Detach');
  const after = await l.ping(3);
  assert.equal(after.received, 3, 'the ping works again');
  // The tree was rebuilt from the kernel: the slot is empty again.
  await w.page
    .locator('.monaco-list-row', { hasText: /xdp_drop_ping #\d+ \(driver\)/ })
    .first()
    .waitFor({ state: 'detached', timeout: 30_000 });
  await w.screenshot('tree-after-detach');
  // The object stays loaded after Detach. Programs -> xdp -> the program: "Show Translated Instructions with Source"
  // opens the xlated dump with the C lines it came from. (Last, since paging down to ours past hundreds of programs
  // scrolls the Network rows out of the tree's DOM.)
  await expandSection(w, 'Programs');
  const typeRow = await w.expandRow(/^xdp\d+$/);
  // Other engineers' runs may have loaded hundreds of programs on this kernel: page down to ours.
  const progRow = await w.scrollToRow(typeRow, new RegExp(`^xdp_drop_ping#${onEth0.id} `));
  await w.contextMenu(progRow, /Show Translated Instructions/);
  // Monaco renders spaces as no-break spaces: \s matches both.
  const dump = w.page.locator('.monaco-editor .view-lines', { hasText: /r\d\s=\s/ }).first();
  await dump.waitFor({ timeout: 30_000 });
  const dumpText = await dump.innerText();
  assert.match(dumpText, /^;\sxdp_drop_ping_ea1\.bpf\.c:\d+\s/m, 'source lines (file:line) head the instructions');
  assert.match(dumpText, /\(\w\w\)\sr\d\s=/, "bpftool's instructions follow");
  await w.screenshot('xlated-with-source');
});
