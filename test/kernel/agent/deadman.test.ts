// The dead-man switch through the agent: attach.xdp / attach.tc with confirmWithin hand a rollback plan to a
// watchdog (dist/agent.js --watchdog, remote-agent/safety). Unconfirmed, the program goes away by itself and
// rollbacks.list says so; confirmed, it stays. Observed with ping and `bpftool net show`. Token: adm.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import { BPFTOOL_75, cleanup, compileFixture, inNetns, ipOf, pingLoss, sh, startAgent, tmpDir, type AgentHandle } from './agentProcess';
import { until as untilEvent } from '../helpers/until';

/** This file's waits: the shared until() with its deadline. */
const until = (cond: () => boolean, what: string, ms = 20_000) => untilEvent(cond, what, ms);

const LAB = 'adm';
const NS_A = `end_${LAB}_a`;
const NS_B = `end_${LAB}_b`;
const OBJ = 'adm_drop';
const DEADMAN_DIR = tmpDir('adm-deadman');

function xdpMode(): string | undefined {
  const out = sh(inNetns(NS_B, [BPFTOOL_75, '-j', 'net', 'show', 'dev', 'eth0'])).stdout;
  return (JSON.parse(out) as { xdp: { mode: string }[] }[])[0]?.xdp[0]?.mode;
}

describe('dead-man switch', () => {
  let agent: AgentHandle;
  let bAddr: string;
  before(async () => {
    cleanup({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${OBJ}`] });
    agent = startAgent([], { EBPF_NETDEBUG_DEADMAN_DIR: DEADMAN_DIR });
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
    await agent.close();
    cleanup({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${OBJ}`] });
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
    assert.equal(pingLoss(NS_A, bAddr), 0, 'the host is reachable again');
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
    assert.equal((await agent.connection.sendRequest(proto.attachConfirm, { attachment: x.id })).confirmed, true);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(xdpMode(), 'driver', 'still attached after the window');
    assert.equal(pingLoss(NS_A, bAddr), 100);
    await agent.connection.sendRequest(proto.detach, { attachment: x.id });
  });
});
