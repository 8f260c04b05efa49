// The run-result and program-statistics views in real Chromium, fed what the agent returned on this machine's
// kernel (test/fixtures/webview/capture-progrun-stats.ts): xdp_manglepong's 20 runs on an echo reply, and two
// statistics samples around 200,000 test runs of xdp_pass_count. The report and the rates are made by the same
// core code the extension host uses.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProgRunResult, StatsSample } from '../../protocol/agent';
import { runReport } from '../../extension/core/packet/runReport';
import { programRates } from '../../extension/core/stats/rates';
import { startHarness, type ViewHarness } from './helpers/viewPage';
import { readFixture } from './helpers/fixtures';

describe('run program on packet webview', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });
  const { packet, result } = JSON.parse(readFixture('prog_run_mangle.json')) as { packet: string; result: ProgRunResult };

  it("sends the form's packet as fields, and shows the verdict, the decoded TTL change per output, the hex with changed bytes marked and the map change", async () => {
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('progRun', { theme });
      await v.waitPosted('ready');
      await v.send({ type: 'target', target: { ref: 'id:5', id: 5, name: 'xdp_manglepong', type: 'xdp' } });
      await v.page.waitForFunction(() => document.getElementById('title')?.textContent === 'Run xdp_manglepong #5 (xdp) on a packet');
      await v.page.selectOption('#f-proto', 'icmp');
      await v.page.selectOption('#f-icmpType', 'echo-reply');
      await v.page.fill('#f-ipSrc', '10.0.0.2');
      await v.page.fill('#f-ipDst', '10.0.0.1');
      await v.page.fill('#f-runs', '20');
      await v.page.click('#run');
      const req = await v.waitPosted<{
        requestId: number;
        spec: { ip: { source: string; version: number }; l4: { protocol: string; type: string } };
        runs: number;
        repeat: number;
      }>('run');
      assert.deepEqual(
        [req.spec.ip.source, req.spec.ip.version, req.spec.l4.protocol, req.spec.l4.type, req.runs, req.repeat],
        ['10.0.0.2', 4, 'icmp', 'echo-reply', 20, 1],
      );
      await v.send({ type: 'reply', requestId: req.requestId, ok: true, result: { packet, result, report: runReport(packet, result) } });
      await v.page.waitForSelector('#verdict');
      assert.equal(await v.page.textContent('#verdict'), 'XDP_PASS (retval 2)');
      assert.match((await v.page.textContent('#input-summary'))!, /ICMP echo-reply id 7 seq 1 ttl 64/);
      assert.match((await v.page.textContent('#timing'))!, /^\d+ ns per run \(20 runs × repeat 1\), program xdp_manglepong/);
      const outcomes = await v.page.$$eval('li.outcome', (lis) =>
        lis.map((li) => ({
          head: li.querySelector('.outcome-head')!.textContent,
          changes: Array.from(li.querySelectorAll('ul.changes li')).map((x) => x.textContent),
          marked: li.querySelectorAll('pre.hex mark').length,
        })),
      );
      assert.equal(outcomes.length, result.outputs.length);
      const total = outcomes.reduce((s, o) => s + Number(/^(\d+)×/.exec(o.head!)![1]), 0);
      assert.equal(total, 20);
      for (const o of outcomes.filter((x) => !/unchanged/.test(x.head!))) {
        assert.match(o.changes[0]!, /^IPv4 ttl: 64 -> \d+$/);
        assert.match(o.changes[1]!, /^IPv4 header checksum: updated, still valid \(0x[0-9a-f]{4}\)$/);
        assert.ok(o.marked >= 2, 'the TTL byte and the checksum bytes are marked');
      }
      assert.deepEqual(await v.page.$$eval('#maps li', (lis) => lis.map((l) => l.textContent)), ['mangle_stats[0] replies +20']);
      await v.screenshot(`progRun-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it("a frame given as hex is sent as is; a refused run shows the agent's words", async () => {
    const v = await h.open('progRun');
    await v.waitPosted('ready');
    await v.send({ type: 'target', target: { ref: 'id:5', id: 5, name: 'p', type: 'xdp' }, packet });
    assert.equal(await v.page.inputValue('#f-frame'), packet);
    await v.page.click('#run');
    const req = await v.waitPosted<{ requestId: number; packet: string; spec?: unknown }>('run');
    assert.equal(req.packet, packet);
    assert.equal(req.spec, undefined);
    await v.send({ type: 'reply', requestId: req.requestId, ok: false, error: 'packet: 4 bytes is shorter than an Ethernet header (14)' });
    await v.page.waitForFunction(() => document.getElementById('status')?.classList.contains('error'));
    assert.equal(await v.page.textContent('#status'), 'packet: 4 bytes is shorter than an Ethernet header (14)');
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});

describe('program statistics webview', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });
  const { samples } = JSON.parse(readFixture('program_stats.json')) as { samples: StatsSample[] };
  const rates = programRates(samples[0], samples[1]);

  it('shows one row per program sorted by CPU share, with runs/s, ns per run, CPU % and a chart of the intervals so far', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('programStats', { theme });
      await v.waitPosted('ready');
      await v.send({ type: 'stats', on: true, mode: 'fd' });
      const intervalS = (samples[1].atNs - samples[0].atNs) / 1e9;
      for (let i = 0; i < 3; i++) await v.send({ type: 'rates', at: Date.now(), intervalS, rates });
      await v.page.waitForSelector('tbody tr');
      const rows = await v.page.$$eval('tbody tr', (trs) =>
        trs.map((tr) =>
          Array.from(tr.children)
            .slice(0, 6)
            .map((c) => c.textContent),
        ),
      );
      assert.equal(rows.length, samples[1].programs.length);
      const top = rates[0];
      assert.equal(top.name, 'xdp_pass_count', 'the program that ran 200,000 times leads');
      assert.deepEqual(rows[0], [
        `xdp_pass_count #${top.id}`,
        'xdp',
        '-',
        top.runsPerSec.toFixed(1),
        top.avgNs.toFixed(1),
        top.cpuPercent.toFixed(3),
      ]);
      const cpu = rows.map((r) => Number(r[5]));
      assert.deepEqual(
        cpu,
        [...cpu].sort((a, b) => b - a),
        'sorted by CPU share',
      );
      const points = await v.page.$eval('tbody tr:first-child svg.spark polyline', (p) => p.getAttribute('points')!.split(' ').length);
      assert.equal(points, 3, 'one point per interval received');
      assert.match((await v.page.textContent('#state'))!, /Statistics on \(held by the agent while this view is open\)/);
      assert.match((await v.page.textContent('#summary'))!, new RegExp(`^${rates.length} programs, \\d+ ran in the last`));
      await v.screenshot(`programStats-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });
});
