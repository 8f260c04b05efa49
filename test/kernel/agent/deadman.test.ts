// The dead-man switch through the agent: attach.xdp / attach.tc with confirmWithin hand a rollback plan to a
// watchdog (dist/agent.js --watchdog, remote-agent/safety). Unconfirmed, the program goes away by itself and
// rollbacks.list says so; confirmed, it stays. Observed with ping and `bpftool net show`. Token: adm.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import { type AgentProcess, BPFTOOL_75, startAgent } from '../helpers/agentProcess';
import { compileFixture } from '../helpers/bpfObjects';
import { removeNamed } from '../helpers/cleanup';
import { ipOf } from '../helpers/lab';
import { nsArgv } from '../helpers/netns';
import { pingLoss } from '../helpers/ping';
import { runSync } from '../helpers/run';
import { tmpDir } from '../helpers/scratch';
import { until as untilEvent } from '../helpers/until';
import { standbyPids, watchdogPids } from '../helpers/watchdogs';

/** This file's waits: the shared until() with its deadline. */
const until = (cond: () => boolean, what: string, ms = 20_000) => untilEvent(cond, what, ms);

const LAB = 'adm';
const NS_A = `end_${LAB}_a`;
const NS_B = `end_${LAB}_b`;
const OBJ = 'adm_drop';
const DEADMAN_DIR = tmpDir('adm-deadman');

function xdpMode(): string | undefined {
  const out = runSync(nsArgv(NS_B, [BPFTOOL_75, '-j', 'net', 'show', 'dev', 'eth0'])).stdout;
  return (JSON.parse(out) as { xdp: { mode: string }[] }[])[0]?.xdp[0]?.mode;
}

describe('dead-man switch', () => {
  let agent: AgentProcess;
  let bAddr: string;
  before(async () => {
    removeNamed({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${OBJ}`] });
    agent = await startAgent({ env: { EBPF_NETDEBUG_DEADMAN_DIR: DEADMAN_DIR } });
    const lab = await agent.connection.sendRequest(proto.labCreate, { name: LAB, topology: { kind: 'pair' } });
    bAddr = ipOf(lab.hosts.find((h) => h.role === 'b')!.interfaces[0].addresses[0]);
    await agent.connection.sendRequest(proto.objectLoad, {
      name: OBJ,
      object: compileFixture('xdp_drop_icmp', tmpDir('adm')).toString('base64'),
    });
  });
  after(async () => {
    await agent.connection.sendRequest(proto.labDestroy, { name: LAB }).catch(() => undefined);
    await agent.connection.sendRequest(proto.objectUnload, { name: OBJ }).catch(() => undefined);
    await agent.dispose();
    removeNamed({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${OBJ}`] });
    rmSync(DEADMAN_DIR, { recursive: true, force: true });
  });

  it('unconfirmed: the watchdog detaches the generic XDP program and records the rollback', async () => {
    const att = await agent.connection.sendRequest(proto.attachXdp, {
      program: `${OBJ}/xdp_drop_icmp`,
      dev: 'eth0',
      netns: NS_B,
      mode: 'generic',
      confirmWithin: 1500,
    });
    assert.ok(att.pendingConfirmation && att.pendingConfirmation.deadline > Date.now() - 1000);
    assert.equal(xdpMode(), 'generic');
    await until(() => xdpMode() === undefined, 'the watchdog to roll back');
    assert.equal(await pingLoss(NS_A, bAddr), 0, 'the host is reachable again');
    const records = await agent.connection.sendRequest(proto.rollbacksList);
    const mine = records.find((r) => r.attachment === att.id);
    assert.ok(mine, 'rollbacks.list has the record');
    assert.equal(mine.ok, true);
    assert.equal((await agent.connection.sendRequest(proto.attachConfirm, { attachment: att.id })).confirmed, false, 'too late to confirm');
  });

  it('confirmed: the program stays after the deadline; a refused attach arms nothing', async () => {
    const att = await agent.connection
      .sendRequest(proto.attachTc, {
        program: `/sys/fs/bpf/ebpf-netdebug/${OBJ}/xdp_drop_icmp`,
        dev: 'eth0',
        netns: NS_B,
        direction: 'ingress',
        confirmWithin: 1500,
      })
      .catch((e: Error) => e);
    // an XDP program is not a tc classifier: the kernel refuses, and no watchdog is left armed
    assert.ok(att instanceof Error);
    const x = await agent.connection.sendRequest(proto.attachXdp, {
      program: `${OBJ}/xdp_drop_icmp`,
      dev: 'eth0',
      netns: NS_B,
      mode: 'native',
      confirmWithin: 1500,
    });
    const plan = x.pendingConfirmation?.plan;
    assert.ok(plan, 'the attach names its plan');
    assert.equal(watchdogPids(plan).length, 1, 'armed: its watchdog runs');
    assert.equal((await agent.connection.sendRequest(proto.attachConfirm, { attachment: x.id })).confirmed, true);
    // The confirm ends the plan's watchdog at once; once it is gone nothing can roll the program back.
    await until(() => watchdogPids(plan).length === 0, "the confirmed plan's watchdog to exit");
    // Still there once the window has passed: the window passing is what this asserts, so this waits for the
    // deadline the agent gave (the clock), not for a guessed time.
    await until(() => Date.now() > x.pendingConfirmation!.deadline, 'the confirmation window to pass');
    assert.equal(xdpMode(), 'driver', 'still attached after the window');
    assert.equal(await pingLoss(NS_A, bAddr), 100);
    await agent.connection.sendRequest(proto.detach, { attachment: x.id });
  });

  it('a standby watchdog takes the next plan; it rolls back after its agent is killed, and a plan-less standby leaves with its agent', async () => {
    // An agent of its own, killed below.
    const doomed = await startAgent({ env: { EBPF_NETDEBUG_DEADMAN_DIR: DEADMAN_DIR } });
    try {
      const attach = (confirmWithin: number) =>
        doomed.connection.sendRequest(proto.attachXdp, {
          program: `${OBJ}/xdp_drop_icmp`,
          dev: 'eth0',
          netns: NS_B,
          mode: 'native',
          confirmWithin,
        });
      const first = await attach(60_000); // armed cold: no standby yet
      assert.equal((await doomed.connection.sendRequest(proto.attachConfirm, { attachment: first.id })).confirmed, true);
      await doomed.connection.sendRequest(proto.detach, { attachment: first.id });
      await until(() => standbyPids(doomed.child.pid!).length === 1, 'a standby watchdog after the first arm');
      const [standing] = standbyPids(doomed.child.pid!);
      const second = await attach(1500);
      assert.deepEqual(watchdogPids(second.pendingConfirmation!.plan!), [standing], 'the standby holds the second plan');
      assert.equal(xdpMode(), 'driver');
      await until(() => standbyPids(doomed.child.pid!).length === 1, 'the next standby');
      const [next] = standbyPids(doomed.child.pid!);
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      // The standby with a plan outlives its agent and rolls back; the one without leaves with it.
      await until(() => xdpMode() === undefined, 'the standby-turned-watchdog to roll back');
      await until(
        () => !existsSync(`/proc/${next}`) || !readFileSync(`/proc/${next}/cmdline`, 'utf8').includes('--watchdog-standby'),
        'the plan-less standby to exit',
      );
      assert.equal(await pingLoss(NS_A, bAddr), 0, 'the host is reachable again');
      const mine = (await agent.connection.sendRequest(proto.rollbacksList)).find((r) => r.attachment === second.id);
      assert.ok(mine?.ok, 'rollbacks.list has the record');
    } finally {
      await doomed.dispose();
    }
  });
});
