// Labs on the real kernel: ping across works inside the lab, the root link reaches host a, and destroy leaves no
// namespace, veth or cgroup behind; the tree's listings.snapshot shows the labs as lab.list does. Token: alb (labs
// alba, albb, albc).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AgentErrorCode, labCreate, labDestroy, labList, listingsSnapshot } from '../../../protocol/agent';
import type { Lab } from '../../../protocol/types';
import { type AgentProcess, expectError, startAgent } from '../helpers/agentProcess';
import { removeNamed } from '../helpers/cleanup';
import { ipOf } from '../helpers/lab';
import { nsArgv } from '../helpers/netns';
import { pingLoss } from '../helpers/ping';
import { runSync } from '../helpers/run';

const NAMES = ['alba', 'albb', 'albc'];
const everything = () => ({
  netns: NAMES.flatMap((n) => [`end_${n}_a`, `end_${n}_b`, `end_${n}_br`]),
  links: [...NAMES.map((n) => `end_${n}_r`), 'end_albc_rp'],
});

function addr(lab: Lab, role: string, family: 4 | 6, dev = 'eth0'): string {
  const i = lab.hosts.find((h) => h.role === role)!.interfaces.find((x) => x.name === dev)!;
  return ipOf(i.addresses.find((a) => (family === 4 ? a.includes('.') : a.includes(':')))!);
}

describe('labs', () => {
  let agent: AgentProcess;
  before(async () => {
    removeNamed(everything());
    agent = await startAgent();
  });
  after(async () => {
    for (const name of NAMES) await agent.connection.sendRequest(labDestroy, { name }).catch(() => undefined);
    await agent.dispose();
    removeNamed(everything());
  });

  it('pair with IPv6 and a root link: a pings b over v4 and v6, the root namespace reaches a', async () => {
    const lab = await agent.connection.sendRequest(labCreate, { name: 'alba', topology: { kind: 'pair', ipv6: true, rootLink: true } });
    assert.deepEqual(
      lab.hosts.map((h) => h.netns),
      ['end_alba_a', 'end_alba_b'],
    );
    assert.equal(await pingLoss('end_alba_a', addr(lab, 'b', 4)), 0);
    const v6 = runSync(nsArgv('end_alba_a', ['ping', '-6', '-c', '2', '-i', '0.2', '-W', '1', addr(lab, 'b', 6)]));
    assert.match(v6.stdout, / 0% packet loss/);
    assert.ok(lab.rootLink);
    const fromRoot = runSync(['ping', '-c', '2', '-i', '0.2', '-W', '1', '-I', lab.rootLink.dev, ipOf(lab.rootLink.peerAddress)]);
    assert.match(fromRoot.stdout, / 0% packet loss/);
    // both ends are called eth0 inside their hosts
    assert.deepEqual(
      lab.hosts.find((h) => h.role === 'b')!.interfaces.map((i) => i.name),
      ['eth0'],
    );
  });

  it('bridge: a and b reach each other through br0 in a third namespace', async () => {
    const lab = await agent.connection.sendRequest(labCreate, { name: 'albb', topology: { kind: 'bridge' } });
    assert.deepEqual(
      lab.hosts.map((h) => h.role),
      ['a', 'b', 'br'],
    );
    assert.equal(await pingLoss('end_albb_a', addr(lab, 'b', 4)), 0);
    const fdb = runSync(nsArgv('end_albb_br', ['bridge', 'link', 'show']));
    assert.match(fdb.stdout, /veth_a.*master br0/);
    assert.match(fdb.stdout, /veth_b.*master br0/);
  });

  it('lab.list reads labs back from the kernel; a second create with the same name is refused', async () => {
    const labs = await agent.connection.sendRequest(labList);
    const a = labs.find((l) => l.name === 'alba');
    assert.deepEqual(a?.topology, { kind: 'pair', ipv6: true, rootLink: true });
    assert.equal(labs.find((l) => l.name === 'albb')?.topology.kind, 'bridge');
    // the tree's snapshot builds labs from its own namespace listing (no ip run per host): the same labs
    const snapshot = await agent.connection.sendRequest(listingsSnapshot, {});
    for (const name of ['alba', 'albb'])
      assert.deepEqual(
        snapshot.labs?.find((l) => l.name === name),
        labs.find((l) => l.name === name),
        name,
      );
    const again = await expectError(agent.connection.sendRequest(labCreate, { name: 'alba', topology: { kind: 'pair' } }));
    assert.equal(again.code, AgentErrorCode.AlreadyAttached);
    const bad = await expectError(agent.connection.sendRequest(labCreate, { name: 'albc', topology: { kind: 'ring' } as never }));
    assert.equal(bad.data?.argument, 'topology.kind');
    assert.equal(existsSync('/run/netns/end_albc_a'), false, 'a refused create makes nothing');
  });

  it('a create that fails half-way removes what it had made', async () => {
    // an interface already holding the root link's name makes the last step fail, after the namespaces exist
    assert.equal(runSync(['ip', 'link', 'add', 'end_albc_r', 'type', 'veth', 'peer', 'name', 'end_albc_rp']).code, 0);
    const e = await expectError(agent.connection.sendRequest(labCreate, { name: 'albc', topology: { kind: 'bridge', rootLink: true } }));
    assert.equal(e.code, AgentErrorCode.ToolFailed);
    assert.match(e.message, /File exists/);
    assert.deepEqual(e.data?.argv?.slice(0, 4), ['ip', 'link', 'add', 'end_albc_r']);
    for (const role of ['a', 'b', 'br']) assert.equal(existsSync(`/run/netns/end_albc_${role}`), false, `end_albc_${role} removed`);
    assert.equal(
      (await agent.connection.sendRequest(labList)).some((l) => l.name === 'albc'),
      false,
    );
  });

  it('destroy leaves nothing: namespaces, root link and the lab cgroups are gone', async () => {
    runSync(['mkdir', '/sys/fs/cgroup/unified/end_alba_cg']);
    const r = await agent.connection.sendRequest(labDestroy, { name: 'alba' });
    assert.ok(r.removed.includes('netns end_alba_a'));
    assert.ok(r.removed.includes('link end_alba_r'));
    assert.ok(r.removed.includes('cgroup /sys/fs/cgroup/unified/end_alba_cg'));
    await agent.connection.sendRequest(labDestroy, { name: 'albb' });
    const netns = runSync(['ip', 'netns', 'list']).stdout;
    assert.doesNotMatch(netns, /end_alb[ab]_/);
    assert.notEqual(runSync(['ip', 'link', 'show', 'end_alba_r']).code, 0);
    assert.equal(existsSync('/sys/fs/cgroup/unified/end_alba_cg'), false);
    assert.equal((await agent.connection.sendRequest(labList)).filter((l) => l.name.startsWith('alb')).length, 0);
    const gone = await expectError(agent.connection.sendRequest(labDestroy, { name: 'alba' }));
    assert.equal(gone.code, AgentErrorCode.NotFound);
  });
});
