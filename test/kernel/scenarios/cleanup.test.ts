// The cleanup helper itself (helpers/cleanup.ts): when a test dies half-way (here: the agent is killed with
// everything attached), sweep(token) must remove every namespace, cgroup, pin, program and process the test
// made, and leftovers(token) must see them before and nothing after.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { attachCgroup, attachTc, attachXdp, labCreate, objectLoad } from '../../../protocol/agent';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { createCgroup } from '../helpers/cgroup';
import { leftovers, sweep } from '../helpers/cleanup';
import { labEnd } from '../helpers/lab';
import { inNetnsOk } from '../helpers/netns';
import { startListener } from '../helpers/tcpStream';

const TOKEN = 'h1cl';

describe('cleanup helper', () => {
  let agent: AgentProcess | undefined;

  after(async () => {
    await agent?.dispose();
    await sweep(TOKEN);
  });

  it('removes namespaces, qdiscs, XDP, cgroups, pins, programs and processes a crashed test left', async () => {
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN), [], 'a clean start');
    agent = await startAgent();
    const lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    const a = labEnd(lab, 'a');
    const b = labEnd(lab, 'b');
    const progIds: number[] = [];
    for (const [name, obj] of [['drop', 'xdp_drop_ping'], ['psh', 'tc_tcp_psh'], ['redir', 'sockmap_redir']]) {
      const loaded = await agent.request(objectLoad, { path: shippedObject(obj), name: `end_${TOKEN}_${name}` });
      progIds.push(...loaded.programs.map((p) => p.id));
    }
    const xdp = await agent.request(attachXdp, { program: `end_${TOKEN}_drop/xdp_drop_ping`, dev: b.dev, netns: b.netns, mode: 'generic', via: 'iproute2' });
    progIds.push(xdp.progId!); // iproute2 loads its own copy, held only by the interface
    await agent.request(attachTc, { program: `end_${TOKEN}_psh/tc_tcp_psh`, dev: b.dev, netns: b.netns, direction: 'egress' });
    const cgroup = createCgroup(`end_${TOKEN}_cg`);
    await agent.request(attachCgroup, { program: `end_${TOKEN}_redir/sockops_track`, cgroup, type: 'sock_ops' });
    mkdirSync(`/sys/fs/bpf/end_${TOKEN}_scratch`);
    await startListener({ netns: a.netns, port: 5301, cgroup });
    await inNetnsOk(b.netns, ['tc', 'qdisc', 'show', 'dev', b.dev]);

    // The test "crashes": the agent dies without cleaning anything up.
    agent.child.kill('SIGKILL');
    await agent.dispose();
    agent = undefined;

    const made = await leftovers(TOKEN, { progIds, releaseWaitMs: 0 });
    for (const kind of ['netns', 'cgroup', 'pin', 'program id', 'process']) {
      assert.ok(made.some((l) => l.startsWith(kind)), `leftovers() sees the ${kind} (${made.join('; ')})`);
    }
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
    await sweep(TOKEN); // idempotent
  });
});
