// The packet list fed by a packet path trace, in real Chromium: the hops of test/fixtures/webview/packet_path_drop.json
// (captured on this machine's kernel by capture-drop.sh: a's ping dropped by nftables in b, b's ping answered), turned
// into rows exactly as the extension host does (extension/core/packetPath/rows.ts PacketPathRows), and the Packet
// List button of the packet path view asking the host for it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PacketPathView } from '../../protocol/webview';
import { PacketPathRows } from '../../extension/core/packetPath/rows';
import { readFixture } from './helpers/fixtures';
import { startHarness, type ViewHarness } from './helpers/viewPage';

const paths = (JSON.parse(readFixture('packet_path_drop.json')) as { packets: PacketPathView[] }).packets;
const hops = paths.reduce((n, p) => n + p.hops.length, 0);

describe('packet list of a packet path trace', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('lists every hop with its time, namespace and interface, the DROP in colour with its reason, and decodes the bytes', async () => {
    // the trace arrives in two batches, as from the agent: numbers stay put while packets gain hops
    const numbering = new PacketPathRows();
    const first = numbering.add(paths.slice(0, 1));
    const rest = numbering.add(paths);
    assert.equal(first.length + rest.length, hops, 'every hop carries bytes in this trace');
    const v = await h.open('packetList', { theme: 'dark' });
    await v.waitPosted('ready');
    await v.send({ type: 'capture', title: 'Packet Path: packets', capturing: true, wireshark: false, verdictHeading: 'Hop / drop' });
    await v.send({ type: 'packets', rows: first, replace: true, lost: 0 });
    await v.send({ type: 'packets', rows: rest, replace: false, lost: 0 });
    await v.page.waitForSelector(`#packets tbody tr[data-no="${hops}"]`);
    assert.equal(await v.page.textContent('#verdict-heading'), 'Hop / drop');
    const cells = await v.page.$$eval('#packets tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
    assert.equal(cells.length, hops);
    assert.deepEqual(
      cells.map((c) => c[0]),
      cells.map((_, i) => String(i + 1)),
    );
    // a's echo request: leaves wvdropa in end_wvdrop_a, arrives on wvdropb in end_wvdrop_b, dropped there by nftables
    const request = cells.filter((c) => c[5] === '10.213.9.1' && c[6] === '10.213.9.2' && /Echo \(ping\) request/.test(c[9]!));
    assert.deepEqual(
      request.map((c) => [c[2], c[3], c[4], c[10]]),
      [
        ['end_wvdrop_a', 'wvdropa →', 'net_dev_queue', ''],
        ['end_wvdrop_b', 'wvdropb ←', 'netif_rx', ''],
        ['end_wvdrop_b', 'wvdropb', 'DROP', 'NETFILTER_DROP at nft_do_chain'],
      ],
    );
    for (const c of request) {
      assert.equal(c[7], 'ICMP');
      assert.equal(c[8], '98');
      assert.match(c[1]!, /^\d\d:\d\d:\d\d\.\d{6}$/);
    }
    const colours = await v.page.$$eval('#packets tbody tr .verdict', (spans) =>
      spans.map((s) => `${s.className}|${getComputedStyle(s).color}`),
    );
    const dropColour = colours.find((c) => c.startsWith('verdict drop'))!.split('|')[1];
    const hopColour = colours.find((c) => c.startsWith('verdict pass'))!.split('|')[1];
    assert.notEqual(dropColour, hopColour, 'the drop is coloured apart from the hops');

    // the drop's row opens the decoded headers, the hop it was, and the bytes
    const dropNo = cells.find((c) => c[4] === 'DROP' && c[10]!.startsWith('NETFILTER_DROP'))![0]!;
    await v.page.click(`#packets tbody tr[data-no="${dropNo}"]`);
    await v.page.waitForSelector('#hex pre');
    const layers = await v.page.$$eval('#layers details > summary', (s) => s.map((x) => x.textContent));
    assert.deepEqual(layers.slice(1), ['Ethernet II', 'Internet Protocol Version 4', 'Internet Control Message Protocol']);
    const frame = await v.page.$$eval('#layers details:first-child dl dt', (dts) =>
      dts.map((dt) => `${dt.textContent}=${dt.nextElementSibling!.textContent}`),
    );
    assert.ok(frame.includes('Tracepoint=DROP'), frame.join(', '));
    assert.ok(
      frame.some((f) => /^Packet path=hop 3 \(kfree_skb\) of request #\d+\.001 10\.213\.9\.1 -> 10\.213\.9\.2$/.test(f)),
      frame.join(', '),
    );
    assert.ok(frame.includes('Drop reason=NETFILTER_DROP at nft_do_chain'));
    const hex = (await v.page.textContent('#hex pre'))!.split('\n');
    assert.equal(hex.length, Math.ceil(98 / 16), '98 bytes of the frame (the snap length was 128)');

    // the list's filter: the drops, then one namespace's hops
    await v.page.fill('#filter input', 'drop');
    await v.page.waitForFunction((n) => document.querySelectorAll('#packets tbody tr').length === n, 2);
    await v.page.fill('#filter input', 'end_wvdrop_a');
    await v.page.waitForFunction(
      (n) => document.querySelectorAll('#packets tbody tr').length === n,
      cells.filter((c) => c[2] === 'end_wvdrop_a').length,
    );
    await v.screenshot('packetList-packetPath');
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it('decodes a hop whose bytes start at the IP header (a device without a link-layer header)', async () => {
    const [row] = new PacketPathRows().add(paths.slice(0, 1));
    const ip = Buffer.from(row.data, 'base64').subarray(14); // the same packet as a raw-IP device hands it over
    const v = await h.open('packetList');
    await v.waitPosted('ready');
    await v.send({
      type: 'packets',
      rows: [{ ...row, data: ip.toString('base64'), len: row.len - 14, link: 'raw' }],
      replace: true,
      lost: 0,
    });
    await v.page.click('#packets tbody tr[data-no="1"]');
    await v.page.waitForSelector('#hex pre');
    const cells = await v.page.$$eval('#packets tbody tr td', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual([cells[5], cells[6], cells[7], cells[8]], ['10.213.9.1', '10.213.9.2', 'ICMP', '84']);
    const layers = await v.page.$$eval('#layers details > summary', (s) => s.map((x) => x.textContent));
    assert.deepEqual(layers.slice(1), ['Internet Protocol Version 4', 'Internet Control Message Protocol']);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it("the packet path view's Packet List button asks the host to open the list", async () => {
    const v = await h.open('packetPath');
    await v.waitPosted('ready');
    await v.send({ type: 'packets', packets: paths, replace: true, dropped: 0 });
    const before = (await v.posted()).length;
    await v.page.click('#packet-list');
    const asked = await v.waitPosted<{ type: 'openPacketList'; requestId: number }>('openPacketList', before);
    await v.send({ type: 'reply', requestId: asked.requestId, ok: true, result: { opened: true } });
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
