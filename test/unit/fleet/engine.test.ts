// The fleet engine without hosts: the bound and stagger on parallel work, the canary rollout (waves, stop at the
// first failure, undo of what it attached), clock offsets from round trips, and joining one packet's hops seen on
// three hosts (A - R - B) into one path in wire order even when the clock estimates would misorder them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PacketPath } from '../../../protocol/types';
import { forEachHost } from '../../../extension/core/fleet/bounded';
import { estimateClockOffset } from '../../../extension/core/fleet/clockOffset';
import { formatFleetPaths, joinPacketPaths } from '../../../extension/core/fleet/crossHostPath';
import { planWaves, rollout } from '../../../extension/core/fleet/rollout';

describe('forEachHost', () => {
  it('never runs more than the bound at once, spaces the starts, and reports each failure with its host', async (t) => {
    // The stagger is a timer of the unit under test and each task stands in for 100 ms of work: on the mock clock
    // (setTimeout and Date) both are exact and take no real time, whatever the machine's load.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    let running = 0;
    let peak = 0;
    const starts: number[] = [];
    const hosts = Array.from({ length: 12 }, (_, i) => `h${i}`);
    let finished = false;
    const all = forEachHost(hosts, { concurrency: 3, staggerMs: 20 }, async (h) => {
      starts.push(Date.now());
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 100));
      running--;
      if (h === 'h4') throw new Error('connection refused');
      return h.toUpperCase();
    }).finally(() => (finished = true));
    // Advance the clock 1 ms at a time, letting the promise callbacks run between ticks (setImmediate is real).
    for (let ms = 0; !finished && ms < 10_000; ms++) {
      await new Promise<void>((r) => setImmediate(r));
      t.mock.timers.tick(1);
    }
    assert.ok(finished, 'every task ran within 10 s of the mock clock');
    const results = await all;
    assert.equal(peak, 3);
    assert.deepEqual(
      results.map((r) => r.host),
      hosts,
      'in the order given',
    );
    assert.equal(results.filter((r) => r.ok).length, 11);
    const bad = results[4];
    assert.ok(!bad.ok && bad.error.message === 'connection refused');
    starts.sort((a, b) => a - b);
    assert.ok(
      starts.every((at, i) => i === 0 || at - starts[i - 1] >= 20),
      `starts spaced: ${starts.map((t) => t - starts[0])}`,
    );
  });
  it('refuses a nonsense bound', async () => {
    await assert.rejects(
      forEachHost(['a'], { concurrency: 0 }, async () => 1),
      /concurrency/,
    );
  });
});

describe('rollout', () => {
  it('plans the canary alone, then waves', () => {
    assert.deepEqual(planWaves(['a', 'b', 'c', 'd', 'e'], 2), [['a'], ['b', 'c'], ['d', 'e']]);
    assert.deepEqual(planWaves([], 2), []);
  });

  it('completes when every host attaches and passes its check', async () => {
    const r = await rollout(
      ['a', 'b', 'c'],
      { attach: async (h) => `${h}-att`, check: async () => undefined, undo: async () => assert.fail('no undo') },
      { waveSize: 2 },
    );
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.attached.map((a) => a.attached).sort(), ['a-att', 'b-att', 'c-att']);
  });

  it('stops at the first failure, undoes what it attached (not the failed host), never tries the rest', async () => {
    const attachedNow = new Set<string>();
    const r = await rollout(
      ['a', 'b', 'c', 'd', 'e'],
      {
        attach: async (h) => {
          if (h === 'c') throw new Error('dev probe0: no such interface');
          attachedNow.add(h);
          return h;
        },
        undo: async (h) => {
          attachedNow.delete(h);
        },
      },
      { waveSize: 2 },
    );
    assert.equal(r.status, 'stopped');
    assert.deepEqual(
      r.failures.map((f) => [f.host, f.stage, f.error.message]),
      [['c', 'attach', 'dev probe0: no such interface']],
    );
    assert.deepEqual(r.undone.map((u) => u.host).sort(), ['a', 'b']);
    assert.deepEqual(r.notTried, ['d', 'e']);
    assert.equal(attachedNow.size, 0);
  });

  it('a failed health probe stops it too and that host is undone as well', async () => {
    const r = await rollout(['a', 'b'], {
      attach: async (h) => h,
      check: async (h) => {
        if (h === 'a') throw new Error('ping 10.0.0.1: 0 of 3 answered');
      },
      undo: async () => undefined,
    });
    assert.equal(r.status, 'stopped');
    assert.deepEqual(
      r.failures.map((f) => f.stage),
      ['check'],
    );
    assert.deepEqual(
      r.undone.map((u) => u.host),
      ['a'],
    );
    assert.deepEqual(r.notTried, ['b']);
  });
});

describe('estimateClockOffset', () => {
  it('keeps the sample with the shortest round trip', async () => {
    // Our clock ticks 100 per call; the host is 5000 ahead; round trips are 200 then 100 wide.
    let t = 0;
    const now = () => (t += 100);
    const r = await estimateClockOffset(
      async () => {
        const host = t + 5000 + 50;
        if (t < 500) t += 100;
        return { monotonicNs: host };
      },
      4,
      now,
    );
    assert.equal(r.samples, 4);
    assert.equal(r.uncertaintyNs, 50);
    assert.equal(r.offsetNs, 5000);
  });
});

function path(key: string, hops: { ifname: string; tracepoint: string; t: number; ttl: number; drop?: string }[]): PacketPath {
  return {
    key,
    label: 'request',
    exchange: '#7.001',
    family: 4,
    protocol: 'icmp',
    src: '10.1.0.1',
    dst: '10.2.0.2',
    firstNs: hops[0].t,
    hops: hops.map((h) => ({
      netnsInode: 1,
      ifname: h.ifname,
      ifindex: 2,
      tracepoint: h.tracepoint,
      timestampNs: h.t,
      sinceFirstNs: h.t - hops[0].t,
      skb: 'ff',
      ttl: h.ttl,
      ...(h.drop ? { drop: { reason: h.drop, location: 'ip_forward' } } : {}),
    })),
  };
}

describe('joinPacketPaths', () => {
  const key = 'icmp:10.1.0.1>10.2.0.2:8:7:1';
  // R's clock estimate is 200 µs off while the veth crossings take 30 µs: the wire order must still win.
  const clocks = {
    A: { offsetNs: 0, uncertaintyNs: 300_000, samples: 3 },
    R: { offsetNs: -200_000, uncertaintyNs: 300_000, samples: 3 },
    B: { offsetNs: 0, uncertaintyNs: 300_000, samples: 3 },
  };
  const inputs = [
    { host: 'B', clock: clocks.B, paths: [path(key, [{ ifname: 'eth0', tracepoint: 'netif_rx', t: 1_000_090, ttl: 63 }])] },
    { host: 'A', clock: clocks.A, paths: [path(key, [{ ifname: 'eth0', tracepoint: 'net_dev_queue', t: 1_000_000, ttl: 64 }])] },
    {
      host: 'R',
      clock: clocks.R,
      paths: [
        path(key, [
          { ifname: 'eth0', tracepoint: 'netif_rx', t: 800_030, ttl: 64 },
          { ifname: 'eth1', tracepoint: 'net_dev_queue', t: 800_060, ttl: 63 },
        ]),
      ],
    },
  ];

  it("joins the hosts' hops of one packet in wire order, each hop with its host, TTL falling at R", () => {
    const [p, ...more] = joinPacketPaths(inputs);
    assert.equal(more.length, 0);
    assert.deepEqual(p.hosts, ['A', 'R', 'B']);
    assert.deepEqual(
      p.hops.map((h) => `${h.host}:${h.ifname}:${h.ttl}`),
      ['A:eth0:64', 'R:eth0:64', 'R:eth1:63', 'B:eth0:63'],
    );
    const text = formatFleetPaths(
      [p],
      Object.entries(clocks).map(([host, clock]) => ({ host, clock })),
    );
    assert.match(text, /R: -0\.200 ms \+\/- 0\.300 ms/);
    assert.match(text, /\[A -> R -> B\]/);
    assert.equal(text.split('~~ wire ~~').length - 1, 2);
  });

  it('puts a request before its reply even when the clock estimates say otherwise', () => {
    const reply = path('icmp:10.2.0.2>10.1.0.1:0:7:1', [{ ifname: 'eth0', tracepoint: 'net_dev_queue', t: 900_000, ttl: 64 }]);
    reply.label = 'reply';
    const [first, second] = joinPacketPaths([...inputs, { host: 'B', clock: clocks.B, paths: [reply] }]);
    assert.deepEqual([first.label, second.label], ['request', 'reply']);
  });

  it('keeps packets with other keys or far apart in time apart', () => {
    const other = [
      ...inputs,
      {
        host: 'A',
        clock: clocks.A,
        paths: [path('icmp:other', [{ ifname: 'eth0', tracepoint: 'net_dev_queue', t: 5_000_000_000, ttl: 64 }])],
      },
    ];
    assert.equal(joinPacketPaths(other).length, 2);
  });

  it('ends the path where a host saw the packet dropped', () => {
    const dropped = [
      inputs[0],
      inputs[1],
      {
        host: 'R',
        clock: clocks.R,
        paths: [path(key, [{ ifname: 'eth0', tracepoint: 'netif_rx', t: 800_030, ttl: 64, drop: 'IP_INHDR' }])],
      },
    ];
    const [p] = joinPacketPaths(dropped);
    assert.deepEqual(p.drop, { host: 'R', ifname: 'eth0', reason: 'IP_INHDR', location: 'ip_forward' });
    assert.deepEqual(p.hosts, ['A', 'R']);
    assert.match(formatFleetPaths([p], []), /DROPPED on R eth0: DROP IP_INHDR at ip_forward/);
    assert.deepEqual(
      p.hops.map((h) => h.host),
      ['A', 'R'],
      'nothing after the hop where it died',
    );
  });
});
