// A ping through a router namespace: a -- r -- b on two subnets, r forwarding. The tracer follows the packet
// across the routing hop as one packet, and the TTL it reports drops by one where r forwards it.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { createRoutedLab, type RoutedLab } from '../helpers/routedLab';
import { Capture, type Backend } from './scenarios';

const TOKEN = runToken('pqr');

describe('packet path through a router namespace', { timeout: 120_000 }, () => {
  let ns: RoutedLab['ns'];
  let dev: RoutedLab['dev'];
  let addr: RoutedLab['addr'];
  let run: RoutedLab['inNs'];

  before(async () => {
    await sweepStale('pqr');
    ({ ns, dev, addr, inNs: run } = await createRoutedLab(TOKEN));
  });
  after(async () => {
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN), []);
  });

  for (const backend of ['bpftool', 'bpftrace'] as Backend[]) {
    it(`follows the request across the router, TTL 64 then 63 (${backend})`, async () => {
      const c = await Capture.start(
        backend,
        { protocol: 'icmp', host: addr.b },
        Object.values(ns).map((n) => statSync(`/run/netns/${n}`).ino),
      );
      try {
        await run(ns.a, ['ping', '-c1', '-W2', addr.b]);
        const mine = (p: { src: string; label: string; hops: unknown[] }) =>
          p.label === 'request' && p.src === addr.a && p.hops.length >= 4;
        // the reply ends where it arrives in a: the free in ping_rcv after ping's raw socket got a clone is no drop
        // (remote-agent/packetPath/deliveredFrees.ts)
        const itsReply = (p: { src: string; label: string; hops: unknown[] }) =>
          p.label === 'reply' && p.src === addr.b && p.hops.length >= 4;
        // Wait for both directions: the reply's last hops can arrive in a later batch than the request's.
        const paths = await c.until((ps) => ps.some(mine) && ps.some(itsReply));
        const request = paths.find(mine);
        assert.deepEqual(
          request?.hops.map((h) => [h.netnsName, h.ifname, h.tracepoint, h.ttl]),
          [
            [ns.a, dev.a, 'net_dev_queue', 64],
            [ns.r, dev.ra, 'netif_rx', 64],
            [ns.r, dev.rb, 'net_dev_queue', 63],
            [ns.b, dev.b, 'netif_rx', 63],
          ],
        );
        const reply = paths.find((p) => p.label === 'reply' && p.src === addr.b);
        assert.deepEqual(
          reply?.hops.map((h) => [h.tracepoint, h.ttl]),
          [
            ['net_dev_queue', 64],
            ['netif_rx', 64],
            ['net_dev_queue', 63],
            ['netif_rx', 63],
          ],
          'the reply loses one on the way back too',
        );
        assert.equal(request?.drop, undefined, 'the request was not dropped');
      } finally {
        await c.tracer.stop();
      }
    });
  }
});
