// tc through the agent: clsact + cls_bpf direct-action (both bpftool versions), and tcx with bpftool 7.5
// (Unsupported with 7.1). Observed by ping loss and by `bpftool net show` / `tc filter show`. Token: atc.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AgentErrorCode,
  attachTc,
  attachmentsList,
  detach,
  labCreate,
  labDestroy,
  mapDump,
  objectLoad,
  objectUnload,
} from '../../../protocol/agent';
import { type AgentProcess, BPFTOOL_71, BPFTOOL_75, expectError, startAgent } from '../helpers/agentProcess';
import { compileFixture } from '../helpers/bpfObjects';
import { removeNamed } from '../helpers/cleanup';
import { ipOf } from '../helpers/lab';
import { nsArgv } from '../helpers/netns';
import { pingLoss } from '../helpers/ping';
import { runSync } from '../helpers/run';
import { tmpDir } from '../helpers/scratch';

const LAB = 'atc';
const NS_A = `end_${LAB}_a`;
const NS_B = `end_${LAB}_b`;
const OBJ = 'atc_tc';
const PROG = `${OBJ}/tc_drop_icmp`;

function tcFilters(direction: string): string {
  return runSync(nsArgv(NS_A, ['tc', 'filter', 'show', 'dev', 'eth0', direction])).stdout;
}

describe('tc and tcx', () => {
  let agent: AgentProcess;
  let agent71: AgentProcess;
  let bAddr: string;
  before(async () => {
    removeNamed({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${OBJ}`] });
    agent = await startAgent({ bpftool: BPFTOOL_75 });
    agent71 = await startAgent({ bpftool: BPFTOOL_71 });
    const lab = await agent.connection.sendRequest(labCreate, { name: LAB, topology: { kind: 'pair' } });
    bAddr = ipOf(lab.hosts.find((h) => h.role === 'b')!.interfaces[0].addresses[0]);
    await agent.connection.sendRequest(objectLoad, { name: OBJ, object: compileFixture('tc_mark', tmpDir('atc')).toString('base64') });
  });
  after(async () => {
    await agent.connection.sendRequest(labDestroy, { name: LAB }).catch(() => undefined);
    await agent.connection.sendRequest(objectUnload, { name: OBJ }).catch(() => undefined);
    await agent.dispose();
    await agent71.dispose();
    removeNamed({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${OBJ}`] });
  });

  for (const [label, get] of [
    ['bpftool 7.5', () => agent],
    ['bpftool 7.1', () => agent71],
  ] as const) {
    it(`clsact egress filter with ${label}: ping fails, counter moves, detach restores and removes clsact`, async () => {
      const c = get().connection;
      assert.equal(await pingLoss(NS_A, bAddr), 0);
      const att = await c.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'egress' });
      assert.equal(att.id, `tc:${NS_A}:eth0:egress`);
      assert.equal(att.progName, 'tc_drop_icmp');
      assert.match(tcFilters('egress'), /bpf .*tc_drop_icmp.* direct-action/);
      assert.equal(await pingLoss(NS_A, bAddr), 100);
      const seen = (await c.sendRequest(mapDump, { map: `${OBJ}/tc_seen` })).entries[0].value as number;
      assert.ok(seen >= 3, `the program saw the pings (${seen})`);
      const listed = (await c.sendRequest(attachmentsList)).find((a) => a.id === att.id);
      assert.equal(listed?.progId, att.progId);
      const again = await expectError(c.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'egress' }));
      assert.equal(again.code, AgentErrorCode.AlreadyAttached);
      await c.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'egress', replace: true });
      await c.sendRequest(detach, { attachment: att.id });
      assert.equal(tcFilters('egress').trim(), '');
      assert.doesNotMatch(runSync(nsArgv(NS_A, ['tc', 'qdisc', 'show', 'dev', 'eth0'])).stdout, /clsact/);
      assert.equal(await pingLoss(NS_A, bAddr), 0);
    });
  }

  it('detach removes only our filter: a filter somebody else added at another priority stays', async () => {
    const c = agent.connection;
    const att = await c.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'ingress' });
    const other = runSync(
      nsArgv(NS_A, [
        'tc',
        'filter',
        'add',
        'dev',
        'eth0',
        'ingress',
        'pref',
        '7',
        'bpf',
        'da',
        'pinned',
        `/sys/fs/bpf/ebpf-netdebug/${PROG}`,
      ]),
    );
    assert.equal(other.code, 0, other.stderr);
    await c.sendRequest(detach, { attachment: att.id });
    assert.match(tcFilters('ingress'), /pref 7 bpf/);
    runSync(nsArgv(NS_A, ['tc', 'qdisc', 'del', 'dev', 'eth0', 'clsact']));
  });

  it('tcx egress with bpftool 7.5: listed as tcx, ping fails, detach restores', async () => {
    const c = agent.connection;
    const att = await c.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'egress', via: 'tcx' });
    assert.equal(att.id, `tcx:${NS_A}:eth0:egress`);
    assert.equal(att.kind, 'tcx');
    const shown = JSON.parse(runSync(nsArgv(NS_A, [BPFTOOL_75, '-j', 'net', 'show', 'dev', 'eth0'])).stdout) as {
      tc: { kind: string; prog_id: number }[];
    }[];
    assert.deepEqual(
      shown[0].tc.map((t) => [t.kind, t.prog_id]),
      [['tcx/egress', att.progId]],
    );
    assert.equal(tcFilters('egress').trim(), '', 'tcx is not a cls_bpf filter');
    assert.equal(await pingLoss(NS_A, bAddr), 100);
    const again = await expectError(c.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'egress', via: 'tcx' }));
    assert.equal(again.code, AgentErrorCode.AlreadyAttached);
    await c.sendRequest(detach, { attachment: att.id });
    assert.equal(await pingLoss(NS_A, bAddr), 0);
    const none = await expectError(c.sendRequest(detach, { attachment: att.id }));
    assert.equal(none.code, AgentErrorCode.NotFound);
  });

  it('tcx with bpftool 7.1 is Unsupported, saying why', async () => {
    const e = await expectError(
      agent71.connection.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'egress', via: 'tcx' }),
    );
    assert.equal(e.code, AgentErrorCode.Unsupported);
    assert.match(e.message, /bpftool >= 7\.4/);
  });

  it('bad direction and bad namespace are refused naming the argument', async () => {
    const d = await expectError(
      agent.connection.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: NS_A, direction: 'sideways' as never }),
    );
    assert.equal(d.data?.argument, 'direction');
    const n = await expectError(
      agent.connection.sendRequest(attachTc, { program: PROG, dev: 'eth0', netns: 'end_atc_zz', direction: 'egress' }),
    );
    assert.equal(n.data?.argument, 'netns');
  });
});
