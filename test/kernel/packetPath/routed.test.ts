// A ping through a router namespace: a -- r -- b on two subnets, r forwarding. The tracer follows the packet
// across the routing hop as one packet, and the TTL it reports drops by one where r forwards it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { uniqueToken } from './bridgeLab';
import { Capture, type Backend } from './scenarios';

const exec = promisify(execFile);

describe('packet path through a router namespace', { timeout: 120_000 }, () => {
  const tok = uniqueToken('pq');
  const ns = { a: `end_${tok}_a`, r: `end_${tok}_r`, b: `end_${tok}_b` };
  const dev = { a: `${tok}a`, ra: `${tok}ra`, rb: `${tok}rb`, b: `${tok}b` };
  const x = randomInt(16, 250);
  const addr = { a: `10.${x}.1.2`, ra: `10.${x}.1.1`, rb: `10.${x}.2.1`, b: `10.${x}.2.2` };
  const run = (n: string, argv: string[]) => exec('nsenter', [`--net=/run/netns/${n}`, '--', ...argv]);
  const ip = (...args: string[]) => exec('ip', args);

  before(async () => {
    for (const n of Object.values(ns)) await ip('netns', 'add', n);
    await ip('link', 'add', dev.a, 'netns', ns.a, 'type', 'veth', 'peer', 'name', dev.ra, 'netns', ns.r);
    await ip('link', 'add', dev.b, 'netns', ns.b, 'type', 'veth', 'peer', 'name', dev.rb, 'netns', ns.r);
    await ip('-n', ns.a, 'addr', 'add', `${addr.a}/24`, 'dev', dev.a);
    await ip('-n', ns.r, 'addr', 'add', `${addr.ra}/24`, 'dev', dev.ra);
    await ip('-n', ns.r, 'addr', 'add', `${addr.rb}/24`, 'dev', dev.rb);
    await ip('-n', ns.b, 'addr', 'add', `${addr.b}/24`, 'dev', dev.b);
    for (const [n, d] of [
      [ns.a, dev.a],
      [ns.r, dev.ra],
      [ns.r, dev.rb],
      [ns.b, dev.b],
    ])
      await ip('-n', n, 'link', 'set', d, 'up');
    await ip('-n', ns.a, 'route', 'add', 'default', 'via', addr.ra);
    await ip('-n', ns.b, 'route', 'add', 'default', 'via', addr.rb);
    // /proc/sys/net belongs to the namespace of the process that opens it: nsenter --net is enough
    await run(ns.r, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await run(ns.a, ['ping', '-c1', '-W2', addr.b]);
  });
  after(async () => {
    for (const n of Object.values(ns)) await ip('netns', 'del', n).catch(() => undefined);
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
        // the reply ends in a kfree_skb in a (ping's raw socket got a clone; NO_SOCKET at ping_rcv, see scenarios.ts)
        const itsReply = (p: { src: string; label: string; hops: unknown[] }) =>
          p.label === 'reply' && p.src === addr.b && p.hops.length >= 5;
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
            ['kfree_skb', 63],
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
