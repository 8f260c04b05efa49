// The other way in: "Attach XDP Program to Interface..." with nothing open picks the interface (across the host's
// namespaces), the program (a *.bpf.c of the workspace, compiled first) and generic mode; "Detach" from the
// palette picks what the agent reports attached. Generic XDP is the trap of ../shared/docs/KERNEL-FACTS.md (`xdp off`
// leaves it attached): after Detach bpftool must show nothing and the ping must come back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from './helpers/codeServer';
import type { Workbench } from './helpers/workbench';
import type { LabHost } from './helpers/labHost';
import { LabEditorFixture } from './helpers/labEditor';
import { waitConnected } from './helpers/ebpfView';
import { removeObjectPins } from './helpers/pins';

let lab: LabHost | undefined;
let wb: Workbench | undefined;
const fixture = new LabEditorFixture();

before(async () => {
  // The same program under a file name of its own: objects are named after their file and pinned host-wide, so
  // this file and attachXdp.test.ts (running at the same time) never replace each other's object.
  ({ lab, wb } = await fixture.start('eg1', 'attach-generic', {
    files: { 'xdp_drop_ping_eg1.bpf.c': join(repoRoot, 'bpf/xdp_drop_ping.bpf.c') },
  }));
});

after(async () => {
  await fixture.stop();
  removeObjectPins('xdp_drop_ping_eg1');
});

test('attach to a picked interface in generic mode, then Detach from the palette', async () => {
  const w = wb!;
  const l = lab!;
  await waitConnected(w, 'lab');
  await w.runCommand('eBPF: Attach XDP Program to Interface...');
  // Interfaces are listed with their addresses: the lab host's eth0 is the one with 192.168.77.1.
  await w.pickQuickItem(/^eth0.*192\.168\.77\.1\//);
  await w.screenshot('interface-picked');
  await w.pickQuickItem(/^xdp_drop_ping_eg1\.bpf\.c/);
  await w.pickQuickItem(/^generic/);
  const msg = await w.waitForNotification(/Attached xdp_drop_ping to eth0/, 90_000);
  assert.match(msg, /XDP generic/);
  await w.screenshot('attached-generic');
  const shown = await l.xdpOnEth0();
  assert.equal(shown?.mode, 'generic', 'bpftool reports generic mode on eth0');
  assert.equal((await l.ping(5)).received, 0, 'the ping is dropped');

  await w.runCommand('eBPF: Detach');
  // Detach asks only when there is a choice: alone on the host ours goes at once; with other runs' programs
  // attached too, the pick names ours by program, interface and mode.
  const ours = w.page.locator('.quick-input-widget .monaco-list-row', { hasText: /xdp_drop_ping #\d+ on eth0, generic/ }).first();
  const detached = w.waitForNotification(/Detached/, 30_000);
  void ours
    .waitFor({ timeout: 30_000 })
    .then(() => ours.click())
    .catch(() => undefined);
  const detachMsg = await detached;
  assert.match(detachMsg, /Detached XDP from eth0: xdp_drop_ping #\d+, generic/, 'the message names the program');
  await w.screenshot('detached');
  assert.equal(await l.xdpOnEth0(), undefined, 'nothing left on eth0, not even in generic mode');
  assert.equal((await l.ping(3)).received, 3, 'the ping answers again');
});
