// The cleanup helper itself (helpers/cleanup.ts): when a run dies half-way (here: the agent is killed with
// everything attached, under the token of a process that has exited), sweepStale/sweep must remove every
// namespace, cgroup, pin, program and process it made, leftovers(token) must see them before and nothing after,
// and a live run's things must be left alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { attachCgroup, attachTc, attachXdp, labCreate, objectLoad } from '../../../protocol/agent';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { createCgroup } from '../helpers/cgroup';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd } from '../helpers/lab';
import { inNetnsOk } from '../helpers/netns';
import { startListener } from '../helpers/tcpStream';

const BASE = 'bcl';

/** The pid of a process that has exited: a run that died has such a pid in its token. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('true');
    child.once('error', reject);
    child.once('exit', () => resolve(child.pid!));
  });
}

describe('cleanup helper', () => {
  let agent: AgentProcess | undefined;
  let dead = '';
  const live = runToken(BASE);

  after(async () => {
    await agent?.dispose();
    if (dead) await sweep(dead);
    await sweep(live);
  });

  it('sweepStale removes namespaces, qdiscs, XDP, cgroups, pins, programs and processes of a run that died, and nothing of a live one', async () => {
    await sweepStale(BASE);
    dead = runToken(BASE, await deadPid());
    assert.deepEqual(await leftovers(dead), [], 'a clean start');

    agent = await startAgent();
    const lab = await agent.request(labCreate, { name: dead, topology: { kind: 'pair' } });
    const a = labEnd(lab, 'a');
    const b = labEnd(lab, 'b');
    const progIds: number[] = [];
    for (const [name, obj] of [
      ['drop', 'xdp_drop_ping'],
      ['psh', 'tc_tcp_psh'],
      ['redir', 'sockmap_redir'],
    ]) {
      const loaded = await agent.request(objectLoad, { path: shippedObject(obj), name: `end_${dead}_${name}` });
      progIds.push(...loaded.programs.map((p) => p.id));
    }
    const xdp = await agent.request(attachXdp, {
      program: `end_${dead}_drop/xdp_drop_ping`,
      dev: b.dev,
      netns: b.netns,
      mode: 'generic',
      via: 'iproute2',
    });
    progIds.push(xdp.progId!); // iproute2 loads its own copy, held only by the interface
    await agent.request(attachTc, { program: `end_${dead}_psh/tc_tcp_psh`, dev: b.dev, netns: b.netns, direction: 'egress' });
    const cgroup = createCgroup(`end_${dead}_cg`);
    await agent.request(attachCgroup, { program: `end_${dead}_redir/sockops_track`, cgroup, type: 'sock_ops' });
    mkdirSync(`/sys/fs/bpf/end_${dead}_scratch`);
    await startListener({ netns: a.netns, port: 5301, cgroup });
    assert.match((await inNetnsOk(b.netns, ['tc', 'qdisc', 'show', 'dev', b.dev])).stdout, /clsact/);
    // A live run's cgroup, which the sweep must not touch.
    const liveCgroup = createCgroup(`end_${live}_cg`);

    // The run "crashes": the agent dies without cleaning anything up.
    agent.child.kill('SIGKILL');
    await agent.dispose();
    agent = undefined;

    const made = await leftovers(dead, { progIds, releaseWaitMs: 0 });
    for (const kind of ['netns', 'cgroup', 'pin', 'program id', 'process']) {
      assert.ok(
        made.some((l) => l.startsWith(kind)),
        `leftovers() sees the ${kind} (${made.join('; ')})`,
      );
    }
    assert.deepEqual(await sweepStale(BASE), [dead], 'only the dead run is swept');
    assert.deepEqual(await leftovers(dead, { progIds }), []);
    assert.ok(existsSync(liveCgroup), 'the live run keeps its cgroup');
    await sweep(dead); // idempotent
    await sweep(live);
    assert.deepEqual(await leftovers(live), []);
  });
});
