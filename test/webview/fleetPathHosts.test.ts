// The packets-across-hosts view while a host is lost mid-trace, in real Chromium: the paths are what the CLI
// captured for a ping from A to B through R (test/fixtures/webview/fleet_path.jsonl), the host states are what
// the fleet trace engine (extension/core/fleet/fleetPathTrace.ts) reports when B's sshd dies mid-trace (as
// test/ssh/fleetPathLost.test.ts makes it happen): B named as lost, when and why, that its hops stop there, A and R
// still tracing; the Stop button asks the host to stop, then shows the trace stopped.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FleetHostTraceState, FleetPacketPath, HostClock } from '../../protocol/types';
import { startHarness, type ViewHarness } from './helpers/viewPage';
import { readFixture } from './helpers/fixtures';

const lines = readFixture('fleet_path.jsonl')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);
const clocks = lines.filter((l) => l.clock) as unknown as { host: string; clock: HostClock }[];
const paths = lines.filter((l) => !l.clock) as unknown as FleetPacketPath[];

const LOST_AT = Date.parse('2026-12-02T14:03:07Z');
const hosts: FleetHostTraceState[] = [
  { host: 'A', state: 'tracing', netnsScope: 'own', firstHopAt: LOST_AT - 4000, lastHopAt: LOST_AT + 900 },
  { host: 'R', state: 'tracing', netnsScope: 'own', firstHopAt: LOST_AT - 4000, lastHopAt: LOST_AT + 900 },
  {
    host: 'B',
    state: 'lost',
    netnsScope: 'own',
    reason: 'the agent closed the connection',
    since: LOST_AT,
    final: true,
    firstHopAt: LOST_AT - 4000,
    lastHopAt: LOST_AT - 150,
  },
];

describe('fleet path webview: a host lost mid-trace, and Stop', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('names the lost host and that its hops stop there while the others trace on', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('fleetPath', { theme, height: 760, width: 1200 });
      await v.send({ type: 'status', state: 'connected', message: 'tracing icmp on A own, R own, B own (network namespace scope)' });
      await v.send({ type: 'paths', paths, clocks });
      await v.send({ type: 'hosts', hosts });
      await v.page.waitForSelector('#hosts li[data-host="B"]');
      const items = await v.page.$$eval('#hosts li', (lis) =>
        lis.map((l) => [l.getAttribute('data-host'), l.getAttribute('data-state'), l.textContent]),
      );
      assert.deepEqual(
        items.map((i) => `${i[0]} ${i[1]}`),
        ['A tracing', 'R tracing', 'B lost'],
      );
      assert.match(items[2][2] ?? '', /^B: LOST at \d\d:\d\d:\d\d \(the agent closed the connection\); its hops stop there$/);
      assert.equal(await v.page.isVisible('#lost'), true, 'the loss is announced (role=alert)');
      assert.equal(await v.page.getAttribute('#lost', 'role'), 'alert');
      assert.match(
        (await v.page.textContent('#lost')) ?? '',
        /^B was lost at \d\d:\d\d:\d\d: the agent closed the connection; its hops stop there\. Still tracing on A, R\.$/,
      );
      // The paths joined before the loss stay drawn.
      await v.page.waitForSelector('svg.path-picture');
      await v.screenshot(`fleetPath-lost-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it('has a Stop button that asks the host to stop, then shows the trace stopped', async () => {
    const v = await h.open('fleetPath');
    // Disabled until the trace runs.
    assert.equal(await v.page.getAttribute('#stop', 'disabled'), '');
    await v.send({ type: 'status', state: 'connected', message: 'tracing every packet on A all, R all' });
    await v.send({ type: 'hosts', hosts: hosts.slice(0, 2) });
    assert.equal(await v.page.getAttribute('#stop', 'disabled'), null);
    assert.equal(await v.page.isVisible('#lost'), false, 'no host lost, no alert');
    const before = (await v.posted()).length;
    await v.page.click('#stop');
    await v.waitPosted('stop', before);
    assert.equal(await v.page.getAttribute('#stop', 'disabled'), '', 'one stop at a time');
    assert.equal(await v.page.textContent('#state'), 'stopping...');
    await v.send({ type: 'hosts', hosts: hosts.slice(0, 2).map((x) => ({ ...x, state: 'stopped' as const })) });
    await v.send({ type: 'status', state: 'disconnected', message: 'stopped (A, R)' });
    assert.equal((await v.page.textContent('#stop'))?.trim(), 'Stopped');
    assert.equal(await v.page.textContent('#state'), 'stopped (A, R)');
    assert.deepEqual(await v.page.$$eval('#hosts li', (lis) => lis.map((l) => l.textContent)), [
      'A: stopped (netns scope own)',
      'R: stopped (netns scope own)',
    ]);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });
});
