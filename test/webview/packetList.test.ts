// The packet list (a verdict capture's packets) in real Chromium, fed a capture made on this machine's kernel
// (test/fixtures/webview/verdict_capture.json, from captureVerdicts.ts: xdp_drop_ping on a lab host, pings over IPv4
// and IPv6 dropped, a TCP stream and a UDP datagram whose payload is markup passed), turned into rows exactly as the
// extension host does (extension/core/capture/rows.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureInfo, CaptureSummary, CapturedPacket } from '../../protocol/types';
import type { PacketListRow } from '../../protocol/webview';
import { packetRow } from '../../extension/core/capture/rows';
import { readFixture } from './helpers/fixtures';
import { startHarness, type ViewHarness } from './helpers/viewPage';

const fixture = JSON.parse(readFixture('verdict_capture.json')) as {
  info: CaptureInfo;
  packets: CapturedPacket[];
  summary: CaptureSummary;
};
const rows: PacketListRow[] = fixture.packets.map((p, i) => packetRow(fixture.info, p, i + 1));
const dropped = fixture.summary.verdicts.XDP_DROP;

describe('packet list webview', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('lists every packet with time, namespace, interface, coloured verdict, addresses, length and reason', async () => {
    assert.ok(dropped >= 4 && rows.length > dropped, 'the capture holds drops and passes');
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('packetList', { theme });
      await v.waitPosted('ready');
      await v.send({ type: 'capture', title: 'Verdicts: xdp_drop_ping on eth0', capturing: true, wireshark: false });
      await v.send({ type: 'packets', rows, replace: true, lost: 0 });
      await v.page.waitForSelector(`#packets tbody tr[data-no="${rows.length}"]`);
      const cells = await v.page.$$eval('#packets tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
      assert.equal(cells.length, rows.length);
      assert.equal(await v.page.textContent('#count'), `${rows.length} packets`);
      const echo = cells.filter((c) => /Echo \(ping\) request/.test(c[9]!));
      assert.equal(echo.length, dropped, 'every echo request (IPv4 and IPv6) is listed');
      for (const c of echo) {
        assert.equal(c[2], fixture.info.netns);
        assert.equal(c[3], 'eth0 ←');
        assert.equal(c[4], 'XDP_DROP');
        assert.equal(c[10], 'xdp_drop_ping returned XDP_DROP');
      }
      assert.ok(
        echo.some((c) => /^10\.\d+\.\d+\.1$/.test(c[5]!) && c[7] === 'ICMP' && c[8] === '98'),
        'IPv4 echo: address, protocol, length',
      );
      assert.ok(
        echo.some((c) => c[5]!.includes(':') && c[7] === 'ICMPv6'),
        'IPv6 echo',
      );
      const tcp = cells.filter((c) => c[7] === 'TCP');
      assert.ok(tcp.length > 0 && tcp.every((c) => c[4] === 'XDP_PASS' && c[10] === ''), 'the stream passes');
      assert.ok(
        tcp.some((c) => /:7300$/.test(c[6]!)),
        'ports with the addresses',
      );
      assert.match(cells[0][1]!, /^\d\d:\d\d:\d\d\.\d{6}$/);
      // colour: drop and pass differ, from the theme's variables
      const colours = await v.page.$$eval('.verdict', (spans) => [
        ...new Set(spans.map((s) => `${s.className} ${getComputedStyle(s).color}`)),
      ]);
      const drop = colours
        .find((c) => c.startsWith('verdict drop'))!
        .split(' ')
        .slice(2)
        .join(' ');
      const pass = colours
        .find((c) => c.startsWith('verdict pass'))!
        .split(' ')
        .slice(2)
        .join(' ');
      assert.notEqual(drop, pass);
      await v.screenshot(`packetList-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it('a row opens its decoded headers and its bytes; a payload of markup stays text', async () => {
    const v = await h.open('packetList');
    await v.waitPosted('ready');
    await v.send({ type: 'packets', rows, replace: true, lost: 0 });
    const udp = rows.findIndex((r) => Buffer.from(r.data, 'base64').includes('<img src=x'));
    assert.ok(udp >= 0, 'the fixture holds the markup datagram');
    await v.page.click(`#packets tbody tr[data-no="${udp + 1}"]`);
    await v.page.waitForSelector('#hex pre');
    const layers = await v.page.$$eval('#layers details > summary', (s) => s.map((x) => x.textContent));
    assert.deepEqual(layers.slice(1), ['Ethernet II', 'Internet Protocol Version 4', 'User Datagram Protocol']);
    const fields = await v.page.$$eval('#layers dl', (dls) =>
      dls.map((dl) => Array.from(dl.querySelectorAll('dt')).map((dt) => `${dt.textContent}=${dt.nextElementSibling!.textContent}`)),
    );
    assert.ok(fields[3].includes('Destination port=5353'), fields[3].join(', '));
    assert.ok(fields[2].includes('Protocol=UDP (17)'));
    const hex = (await v.page.textContent('#hex pre'))!.split('\n');
    assert.match(hex[0], /^0000 {2}[0-9a-f]{2}( [0-9a-f]{2}){7} {2}[0-9a-f]{2}( [0-9a-f]{2}){7} {2}.{16}$/);
    const ascii = hex.map((l) => l.slice(56)).join('');
    assert.ok(ascii.includes('<img src=x onerror="document.title'), 'the payload, as text in the ASCII column');
    // nothing of it became markup or ran
    assert.equal(await v.page.$$eval('body img, body b', (e) => e.length), 0);
    assert.equal(await v.page.$$eval('body script', (s) => s.filter((x) => !x.hasAttribute('src')).length), 0);
    assert.notEqual(await v.page.title(), 'pwned');
    assert.equal(((await v.state()) as { selected: number }).selected, udp + 1);
    // the keyboard moves to the next packet
    await v.page.focus('#packets');
    await v.page.keyboard.press('ArrowDown');
    assert.equal(await v.page.getAttribute('#packets tbody tr[aria-selected="true"]', 'data-no'), String(udp + 2));
    await v.screenshot('packetList-detail');
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("filters, stops, saves what it shows, and shows the kernel's counts and losses", async () => {
    const v = await h.open('packetList');
    await v.waitPosted('ready');
    await v.send({ type: 'capture', title: 't', capturing: true, wireshark: true });
    await v.send({ type: 'packets', rows: rows.slice(0, 10), replace: true, lost: 0 });
    await v.send({ type: 'packets', rows: rows.slice(10), replace: false, lost: 3 });
    assert.equal(await v.page.textContent('#lost'), 'lost 3');
    assert.equal(await v.page.isVisible('#wireshark'), true, 'Open in Wireshark when it is installed');
    const shown = async () => v.page.$$eval('#packets tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-no')));
    await v.page.fill('#filter input', 'drop');
    await v.page.waitForFunction((n) => document.querySelectorAll('#packets tbody tr').length === n, dropped);
    assert.equal(await v.page.textContent('#count'), `${dropped} of ${rows.length} packets`);
    await v.page.fill('#filter input', 'udp port 5353');
    await v.page.waitForFunction(() => document.querySelectorAll('#packets tbody tr').length === 1);
    await v.page.fill('#filter input', 'icmp6 and drop');
    await v.page.waitForFunction(() => document.querySelectorAll('#packets tbody tr').length === 2);
    await v.page.fill('#filter input', 'port x');
    await v.page.waitForSelector('#filter-error:not(:empty)');
    await v.page.fill('#filter input', 'tcp');
    await v.page.waitForFunction(
      () => document.querySelectorAll('#packets tbody tr').length > 3 && !document.querySelector('#filter-error')!.textContent,
    );
    const tcpNumbers = (await shown()).map(Number);
    const before = (await v.posted()).length;
    await v.page.click('#save');
    const save = await v.waitPosted<{ type: 'save'; requestId: number; numbers: number[] }>('save', before);
    assert.deepEqual(save.numbers, tcpNumbers, 'Save writes the packets the filter shows');
    await v.send({ type: 'reply', requestId: save.requestId, ok: true, result: { saved: '/tmp/x.pcapng' } });
    await v.page.waitForFunction(() => document.querySelector('#state')!.textContent === 'saved /tmp/x.pcapng');
    await v.page.click('#stop');
    const stop = await v.waitPosted<{ type: 'stop'; requestId: number }>('stop', before);
    await v.send({ type: 'reply', requestId: stop.requestId, ok: true, result: { capturing: false } });
    await v.send({
      type: 'summary',
      seen: fixture.summary.seen,
      matched: fixture.summary.matched,
      lost: 0,
      verdicts: fixture.summary.verdicts,
      restored: true,
    });
    await v.page.waitForFunction(() => document.querySelector('#state')!.textContent === 'stopped');
    assert.equal(await v.page.getAttribute('#stop', 'disabled'), '');
    assert.match(
      (await v.page.textContent('#summary'))!,
      new RegExp(
        `^kernel: seen ${fixture.summary.seen}, matched ${fixture.summary.matched} \\(XDP_DROP ${dropped}, XDP_PASS \\d+\\); plain program attached again$`,
      ),
    );
    assert.equal(await v.page.textContent('#lost'), '', "the kernel's count replaces the running one");
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
