// The packets-across-hosts view in real Chromium, fed what `ebpf-netdebug trace --source packet-path --hosts A,R,B
// --netns-scope own --json` printed for a ping from A to B through the router R of test/ssh/fleet.test.ts's chain
// (test/fixtures/webview/fleet_path.jsonl, captured on this machine): each host a box, the wire arrows between
// them in order, hop times on each host's own clock, the clock offsets stated, the kfree_skb drop at A named.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FleetPacketPath, HostClock } from '../../protocol/types';
import { startHarness, type ViewHarness } from './helpers/viewPage';
import { readFixture } from './helpers/fixtures';

const lines = readFixture('fleet_path.jsonl')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const clocks = lines.filter((l) => l.clock) as unknown as { host: string; clock: HostClock }[];
const paths = lines.filter((l) => !l.clock) as unknown as FleetPacketPath[];

describe('fleet path webview', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('draws a ping from A to B as three host boxes with the wire between them', async () => {
    const full = paths.find((p) => p.label === 'request' && p.hosts.join() === 'A,R,B')!;
    assert.ok(full, 'the fixture holds a request seen on A, R and B');
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('fleetPath', { theme, height: 760, width: 1200 });
      await v.waitPosted('ready');
      await v.send({ type: 'paths', paths, clocks });
      await v.page.waitForSelector('svg.path-picture');
      assert.match(
        (await v.page.textContent('#clocks')) ?? '',
        /^Clock offsets \(host minus this machine\): A -?\d+\.\d{3} ms ± \d+\.\d{3} ms; R .*; B /,
      );
      // The widest exchange is shown first: the one the request crossed all three hosts in.
      const selected = await v.page.getAttribute('li[aria-selected="true"]', 'data-exchange');
      const exchange = paths.filter((p) => p.exchange === selected);
      assert.ok(
        exchange.some((p) => p.hosts.length === 3),
        `selected ${selected}`,
      );
      assert.deepEqual(
        await v.page.$$eval('svg g.netns', (gs) => gs.map((g) => g.getAttribute('data-netns'))),
        ['A', 'R', 'B'],
        'one box per host, in path order',
      );
      const ports = await v.page.$$eval('svg g.port', (gs) => gs.map((g) => g.getAttribute('data-port')));
      assert.deepEqual(ports.sort(), ['A/eth0', 'B/eth0', 'R/eth0', 'R/eth1']);
      const arrows = await v.page.$$eval('svg g.arrow.request title', (ts) => ts.map((t) => t.textContent));
      assert.deepEqual(
        arrows.map((t) => t!.replace(/ \(.*$/, '')),
        ['1: request A/eth0 → R/eth0', '2: request R/eth0 → R/eth1', '3: request R/eth1 → B/eth0'],
      );
      const hops = await v.page.$$eval('table[aria-label="Hops"] tbody tr:not(.wire)', (trs) =>
        trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)),
      );
      const request = hops.filter((r) => r[0] === 'request');
      assert.deepEqual(
        request.map((r) => `${r[1]} ${r[2]} ${r[3]}`),
        ['A eth0 64', 'R eth0 64', 'R eth1 63', 'B eth0 63'],
        'TTL falls by one at R',
      );
      assert.equal((await v.page.$$eval('table[aria-label="Hops"] tr.wire', (t) => t.length)) >= 2, true, 'the wire between hosts');
      const dropped = hops.find((r) => r[5] === 'kfree_skb');
      if (dropped) assert.match(dropped[6] ?? '', / at /);
      await v.screenshot(`fleetPath-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it('keeps the chosen exchange across updates', async () => {
    const v = await h.open('fleetPath');
    await v.send({ type: 'paths', paths, clocks });
    await v.page.waitForSelector('li[data-exchange]');
    const ids = await v.page.$$eval('li[data-exchange]', (lis) => lis.map((l) => l.getAttribute('data-exchange')));
    await v.page.click(`li[data-exchange="${ids[0]}"]`);
    assert.deepEqual(await v.state(), { selected: ids[0] });
    await v.send({ type: 'paths', paths, clocks });
    assert.equal(await v.page.getAttribute('li[aria-selected="true"]', 'data-exchange'), ids[0]);
    await v.page.close();
  });
});
