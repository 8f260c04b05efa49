// Scenario "what arrives here?" (bpf/xdp_pass_count.bpf.c) driven through the agent: with the program on b's
// interface ping still works, and the per-protocol counter for ICMP (key 1) grew by exactly the echo requests
// that arrived, while TCP (key 6) stayed put.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { attachXdp, detach, labCreate, labDestroy, objectLoad, objectUnload } from '../../../protocol/agent';
import type { Lab } from '../../../protocol/types';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { counter, mapOfProgram } from '../helpers/maps';
import { ping } from '../helpers/ping';

const TOKEN = runToken('bpc');
const OBJECT = `end_${TOKEN}_count`;
const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;

describe('xdp_pass_count through the agent', () => {
  let agent: AgentProcess;
  let lab: Lab;
  let a: LabEnd;
  let b: LabEnd;
  const progIds: number[] = [];

  before(async () => {
    await sweepStale('bpc'); // what runs of this file that were killed hard left behind
    agent = await startAgent();
    lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    a = labEnd(lab, 'a');
    b = labEnd(lab, 'b');
    const loaded = await agent.request(objectLoad, { path: shippedObject('xdp_pass_count'), name: OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
  });

  after(async () => {
    await agent?.request(labDestroy, { name: TOKEN }).catch(() => undefined);
    await agent?.request(objectUnload, { name: OBJECT }).catch(() => undefined);
    await agent?.dispose();
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });

  it('passes every ping and counts each echo request under ICMP', async (t) => {
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_pass_count`, dev: b.dev, netns: b.netns, mode: 'native' });
    const counts = await mapOfProgram(agent, att.progId!, 'proto_count');
    const icmpBefore = await counter(agent, counts, 'packets', IPPROTO_ICMP);
    const tcpBefore = await counter(agent, counts, 'packets', IPPROTO_TCP);

    const r = await ping(a.netns, b.ipv4, { count: 10 });
    const icmp = (await counter(agent, counts, 'packets', IPPROTO_ICMP)) - icmpBefore;
    const bytes = await counter(agent, counts, 'bytes', IPPROTO_ICMP);
    t.diagnostic(`${r.received}/${r.transmitted} replies; ICMP counter +${icmp} (${bytes} bytes in all)`);
    assert.equal(r.received, 10, r.output);
    assert.equal(icmp, 10, 'one count per echo request that reached b');
    assert.equal(await counter(agent, counts, 'packets', IPPROTO_TCP), tcpBefore, 'no TCP arrived');
    await agent.request(detach, { attachment: att.id });
  });

  it('lab.destroy and object.unload through the agent leave nothing behind', async () => {
    await agent.request(labDestroy, { name: TOKEN });
    await agent.request(objectUnload, { name: OBJECT });
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });
});
