// The webviews inside a real VS Code (code-server + Chromium), as a user meets them: with a lab host connected,
// a bpf_printk XDP program attached on the lab host's eth0 writes a line per ping, and "eBPF: Show Live Trace"
// shows those lines in the panel's trace view; right-clicking a .o in the Explorer and choosing "Inspect Object
// (readelf)" opens the ELF inspector with "Machine: Linux BPF".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame } from 'playwright-core';
import { repoRoot, startCodeServer, type CodeServer } from '../helpers/codeServer';
import { openWorkbench, type Workbench } from '../helpers/workbench';
import { createLabHost, type LabHost } from '../helpers/labHost';
import { bpfWorkspace, type Workspace } from '../helpers/workspace';
import { inWebview, waitConnected } from '../helpers/ebpfView';

const TOKEN = 'ewv';
const PIN = `/sys/fs/bpf/end_${TOKEN}_printk`;
const bpftool = '/usr/sbin/bpftool';

let lab: LabHost | undefined;
let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let ws: Workspace | undefined;

before(async () => {
  lab = await createLabHost(TOKEN);
  ws = bpfWorkspace(TOKEN, { 'xdp_pass_count.o': join(repoRoot, 'test/fixtures/webview/xdp_pass_count.o') });
  cs = await startCodeServer({
    workspace: ws.dir,
    vsix: process.env.E2E_VSIX,
    settings: { 'ebpfNetDebug.hosts': [{ name: 'lab', target: lab.alias }], 'ebpfNetDebug.defaultHost': 'lab' },
    prepareHome: (home) => lab!.installClient(home),
  });
  wb = await openWorkbench(cs.url, 'webviews');
});

after(async () => {
  if (wb) await wb.screenshot('final').catch(() => undefined);
  await wb?.close();
  if (cs && process.env.E2E_KEEP_LOG) console.log(cs.extensionLog());
  await cs?.stop();
  await lab?.destroy(); // the XDP attachment goes with the namespace
  rmSync(PIN, { force: true });
  ws?.remove();
});

test('the side-panel trace shows the lines of a bpf_printk program attached in the lab', async () => {
  const w = wb!;
  const l = lab!;
  await waitConnected(w, 'lab');
  execFileSync(bpftool, ['prog', 'load', join(repoRoot, 'dist/bpf/xdp_printk_ping.o'), PIN]);
  const attached = await l.inNs(l.hostNs, [bpftool, 'net', 'attach', 'xdp', 'pinned', PIN, 'dev', 'eth0']);
  assert.equal(attached.code, 0, attached.stderr);

  await w.runCommand('eBPF: Show Live Trace');
  // The view subscribes when it is shown; then every ping writes a line on the lab host.
  const status = await inWebview(
    w.page,
    (f) => f.$eval('#stat-conn', (e) => e.textContent ?? ''),
    (t) => t.startsWith('Tracing trace_pipe on'),
  );
  // By the name the user gave it in ebpfNetDebug.hosts, as the tree and the status bar call it.
  assert.equal(status, 'Tracing trace_pipe on lab', 'the view names the host it traces');
  // Other tests on this machine write to trace_pipe too: like a user, filter for our lab's pings (the list is
  // virtualized, so only what passes the filter and fits on screen is in the DOM).
  const traceFrame = await inWebview(
    w.page,
    async (f) => ((await f.$('#stat-conn')) ? f : undefined),
    (f) => f !== undefined,
  );
  await traceFrame!.fill('#filter >> input', `end-ping ${l.peerAddress} >`);
  // trace_pipe is one global, destructive stream: another reader on this machine (a parallel test's agent) may
  // take some of our lines. Ping in rounds until the view has shown at least three of ours.
  const wanted = `end-ping ${l.peerAddress} > ${l.hostAddress} echo-request`;
  const readRows = (f: Frame) =>
    f.$$eval('.row:not([hidden])', (rs) => rs.map((r) => Array.from(r.children).map((c) => c.textContent ?? '')));
  let ours: string[][] = [];
  for (let round = 0; round < 10 && ours.length < 3; round++) {
    const ping = await l.ping(3);
    assert.equal(ping.received, 3, 'the printk program passes every packet');
    const rows = await inWebview(w.page, readRows, (rs) => rs.some((r) => r[3].startsWith(wanted)), 10_000).catch(() => [] as string[][]);
    ours = rows.filter((r) => r[3].startsWith(wanted));
  }
  assert.ok(ours.length >= 3, `the view showed ${ours.length} of our ping lines`);
  for (const r of ours) {
    assert.match(r[3], /echo-request id=\d+ seq=\d+$/);
    assert.match(r[2], /^\S.*\/\d+$/, 'every row names a task and its pid');
  }
  // XDP runs in softirq, in whatever task the CPU was in when the packet was processed: usually the ping that
  // sent it over the veth, but sometimes another (ksoftirqd, a shell). At least one row names ping.
  assert.ok(
    ours.some((r) => /^ping\/\d+$/.test(r[2])),
    `no row names ping: ${ours.map((r) => r[2]).join(', ')}`,
  );
  await w.screenshot('live-trace');
});

test('the ELF inspector opens from the Explorer context menu on a .o', async () => {
  const w = wb!;
  await w.page.keyboard.press('Control+Shift+E');
  const row = w.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'xdp_pass_count.o' }).first();
  await row.waitFor({ timeout: 30_000 });
  await w.contextMenu(row, /Inspect Object \(readelf\)/);
  const header = await inWebview(
    w.page,
    (f) => f.$$eval('dl.header dt', (dts) => dts.map((dt) => `${dt.textContent} ${dt.nextElementSibling?.textContent}`)),
    (h) => h.length > 0,
  );
  assert.ok(header.includes('Machine: Linux BPF'), header.join('\n'));
  assert.ok(header.includes('Type: REL (Relocatable file)'));
  const programs = await inWebview(
    w.page,
    (f) =>
      f.$$eval('table[aria-label="Programs"] tbody tr', (trs) =>
        trs.map((tr) =>
          Array.from(tr.children)
            .slice(0, 3)
            .map((c) => c.textContent),
        ),
      ),
    (p) => p.length > 0,
  );
  assert.deepEqual(programs, [['xdp_pass_count', 'xdp', 'xdp']]);
  await w.screenshot('elf-inspector');
});
