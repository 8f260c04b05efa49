// The dead-man switch under stress, by its effect on a ping across a lab: the rollback still fires after the agent
// file it was armed from is deleted and replaced (a deploy of another version), after the agent is killed right
// after the attach, and with two clients on one interface it removes only the program its plan was armed for.
// Token: hdm (lab end_hdmPID_a / _b, objects end_hdmPID_*).
import assert from 'node:assert/strict';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../protocol/agent';
import { leftovers, runToken, sweep, sweepStale } from '../kernel/helpers/cleanup';
import { AGENT_BUNDLE, type AgentProcess, buildAgent, startAgent } from '../kernel/helpers/agentProcess';
import { compileFixture } from '../kernel/helpers/bpfObjects';
import { ipOf } from '../kernel/helpers/lab';
import { nsArgv } from '../kernel/helpers/netns';
import { pingLoss } from '../kernel/helpers/ping';
import { runSync } from '../kernel/helpers/run';
import { tmpDir } from '../kernel/helpers/scratch';
import { until } from '../kernel/helpers/until';

const token = runToken('hdm');
const NS_A = `end_${token}_a`;
const NS_B = `end_${token}_b`;
const DEADMAN_DIR = tmpDir('hdm-deadman');
const env = { EBPF_NETDEBUG_DEADMAN_DIR: DEADMAN_DIR };
const WINDOW = 2500;

function xdpProgOnB(): number | undefined {
  const out = runSync(nsArgv(NS_B, ['bpftool', '-j', 'net', 'show', 'dev', 'eth0'])).stdout;
  return (JSON.parse(out || '[]') as { xdp?: { id: number }[] }[])[0]?.xdp?.[0]?.id;
}

describe('dead-man switch under stress', () => {
  let agent: AgentProcess;
  let bAddr: string;
  const drop1 = `end_${token}_d1`;
  const drop2 = `end_${token}_d2`;
  before(async () => {
    await sweepStale('hdm');
    agent = await startAgent({ env });
    const lab = await agent.connection.sendRequest(proto.labCreate, { name: token, topology: { kind: 'pair' } });
    bAddr = ipOf(lab.hosts.find((h) => h.role === 'b')!.interfaces[0].addresses[0]);
    const bytes = compileFixture('xdp_drop_icmp', tmpDir('hdm')).toString('base64');
    await agent.connection.sendRequest(proto.objectLoad, { name: drop1, object: bytes });
    await agent.connection.sendRequest(proto.objectLoad, { name: drop2, object: bytes });
    assert.equal(await pingLoss(NS_A, bAddr), 0, 'the lab pings before anything is attached');
  });
  after(async () => {
    runSync(nsArgv(NS_B, ['ip', 'link', 'set', 'dev', 'eth0', 'xdpgeneric', 'off']));
    for (const o of [drop1, drop2]) await agent.connection.sendRequest(proto.objectUnload, { name: o }).catch(() => undefined);
    await agent.connection.sendRequest(proto.labDestroy, { name: token }).catch(() => undefined);
    await agent.dispose();
    await sweep(token);
    rmSync(DEADMAN_DIR, { recursive: true, force: true });
  });

  it('the agent file is deleted and replaced by another version while the agent runs: an attach after it still rolls back', async () => {
    buildAgent();
    const dir = tmpDir('hdm-v1');
    const v1 = join(dir, 'agent.js');
    copyFileSync(AGENT_BUNDLE, v1);
    const a = await startAgent({ bundle: v1, env });
    try {
      await a.connection.sendRequest(proto.hello, { clientName: 'hdm', clientVersion: '0' });
      // the deploy of another version while this agent runs: its file goes, a different one takes its place (a
      // watchdog started from the file would now run that one, or nothing)
      rmSync(v1);
      writeFileSync(v1, 'process.exit(42); // another version\n');
      const att = await a.connection.sendRequest(proto.attachXdp, {
        program: `${drop1}/xdp_drop_icmp`,
        dev: 'eth0',
        netns: NS_B,
        mode: 'generic',
        confirmWithin: WINDOW,
      });
      assert.ok(att.pendingConfirmation?.plan, 'the reply names its plan');
      assert.equal(await pingLoss(NS_A, bAddr, 2), 100, 'the program drops the ping');
      await until(() => xdpProgOnB() === undefined, 'the watchdog to detach');
      assert.equal(await pingLoss(NS_A, bAddr), 0, 'the ping is back');
      const rec = (await agent.connection.sendRequest(proto.rollbacksList)).find(
        (r) => r.attachment === att.id && r.at > Date.now() - 60_000,
      );
      assert.match(rec?.reason ?? '', /detached it/);
    } finally {
      await a.dispose();
    }
  });

  it('the agent is killed right after the attach: the rollback fires', async () => {
    const a = await startAgent({ env });
    await a.connection.sendRequest(proto.attachXdp, {
      program: `${drop1}/xdp_drop_icmp`,
      dev: 'eth0',
      netns: NS_B,
      mode: 'generic',
      confirmWithin: WINDOW,
    });
    a.child.kill('SIGKILL');
    await a.exited;
    await a.dispose(); // its state directory
    assert.ok(xdpProgOnB(), 'attached when the agent died');
    await until(() => xdpProgOnB() === undefined, 'the watchdog to detach');
    assert.equal(await pingLoss(NS_A, bAddr), 0);
  });

  it("two clients on one interface: each plan removes only its own program, and one client's confirm is not the other's", async () => {
    const other = await startAgent({ env });
    try {
      // a window long enough for the other client's attach to land first, even on a loaded machine
      const first = await agent.connection.sendRequest(proto.attachXdp, {
        program: `${drop1}/xdp_drop_icmp`,
        dev: 'eth0',
        netns: NS_B,
        mode: 'generic',
        confirmWithin: 4 * WINDOW,
      });
      // the other client replaces it with its own program and confirms its own plan
      const second = await other.connection.sendRequest(proto.attachXdp, {
        program: `${drop2}/xdp_drop_icmp`,
        dev: 'eth0',
        netns: NS_B,
        mode: 'generic',
        replace: true,
        confirmWithin: 60_000,
      });
      assert.notEqual(first.progId, second.progId);
      assert.ok(Date.now() < (first.pendingConfirmation?.deadline ?? 0), "the second attach landed before the first plan's deadline");
      assert.notEqual(first.pendingConfirmation?.plan, second.pendingConfirmation?.plan);
      // the other client's confirm without a token disarms only the plan it armed itself, never the first client's...
      assert.equal(
        (await other.connection.sendRequest(proto.attachConfirm, { attachment: first.id })).confirmed,
        true,
        'its own plan, armed by it',
      );
      // ...and the first client's plan still fires at its deadline, but finds the other program and leaves it: its
      // record (written at the deadline, not before) is what this waits for
      let rec: proto.RollbackRecord | undefined;
      await until(
        async () => {
          rec = (await agent.connection.sendRequest(proto.rollbacksList)).find(
            (r) => r.attachment === first.id && r.at >= (first.pendingConfirmation?.deadline ?? 0),
          );
          return rec !== undefined;
        },
        "the first plan's rollback record",
        4 * WINDOW + 30_000,
        200,
      );
      assert.match(rec?.reason ?? '', new RegExp(`left it alone: program ${second.progId} is attached there now, not ${first.progId}`));
      assert.equal(xdpProgOnB(), second.progId, "the other client's program stays");
      assert.equal(await pingLoss(NS_A, bAddr, 2), 100);
      await other.connection.sendRequest(proto.detach, { attachment: second.id });
      assert.equal(await pingLoss(NS_A, bAddr), 0);
    } finally {
      await other.dispose();
    }
    assert.deepEqual(
      (await leftovers(token)).filter((l) => !l.startsWith('netns') && !l.includes('_d1') && !l.includes('_d2')),
      [],
    );
  });
});
