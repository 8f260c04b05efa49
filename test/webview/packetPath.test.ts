// The packet path view in real Chromium, fed the hops of real pings between two namespaces captured on this
// machine's kernel (test/fixtures/webview/packet_path.jsonl), grouped exactly as the host groups them
// (extension/core/packetPath).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { groupPacketPaths } from '../../extension/core/packetPath';
import { startHarness, type ViewHarness } from './helpers/viewPage';
import type { PacketPathView } from '../../protocol/webview';
import { capturedPathEvents, readFixture } from './helpers/fixtures';

describe('packet path webview', () => {
  let h: ViewHarness;
  before(async () => { h = await startHarness(); });
  after(async () => { await h?.close(); });
  const paths = groupPacketPaths(capturedPathEvents());

  it('draws namespaces as boxes, interfaces as ports and numbered request/reply arrows in order', async () => {
    assert.ok(paths.length >= 2, 'the capture holds a request and its reply');
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('packetPath', { theme });
      await v.send({ type: 'packets', packets: paths, replace: true, dropped: 0 });
      await v.page.waitForSelector('svg.path-picture');
      const exchanges = await v.page.$$eval('#packets li', (lis) => lis.map((l) => l.textContent));
      assert.equal(exchanges.length, new Set(paths.map((p) => p.exchange)).size);
      assert.match(exchanges[0]!, /^10\.213\.7\.1 → 10\.213\.7\.2 icmp request \+ reply #\d+\.\d{3} \(4 hops\)$/);
      const boxes = await v.page.$$eval('g.netns', (gs) => gs.map((g) => g.getAttribute('data-netns')));
      assert.deepEqual(boxes, ['end_wvcap_a', 'end_wvcap_b'], 'one box per namespace, in the order the ping reaches them');
      const ports = await v.page.$$eval('g.port', (gs) => gs.map((g) => g.getAttribute('data-port')));
      assert.deepEqual(ports, ['end_wvcap_a/wvcapa', 'end_wvcap_b/wvcapb']);
      // Ports face each other: a's on the right edge of its box, b's on the left edge of its.
      const edges = (sel: string) => v.page.$$eval(sel, (rs) => rs.map((r) => { const b = r.getBoundingClientRect(); return { l: b.left, r: b.right }; }));
      const [pa, pb] = await edges('g.port rect');
      const [boxA, boxB] = await edges('g.netns rect');
      assert.ok(Math.abs((pa.l + pa.r) / 2 - boxA.r) < 2 && Math.abs((pb.l + pb.r) / 2 - boxB.l) < 2);
      const arrows = await v.page.$$eval('g.arrow', (gs) => gs.map((g) => ({ n: g.querySelector('text')!.textContent, cls: g.getAttribute('class'), title: g.querySelector('title')!.textContent })));
      assert.deepEqual(arrows.map((a) => a.n), ['1', '2']);
      assert.equal(arrows[0].cls, 'arrow request');
      assert.match(arrows[0].title!, /^1: request end_wvcap_a\/wvcapa → end_wvcap_b\/wvcapb \(napi_gro_receive_entry\)$/);
      assert.equal(arrows[1].cls, 'arrow reply');
      assert.match(arrows[1].title!, /^2: reply end_wvcap_b\/wvcapb → end_wvcap_a\/wvcapa \(netif_rx\)$/);
      const rows = await v.page.$$eval('table[aria-label="Hops"] tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).slice(0, 6).map((c) => c.textContent)));
      assert.deepEqual(rows, [
        ['1', '', 'request', 'end_wvcap_a', 'wvcapa (2)', 'net_dev_queue'],
        ['2', '1', 'request', 'end_wvcap_b', 'wvcapb (2)', 'napi_gro_receive_entry'],
        ['3', '', 'reply', 'end_wvcap_b', 'wvcapb (2)', 'net_dev_queue'],
        ['4', '2', 'reply', 'end_wvcap_a', 'wvcapa (2)', 'netif_rx'],
      ]);
      const label = await v.page.getAttribute('svg.path-picture', 'aria-label');
      assert.match(label!, /1 request end_wvcap_a\/wvcapa net_dev_queue; 2 request end_wvcap_b\/wvcapb napi_gro_receive_entry/);
      await v.screenshot(`packetPath-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it('draws the same picture from our own tracer\'s output (agent tracepkt, grouped by the CLI)', async () => {
    const agent = (JSON.parse(readFixture('packet_path_agent.json')) as { packets: PacketPathView[] }).packets;
    assert.ok(agent.some((p) => p.label === 'request') && agent.some((p) => p.label === 'reply'));
    const v = await h.open('packetPath');
    await v.send({ type: 'packets', packets: agent, replace: true, dropped: 0 });
    await v.page.waitForSelector('svg.path-picture');
    assert.equal(await v.page.$$eval('#packets li', (l) => l.length), new Set(agent.map((p) => p.exchange)).size);
    assert.deepEqual(await v.page.$$eval('g.netns', (gs) => gs.map((g) => g.getAttribute('data-netns'))), ['end_wvcap_a', 'end_wvcap_b']);
    const arrows = await v.page.$$eval('g.arrow', (gs) => gs.map((g) => `${g.querySelector('text')!.textContent} ${g.getAttribute('class')}`));
    assert.deepEqual(arrows, ['1 arrow request', '2 arrow reply']);
    await v.screenshot('packetPath-agent-dark');
    await v.page.close();
  });

  it('moves between packets with the keyboard and remembers the selection', async () => {
    const v = await h.open('packetPath');
    await v.send({ type: 'packets', packets: paths, replace: true, dropped: 3 });
    await v.page.focus('#packets');
    await v.page.keyboard.press('End');
    const last = await v.page.$eval('#packets li[aria-selected="true"]', (l) => l.getAttribute('data-exchange'));
    assert.equal(last, paths.at(-1)!.exchange);
    assert.equal((await v.state() as { selected: string }).selected, last);
    assert.equal(await v.page.textContent('#dropped'), 'dropped 3');
    await v.page.close();
  });

  it('asks the host to start with the typed filter and shows its refusal', async () => {
    const v = await h.open('packetPath');
    await v.page.fill('#filter >> input', 'icmp host 10.213.7.2');
    const n = (await v.posted()).length;
    await v.page.click('#start');
    const req = await v.waitPosted<{ requestId: number; filter: string }>('start', n);
    assert.equal(req.filter, 'icmp host 10.213.7.2');
    await v.send({ type: 'reply', requestId: req.requestId, ok: false, error: 'Bad filter "hots": expected icmp, tcp, udp, host, src, dst or port' });
    await v.page.waitForFunction(() => document.querySelector('#state')!.textContent!.startsWith('Bad filter'));
    assert.equal(await v.page.textContent('#start'), 'Start');
    await v.page.close();
  });
});
