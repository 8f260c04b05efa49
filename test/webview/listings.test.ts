// The listings view in real Chromium, fed what bpftool 7.1 and 7.5 reported on this machine for programs
// attached in two namespaces (XDP native and generic, tc clsact, tcx), parsed by the agent's own parsers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type ViewHarness, type ViewPage } from './helpers/viewPage';
import { capturedDump, capturedSnapshot } from './helpers/fixtures';

const rows = (v: ViewPage, table: string) =>
  v.page.$$eval(`table[aria-label="${table}"] tbody tr`, (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')));
const header = (v: ViewPage, table: string) => v.page.$$eval(`table[aria-label="${table}"] th`, (ths) => ths.map((t) => t.textContent));

describe('listings webview', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('lists programs with sizes, maps, pins and run counts (bpftool 7.5)', async () => {
    const snap = capturedSnapshot('7.5');
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('listings', { theme });
      await v.send({ type: 'snapshot', snapshot: snap });
      const progs = await rows(v, 'Programs');
      assert.deepEqual(progs.map((r) => r[2]).sort(), ['tc_tcp_psh', 'xdp_pass_count', 'xdp_printk_ping']);
      assert.deepEqual(await header(v, 'Programs'), [
        'ID',
        'Type',
        'Name',
        'Tag',
        'Loaded at',
        'Xlated',
        'JITed',
        'Maps',
        'Run count',
        'Run time (ns)',
        'ns/run',
        'Pins',
      ]);
      const printk = progs.find((r) => r[2] === 'xdp_printk_ping')!;
      const p = snap.programs.find((x) => x.name === 'xdp_printk_ping')!;
      assert.equal(printk[1], 'xdp');
      assert.equal(printk[3], p.tag);
      assert.equal(printk[5], `${p.bytesXlated} B`);
      assert.equal(printk[11], '/sys/fs/bpf/end_wvcap/printk/xdp_printk_ping');
      assert.equal(printk[8], String(p.runCnt), 'the ping ran the program');
      assert.ok(p.runCnt! > 0);
      assert.match((await v.page.textContent('#status')) ?? '', /^local: 3 programs, 4 attachments in 2 namespaces, \d+ maps/);
      await v.screenshot(`listings-programs-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it('shows XDP modes, tc and tcx per namespace and interface; 7.1 cannot see tcx', async () => {
    const v = await h.open('listings');
    await v.send({ type: 'snapshot', snapshot: capturedSnapshot('7.5') });
    await v.page.click('vscode-tab-header[data-tab="network"]');
    const net = (await rows(v, 'Network attachments')).map((r) => r.slice(0, 5));
    assert.deepEqual(
      net.map((r) => r.slice(0, 4)),
      [
        ['end_wvcap_a', 'wvcapa (2)', 'xdp', 'generic'],
        ['end_wvcap_a', 'wvcapa (2)', 'tc', 'egress'],
        ['end_wvcap_b', 'wvcapb (2)', 'xdp', 'driver'],
        ['end_wvcap_b', 'wvcapb (2)', 'tcx', 'ingress'],
      ],
    );
    assert.match(net[2][4], /^xdp_printk_ping \(\d+\)$/, 'XDP rows are named from the program listing');
    assert.match(net[3][4], /^tc_tcp_psh \(\d+\)$/);
    await v.screenshot('listings-network-dark');
    const n = (await v.posted()).length;
    await v.page.click('vscode-button[data-detach="xdp:end_wvcap_b:wvcapb"]');
    const cmd = await v.waitPosted<{ command: string; args: string[] }>('runCommand', n);
    assert.deepEqual([cmd.command, cmd.args], ['ebpfNetDebug.detach', ['xdp:end_wvcap_b:wvcapb']]);
    await v.send({ type: 'snapshot', snapshot: capturedSnapshot('7.1') });
    const old = (await rows(v, 'Network attachments')).map((r) => r.slice(0, 4).join(' '));
    assert.deepEqual(old, ['end_wvcap_a wvcapa (2) xdp generic', 'end_wvcap_a wvcapa (2) tc egress', 'end_wvcap_b wvcapb (2) xdp driver']);
    await v.page.close();
  });

  it('filters and sorts rows, and reveals a program in the tree on Enter', async () => {
    const v = await h.open('listings');
    await v.send({ type: 'snapshot', snapshot: capturedSnapshot('7.1') });
    await v.page.fill('#filter >> input', 'xdp_p');
    assert.deepEqual((await rows(v, 'Programs')).map((r) => r[2]).sort(), ['xdp_pass_count', 'xdp_printk_ping']);
    await v.page.click('table[aria-label="Programs"] th[data-column="name"]');
    await v.page.click('table[aria-label="Programs"] th[data-column="name"]');
    assert.equal(await v.page.getAttribute('table[aria-label="Programs"] th[data-column="name"]', 'aria-sort'), 'descending');
    assert.deepEqual(
      (await rows(v, 'Programs')).map((r) => r[2]),
      ['xdp_printk_ping', 'xdp_pass_count'],
    );
    const n = (await v.posted()).length;
    await v.page.focus('table[aria-label="Programs"] tbody tr');
    await v.page.keyboard.press('Enter');
    const reveal = await v.waitPosted<{ kind: string; id: number }>('reveal', n);
    assert.equal(reveal.kind, 'program');
    assert.equal(reveal.id, capturedSnapshot('7.1').programs.find((p) => p.name === 'xdp_printk_ping')!.id);
    const st = (await v.state()) as { filter: string; sort: { column: string; descending: boolean } };
    assert.deepEqual([st.filter, st.sort], ['xdp_p', { column: 'name', descending: true }]);
    await v.page.close();
  });

  it('dumps a map with formatted keys and values, and refreshes it live', async () => {
    const snap = capturedSnapshot('7.5');
    const map = snap.maps.find((m) => m.name === 'proto_count')!;
    const v = await h.open('listings', { height: 800 });
    await v.send({ type: 'snapshot', snapshot: snap });
    await v.page.click('vscode-tab-header[data-tab="maps"]');
    const n = (await v.posted()).length;
    await v.page.click(`vscode-button[data-dump="${map.id}"]`);
    const req = await v.waitPosted<{ requestId: number; mapId: number }>('dumpMap', n);
    assert.equal(req.mapId, map.id);
    const entries = capturedDump('7.5');
    await v.send({
      type: 'reply',
      requestId: req.requestId,
      ok: true,
      result: { mapId: map.id, entries, truncated: false, at: Date.now() },
    });
    await v.page.waitForSelector('table[aria-label="Map entries"] tbody tr');
    const dump = await rows(v, 'Map entries');
    assert.equal(dump.length, 256);
    // ICMP (protocol 1) saw the pings: the per-CPU counters, as BTF formats them.
    const icmp = dump.find((r) => r[1] === '1')!;
    assert.match(icmp[2], /^cpu0: packets=\d+ bytes=\d+ \| cpu1: packets=\d+ bytes=\d+$/);
    const packets = [...icmp[2].matchAll(/packets=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    assert.ok(packets >= 2, `ICMP packets counted: ${packets}`);
    assert.match((await v.page.textContent('#dump-title')) ?? '', /^Map proto_count \(id \d+, percpu_array\)$/);
    await v.screenshot('listings-dump-dark');
    // Live refresh asks again on its own, and again.
    const m = (await v.posted()).length;
    await v.page.click('#live');
    const again = await v.waitPosted<{ requestId: number; mapId: number }>('dumpMap', m);
    assert.equal(again.mapId, map.id);
    await v.send({ type: 'reply', requestId: again.requestId, ok: false, error: 'map id 999 not found' });
    await v.page.waitForFunction(() => document.querySelector('#dump-note')!.textContent === 'Cannot dump: map id 999 not found');
    assert.equal(await rows(v, 'Map entries').then((r) => r.length), 256, 'a failed refresh keeps the last dump');
    await v.waitPosted('dumpMap', m + 1);
    await v.page.close();
  });
});
