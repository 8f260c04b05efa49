// The packet list in code-server, fed two ways. First "Trace Packet Path..." with its Packet List button: the lab
// ping's hops, each with the bytes ebpfNetDebug.packetPath.packetBytes asks for (64 here). Then
// "Capture Verdicts" as a user does it in code-server: attach xdp_drop_ping to the lab host's eth0, choose Capture
// Verdicts on its row in the eBPF tree (filter `icmp`), ping from the peer, and read the packet list: every echo
// request is an XDP_DROP row whose bytes decode as ICMP. Stop in the view puts the plain program back: bpftool shows
// the same program id on eth0 as before the capture, and it still drops the ping.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, Page } from 'playwright-core';
import type { Workbench } from './helpers/workbench';
import type { LabHost } from './helpers/labHost';
import { LabEditorFixture } from './helpers/labEditor';
import { expandSection, waitConnected } from './helpers/ebpfView';
import { removeObjectPins } from './helpers/pins';
import { until } from '../kernel/helpers/until';
import { join } from 'node:path';
import { repoRoot } from './helpers/codeServer';

let lab: LabHost | undefined;
let wb: Workbench | undefined;
const fixture = new LabEditorFixture();

before(async () => {
  // the packet path's bytes per hop, set below the default (128) so the test sees the setting reach the tracer
  ({ lab, wb } = await fixture.start('ecv', 'capture-verdicts', {
    // a copy of its own: the attach pins the object as BASENAME-HASH, and other e2e files attach (and remove) xdp_drop_ping
    files: { 'xdp_drop_ping_ecv.bpf.c': join(repoRoot, 'bpf/xdp_drop_ping.bpf.c') },
    settings: { 'ebpfNetDebug.packetPath.packetBytes': 64 },
  }));
});

after(async () => {
  await fixture.stop(); // the XDP attachment and any capture go with the lab's namespaces
  removeObjectPins('xdp_drop_ping_ecv');
});

/** The frame of the webview whose `probe` selector holds text starting with `title` (webviews live in nested iframes). */
async function viewFrame(page: Page, probe: string, title: string, what: string): Promise<Frame> {
  let found: Frame | undefined;
  await until(
    async () => {
      for (const f of page.frames()) {
        const text = await f.textContent(probe, { timeout: 200 }).catch(() => null);
        if (text?.startsWith(title)) {
          found = f;
          return true;
        }
      }
      return false;
    },
    what,
    240_000,
    250,
  );
  return found!;
}

type Cells = string[][];
const readRows = (f: Frame): Promise<Cells> =>
  f.$$eval('#packets tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')));

test("Trace Packet Path's Packet List shows the ping's hops with the bytes the setting asks for", async () => {
  const w = wb!;
  const l = lab!;
  await waitConnected(w, 'lab');
  await w.runCommand('eBPF: Trace Packet Path...');
  await w.answerInput(`icmp and host ${l.peerAddress}`);
  const path = await viewFrame(w.page, '#state', 'Connected to', 'the packet path view tracing');
  await path.click('#packet-list');
  const list = await viewFrame(w.page, '#title', 'Packet Path: packets', 'the packet list of the trace');
  const ping = await l.ping(2);
  assert.equal(ping.received, 2, 'nothing is attached yet: the ping works');
  let rows: Cells = [];
  await until(
    async () => {
      rows = await readRows(list);
      return (
        rows.filter((r) => /Echo \(ping\) reply/.test(r[9])).length >= 2 &&
        rows.filter((r) => /Echo \(ping\) request/.test(r[9])).length >= 2
      );
    },
    'the hops of two echo requests and their replies',
    60_000,
    250,
  );
  const request = rows.find((r) => /Echo \(ping\) request/.test(r[9]) && r[4] === 'net_dev_queue')!;
  assert.ok(request, 'the request leaving the peer');
  assert.deepEqual([request[3], request[5], request[6], request[7], request[8]], ['eth0 →', l.peerAddress, l.hostAddress, 'ICMP', '98']);
  assert.ok(
    rows.some((r) => /Echo \(ping\) request/.test(r[9]) && r[3] === 'eth0 ←'),
    'and arriving on the host',
  );
  assert.ok(
    rows.every((r) => r[4] !== 'DROP'),
    'nothing dropped (the replies ping read are no drops)',
  );
  await list.click(`#packets tbody tr[data-no="${request[0]}"]`);
  await list.waitForSelector('#hex pre');
  const hex = (await list.textContent('#hex pre'))!.split('\n');
  assert.equal(hex.length, 64 / 16, 'ebpfNetDebug.packetPath.packetBytes = 64 bytes copied at the hop');
  const layers = await list.$$eval('#layers details > summary', (s) => s.map((x) => x.textContent));
  assert.deepEqual(layers.slice(1), ['Ethernet II', 'Internet Protocol Version 4', 'Internet Control Message Protocol']);
  await w.screenshot('packet-path-list');
  await list.click('#stop');
  await until(async () => (await list.textContent('#state')) === 'stopped', 'the trace to stop', 30_000, 250);
});

test('Capture Verdicts on the tree row lists the dropped echo requests, and Stop puts the plain program back', async () => {
  const w = wb!;
  const l = lab!;
  await waitConnected(w, 'lab');
  await w.openFile('xdp_drop_ping_ecv.bpf.c');
  await w.runCommand('eBPF: Attach XDP to eth0');
  await w.pickQuickItem(/^native/);
  await w.waitForNotification(/Attached xdp_drop_ping to eth0/, 60_000);
  const plain = await l.xdpOnEth0();
  assert.ok(plain, 'xdp_drop_ping is on eth0');

  await expandSection(w, 'Network');
  const xdpRow = w.page.locator('.monaco-list-row', { hasText: /xdp_drop_ping #\d+ \(driver\)/ }).first();
  await xdpRow.waitFor({ timeout: 30_000 });
  await w.contextMenu(xdpRow, /Capture Verdicts/);
  await w.answerInput('icmp');
  const f = await viewFrame(
    w.page,
    '#title',
    'Verdicts:',
    'the packet list webview (after the capture variant is built: clang on a busy machine)',
  );
  await until(async () => (await f.textContent('#state')) === 'capturing', 'the capture to run', 120_000, 250);
  // the instrumented variant runs in the plain program's place
  const during = await l.xdpOnEth0();
  assert.ok(during && during.id !== plain.id, `another program (the capture variant) is on eth0: ${JSON.stringify(during)}`);
  await w.screenshot('capturing');

  const ping = await l.ping(3);
  assert.equal(ping.received, 0, 'the capture variant drops the pings like the plain program');
  let rows: Cells = [];
  await until(
    async () => {
      rows = await readRows(f);
      return rows.filter((r) => /Echo \(ping\) request/.test(r[9])).length >= ping.sent;
    },
    `${ping.sent} echo request rows`,
    60_000,
    250,
  );
  const echo = rows.filter((r) => /Echo \(ping\) request/.test(r[9]));
  assert.equal(echo.length, ping.sent, 'one row per echo request sent');
  for (const r of echo) {
    assert.equal(r[3], 'eth0 ←');
    assert.equal(r[4], 'XDP_DROP');
    assert.equal(r[5], l.peerAddress);
    assert.equal(r[6], l.hostAddress);
    assert.equal(r[7], 'ICMP');
    assert.equal(r[10], 'xdp_drop_ping returned XDP_DROP');
  }
  // the row's bytes: ICMP decoded, the echo in hex
  await f.click(`#packets tbody tr[data-no="${echo[0][0]}"]`);
  await f.waitForSelector('#hex pre');
  const layers = await f.$$eval('#layers details > summary', (s) => s.map((x) => x.textContent));
  assert.deepEqual(layers.slice(1), ['Ethernet II', 'Internet Protocol Version 4', 'Internet Control Message Protocol']);
  const icmp = await f.$$eval('#layers details:last-child dl dt', (dts) =>
    dts.map((dt) => `${dt.textContent}=${dt.nextElementSibling!.textContent}`),
  );
  assert.ok(icmp.includes('Type=8 (Echo (ping) request)'), icmp.join(', '));
  const hex = (await f.textContent('#hex pre'))!.split('\n');
  assert.equal(hex.length, Math.ceil(98 / 16), 'the 98 bytes of the echo request frame');
  assert.match(hex[2], /^0020 {2}4d 01 08 00 /, 'ICMP type 8 code 0 at offset 0x22');
  await w.screenshot('packet-list');

  await f.click('#stop');
  await until(async () => /plain program attached again$/.test((await f.textContent('#summary')) ?? ''), 'the summary', 60_000, 250);
  const summary = (await f.textContent('#summary'))!;
  assert.match(summary, new RegExp(`^kernel: seen \\d+, matched ${ping.sent} \\(XDP_DROP ${ping.sent}\\); plain program attached again$`));
  assert.equal(await f.textContent('#state'), 'stopped');
  await w.screenshot('stopped');

  const back = await l.xdpOnEth0();
  assert.equal(back?.id, plain.id, 'bpftool shows the plain program on eth0 again');
  assert.equal(back?.mode, 'driver');
  const after = await l.ping(3);
  assert.equal(after.received, 0, 'and it still drops the ping');
});
