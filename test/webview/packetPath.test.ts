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
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });
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
      const edges = (sel: string) =>
        v.page.$$eval(sel, (rs) =>
          rs.map((r) => {
            const b = r.getBoundingClientRect();
            return { l: b.left, r: b.right };
          }),
        );
      const [pa, pb] = await edges('g.port rect');
      const [boxA, boxB] = await edges('g.netns rect');
      assert.ok(Math.abs((pa.l + pa.r) / 2 - boxA.r) < 2 && Math.abs((pb.l + pb.r) / 2 - boxB.l) < 2);
      const arrows = await v.page.$$eval('g.arrow', (gs) =>
        gs.map((g) => ({
          n: g.querySelector('text')!.textContent,
          cls: g.getAttribute('class'),
          title: g.querySelector('title')!.textContent,
        })),
      );
      assert.deepEqual(
        arrows.map((a) => a.n),
        ['1', '2'],
      );
      assert.equal(arrows[0].cls, 'arrow request');
      assert.match(arrows[0].title!, /^1: request end_wvcap_a\/wvcapa → end_wvcap_b\/wvcapb \(napi_gro_receive_entry\)$/);
      assert.equal(arrows[1].cls, 'arrow reply');
      assert.match(arrows[1].title!, /^2: reply end_wvcap_b\/wvcapb → end_wvcap_a\/wvcapa \(netif_rx\)$/);
      const rows = await v.page.$$eval('table[aria-label="Hops"] tbody tr', (trs) =>
        trs.map((tr) =>
          Array.from(tr.children)
            .slice(0, 6)
            .map((c) => c.textContent),
        ),
      );
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

  it("draws the same picture from our own tracer's output (agent tracepkt, grouped by the CLI)", async () => {
    const agent = (JSON.parse(readFixture('packet_path_agent.json')) as { packets: PacketPathView[] }).packets;
    assert.ok(agent.some((p) => p.label === 'request') && agent.some((p) => p.label === 'reply'));
    const v = await h.open('packetPath');
    await v.send({ type: 'packets', packets: agent, replace: true, dropped: 0 });
    await v.page.waitForSelector('svg.path-picture');
    assert.equal(await v.page.$$eval('#packets li', (l) => l.length), new Set(agent.map((p) => p.exchange)).size);
    assert.deepEqual(await v.page.$$eval('g.netns', (gs) => gs.map((g) => g.getAttribute('data-netns'))), ['end_wvcap_a', 'end_wvcap_b']);
    const arrows = await v.page.$$eval('g.arrow', (gs) =>
      gs.map((g) => `${g.querySelector('text')!.textContent} ${g.getAttribute('class')}`),
    );
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
    assert.equal(((await v.state()) as { selected: string }).selected, last);
    assert.equal(await v.page.textContent('#dropped'), 'dropped 3');
    await v.page.close();
  });

  it('ends a dropped packet in a red mark on the hop where it died, with the reason; the table and the list say it too', async () => {
    // Captured by test/fixtures/webview/capture-drop.sh: a's ping dropped by nftables in b; b's ping answered, its
    // reply freed by this kernel as NO_SOCKET at ping_rcv (ping reads on a raw socket).
    const dropped = (JSON.parse(readFixture('packet_path_drop.json')) as { packets: PacketPathView[] }).packets;
    const v = await h.open('packetPath', { theme: 'light' });
    await v.send({ type: 'packets', packets: dropped, replace: true, dropped: 0 });
    await v.page.waitForSelector('svg.path-picture');
    const items = await v.page.$$eval('#packets li', (lis) => lis.map((l) => l.textContent));
    assert.equal(items.length, 2);
    assert.match(items[0]!, /^10\.213\.9\.1 → 10\.213\.9\.2 icmp request #\d+\.001 \(3 hops\) ✕ request dropped: NETFILTER_DROP$/);
    assert.match(items[1]!, /^10\.213\.9\.2 → 10\.213\.9\.1 icmp request \+ reply #\d+\.001 \(5 hops\) ✕ reply dropped: NO_SOCKET$/);

    const marks = () =>
      v.page.$$eval('g.drop-mark', (gs) =>
        gs.map((g) => {
          const dot = g.querySelector('circle')!;
          const b = dot.getBoundingClientRect();
          return {
            cls: g.getAttribute('class'),
            drop: g.getAttribute('data-drop'),
            reason: g.querySelector('.drop-reason')!.textContent,
            fill: getComputedStyle(dot).fill,
            x: (b.left + b.right) / 2,
            y: (b.top + b.bottom) / 2,
          };
        }),
      );
    const portOf = (port: string) =>
      v.page.$eval(`g.port[data-port="${port}"] rect`, (r) => {
        const b = r.getBoundingClientRect();
        return { l: b.left, r: b.right, t: b.top, b: b.bottom };
      });
    const [mark] = await marks();
    assert.equal((await marks()).length, 1, 'one packet died in this exchange');
    assert.deepEqual([mark.cls, mark.drop, mark.reason], ['drop-mark request', 'DROP NETFILTER_DROP at nft_do_chain', 'NETFILTER_DROP']);
    assert.match(mark.fill, /^rgb\((\d+), (\d+), (\d+)\)$/);
    const [r, g, b] = /(\d+), (\d+), (\d+)/.exec(mark.fill)!.slice(1).map(Number);
    assert.ok(r > 150 && g < 100 && b < 100, `the mark is red (${mark.fill})`);
    const portB = await portOf('end_wvdrop_b/wvdropb');
    assert.ok(Math.abs(mark.x - portB.r) < 3 && mark.y < portB.t, "on the corner of b's port, where the request died");
    const rows = await v.page.$$eval('table[aria-label="Hops"] tbody tr', (trs) =>
      trs.map((tr) => [tr.children[5].textContent, tr.children[7].textContent]),
    );
    assert.deepEqual(rows, [
      ['net_dev_queue', ''],
      ['netif_rx', ''],
      ['kfree_skb', 'DROP NETFILTER_DROP at nft_do_chain'],
    ]);
    await v.screenshot('packetPath-drop-light');

    await v.page.click('#packets li:nth-child(2)');
    await v.page.waitForFunction(() => document.querySelector('g.drop-mark')?.getAttribute('data-drop')?.includes('NO_SOCKET'));
    const [replyMark] = await marks();
    assert.deepEqual([replyMark.cls, replyMark.drop], ['drop-mark reply', 'DROP NO_SOCKET at ping_rcv']);
    // b pinged a: the reply died back in b, the pinger, so the mark sits below b's port (replies are drawn below)
    const pingerPort = await portOf('end_wvdrop_b/wvdropb');
    assert.ok(
      Math.abs(replyMark.x - pingerPort.r) < 3 && replyMark.y > pingerPort.b,
      `below b's port: the reply ended there (${JSON.stringify([replyMark, pingerPort])})`,
    );
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it('asks the host to start with the typed filter and shows its refusal', async () => {
    const v = await h.open('packetPath');
    await v.page.fill('#filter >> input', 'icmp host 10.213.7.2');
    const n = (await v.posted()).length;
    await v.page.click('#start');
    const req = await v.waitPosted<{ requestId: number; filter: string }>('start', n);
    assert.equal(req.filter, 'icmp host 10.213.7.2');
    await v.send({
      type: 'reply',
      requestId: req.requestId,
      ok: false,
      error: 'Bad filter "hots": expected icmp, tcp, udp, host, src, dst or port',
    });
    await v.page.waitForFunction(() => document.querySelector('#state')!.textContent!.startsWith('Bad filter'));
    assert.equal(await v.page.textContent('#start'), 'Start');
    await v.page.close();
  });
});
