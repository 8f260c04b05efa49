// A packet path trace across hosts (extension/core/fleet/fleetPathTrace.ts) where one host goes away mid-trace: a
// chain A - R - B of namespace hosts, each with its own sshd (helpers/fleetHosts.ts), a ping from A to B traced on
// the three (each in its own namespace). B's sshd is killed (listener and session: its agent ends with its
// stdin): the engine reports B as lost, first while its session tries to reconnect, then for good, with the
// reason; B's hops stop there; A and R keep tracing (new packets keep joining A -> R and back); Stop stops A and R.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FleetPathTrace, pathTraceHostOf, type FleetHostTraceState } from '../../extension/core/fleet/fleetPathTrace';
import { parsePacketFilter } from '../../extension/core/packetPath';
import { openSession, type Session } from '../../extension/core/session';
import { leftovers, runToken, sweepStale } from '../kernel/helpers/cleanup';
import { until } from '../kernel/helpers/until';
import { chainLab, CHAIN, type FleetHosts, type MgmtHost } from './helpers/fleetHosts';

const TOKEN = runToken('fpl');
const AGENT = join(__dirname, '..', '..', 'dist', 'agent.js');
const REMOTE_BASE = `.cache/end_${TOKEN}`;

describe('fleet path trace: a host lost mid-trace', () => {
  let lab: FleetHosts & { a: MgmtHost; r: MgmtHost; b: MgmtHost };
  const sessions: Session[] = [];

  before(async () => {
    await sweepStale('fpl');
    lab = await chainLab(TOKEN);
    for (const h of lab.hosts)
      sessions.push(
        await openSession(`root@${h.address}`, {
          agentPath: AGENT,
          ssh: lab.client.connectOptions(),
          deploy: { remoteBase: REMOTE_BASE },
          // The editor's default (reconnect on), with a short give-up so that "gone for good" comes within the test.
          reconnect: { initialDelayMs: 100, maxDelayMs: 500, giveUpAfterMs: 3000 },
        }),
      );
  });

  after(async () => {
    await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
    await lab?.destroy();
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
    assert.deepEqual(await leftovers(TOKEN), []);
  });

  it('reports B as lost (its hops stop there) while A and R keep tracing; Stop stops A and R', async () => {
    const ping = spawn('nsenter', [`--net=/run/netns/${lab.a.netns}`, 'ping', '-n', '-i', '0.2', `${CHAIN.right}.2`], { stdio: 'ignore' });
    const trace = new FleetPathTrace(
      lab.hosts.map((h, i) => pathTraceHostOf(h.name, sessions[i], 'own')),
      { packetFilter: parsePacketFilter(`icmp and host ${CHAIN.right}.2`) },
    );
    const changes: FleetHostTraceState[] = [];
    trace.onHostState((s) => changes.push(s));
    try {
      await trace.start();
      assert.deepEqual(
        trace.hostStates().map((s) => `${s.host} ${s.state}`),
        ['A tracing', 'R tracing', 'B tracing'],
      );
      const requestsOn = (hosts: string) => trace.paths().filter((p) => p.label === 'request' && p.hosts.join() === hosts);
      await until(() => requestsOn('A,R,B').length > 0, 'a request joined across A, R and B');

      // B's sshd dies: the listener and the process serving our session (the agent's stdin closes with it).
      const sshd = lab.b.sshd!;
      for (const pid of [...sshd.sessionPids(), sshd.pid]) process.kill(pid, 'SIGKILL');
      await until(() => trace.hostStates()[2].state === 'lost', 'B reported as lost');
      const lost = trace.hostStates()[2];
      assert.equal(lost.host, 'B');
      assert.ok(lost.reason, 'with the reason');
      assert.ok(lost.since && Math.abs(Date.now() - lost.since) < 60_000, 'with the time');
      const bHops = () => trace.paths().reduce((n, p) => n + p.hops.filter((h) => h.host === 'B').length, 0);
      const bAtLoss = bHops();

      // A and R go on: requests keep joining A -> R (B no longer traced), a few more than at the loss.
      const arAtLoss = requestsOn('A,R').length;
      await until(() => requestsOn('A,R').length >= arAtLoss + 3, 'three more requests joined on A and R after B was lost');
      assert.deepEqual(
        trace.hostStates().map((s) => `${s.host} ${s.state}`),
        ['A tracing', 'R tracing', 'B lost'],
      );
      assert.equal(bHops(), bAtLoss, "B's hops stop where it was lost");

      // The session gives up reconnecting: B is lost for good, the same loss (same time), still reported.
      await until(() => trace.hostStates()[2].final === true, 'B lost for good once its session gives up');
      assert.equal(trace.hostStates()[2].since, lost.since);
      assert.deepEqual(
        changes.filter((c) => c.host === 'B').map((c) => `${c.state}${c.final ? ' final' : ''}`),
        ['tracing', 'lost', 'lost final'],
      );

      await trace.stop();
      assert.deepEqual(
        trace.hostStates().map((s) => `${s.host} ${s.state}`),
        ['A stopped', 'R stopped', 'B lost'],
      );
      // What was joined before the loss is still there.
      assert.ok(requestsOn('A,R,B').length > 0);
    } finally {
      ping.kill('SIGKILL');
      await trace.stop();
    }
  });
});
