// The fleet packet path trace's host states without hosts (extension/core/fleet/fleetPathTrace.ts): a host whose
// tracer cannot start is `not traced` (the others trace); a host whose connection drops is `lost` with when and
// why, `tracing` again with the gap stated when its session reconnects, lost for good when the session gives up;
// Stop stops the tracers still reachable and leaves a lost host lost. The real thing (an sshd killed mid-trace) is
// test/ssh/fleetPathLost.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetPathTrace, type ConnectionChange, type PathTraceHost } from '../../../extension/core/fleet/fleetPathTrace';
import type { SessionTraceStream } from '../../../extension/core/reconnect/traceStreams';

interface FakeHost extends PathTraceHost {
  drop(c: ConnectionChange): void;
  stops: number;
}

function fakeHost(name: string, opts: { startFails?: string } = {}): FakeHost {
  const listeners = new Set<(c: ConnectionChange) => void>();
  const host: FakeHost = {
    name,
    netnsScope: 'own',
    stops: 0,
    clockNow: async () => ({ monotonicNs: Number(process.hrtime.bigint()) }) as never,
    startTrace: async () => {
      if (opts.startFails) throw new Error(opts.startFails);
      return {
        id: 's1',
        onEvents: () => () => undefined,
        onGap: () => () => undefined,
        stop: async () => {
          host.stops++;
        },
      } as unknown as SessionTraceStream;
    },
    onConnection: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    drop: (c) => {
      for (const l of [...listeners]) l(c);
    },
  };
  return host;
}

const states = (t: FleetPathTrace) => t.hostStates().map((s) => `${s.host} ${s.state}${s.final ? ' final' : ''}`);

describe('FleetPathTrace host states', () => {
  it('a host that cannot start is not traced, with why; the others trace', async () => {
    const t = new FleetPathTrace([fakeHost('A'), fakeHost('B', { startFails: 'tracefs is not mounted' })]);
    await t.start();
    assert.deepEqual(states(t), ['A tracing', 'B not traced']);
    assert.equal(t.hostStates()[1].reason, 'tracefs is not mounted');
  });

  it('no host could start: start() throws naming each', async () => {
    const t = new FleetPathTrace([fakeHost('A', { startFails: 'no BTF' }), fakeHost('B', { startFails: 'no tracefs' })]);
    await assert.rejects(t.start(), /started on no host \(A: no BTF; B: no tracefs\)/);
  });

  it('lost, back with the gap stated, lost again and for good; Stop leaves the lost host lost', async () => {
    let now = 1_000_000;
    const a = fakeHost('A');
    const b = fakeHost('B');
    const log: string[] = [];
    const t = new FleetPathTrace([a, b], { now: () => now, log: (level, m) => log.push(`${level} ${m}`) });
    const seen: string[] = [];
    t.onHostState((s) => seen.push(`${s.host} ${s.state}${s.final ? ' final' : ''}`));
    await t.start();
    b.drop({ state: 'lost', reason: 'read ECONNRESET' });
    assert.deepEqual(states(t), ['A tracing', 'B lost']);
    assert.equal(t.hostStates()[1].since, 1_000_000);
    assert.equal(t.hostStates()[1].reason, 'read ECONNRESET');
    now += 2500;
    b.drop({ state: 'back' });
    assert.deepEqual(states(t), ['A tracing', 'B tracing']);
    assert.equal(t.hostStates()[1].reason, 'reconnected after 2.5 s: its hops from that time are missing');
    now += 1000;
    b.drop({ state: 'lost', reason: 'keepalive timeout' });
    now += 3000;
    b.drop({ state: 'gone', reason: 'connect ECONNREFUSED' });
    assert.deepEqual(states(t), ['A tracing', 'B lost final']);
    assert.equal(t.hostStates()[1].since, 1_003_500, 'lost since the drop, not since the session gave up');
    assert.equal(t.hostStates()[1].reason, 'connect ECONNREFUSED');
    b.drop({ state: 'back' });
    assert.deepEqual(states(t), ['A tracing', 'B lost final'], 'gone for good stays gone');
    await t.stop();
    assert.deepEqual(states(t), ['A stopped', 'B lost final']);
    assert.equal(a.stops, 1);
    assert.deepEqual(seen, ['A tracing', 'B tracing', 'B lost', 'B tracing', 'B lost', 'B lost final', 'A stopped']);
    assert.ok(log.some((l) => /^warn trace across hosts: B lost \(read ECONNRESET\); reconnecting; its hops stop there/.test(l)));
  });
});
