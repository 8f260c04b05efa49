// Scenario "manglepong" (bpf/xdp_manglepong.bpf.c) driven through the agent: with the program on the pinger's
// interface, every echo reply still arrives (the IP checksum was fixed, or the kernel would drop them) but with
// a TTL that changes from reply to reply; tcpdump on that interface agrees and reports no bad checksum.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { attachXdp, detach, labCreate, labDestroy, objectLoad, objectUnload } from '../../../protocol/agent';
import type { Lab } from '../../../protocol/types';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { compileVariant, shippedObject, type Variant } from '../helpers/bpfObjects';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { counter, mapOfProgram } from '../helpers/maps';
import { ping } from '../helpers/ping';
import { startCapture, type Capture } from '../helpers/tcpdump';

const TOKEN = runToken('bmp');
const OBJECT = `end_${TOKEN}_mangle`;
const CAPPED_OBJECT = `end_${TOKEN}_mangle4`;

describe('xdp_manglepong through the agent', () => {
  let agent: AgentProcess;
  let lab: Lab;
  let a: LabEnd;
  let b: LabEnd;
  let capture: Capture | undefined;
  let capped: Variant | undefined;
  const progIds: number[] = [];

  before(async () => {
    await sweepStale('bmp'); // what runs of this file that were killed hard left behind
    agent = await startAgent();
    lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    a = labEnd(lab, 'a');
    b = labEnd(lab, 'b');
    const loaded = await agent.request(objectLoad, { path: shippedObject('xdp_manglepong'), name: OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
  });

  after(async () => {
    capture?.dispose();
    capped?.dispose();
    await agent?.request(labDestroy, { name: TOKEN }).catch(() => undefined);
    for (const name of [OBJECT, CAPPED_OBJECT]) await agent?.request(objectUnload, { name }).catch(() => undefined);
    await agent?.dispose();
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });

  it('without the program every reply has the same TTL', async () => {
    const r = await ping(a.netns, b.ipv4, { count: 5 });
    assert.equal(r.received, 5, r.output);
    assert.equal(new Set(r.replies.map((x) => x.ttl)).size, 1, `one TTL: ${r.replies.map((x) => x.ttl)}`);
  });

  it('with the program every reply arrives, with TTLs in [1, 64] that vary', async (t) => {
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_manglepong`, dev: a.dev, netns: a.netns, mode: 'native' });
    progIds.push(att.progId!);
    const mangled = await mapOfProgram(agent, att.progId!, 'mangle_stats');
    capture = await startCapture(a.netns, a.dev, { filter: ['icmp'], verbose: true });

    const r = await ping(a.netns, b.ipv4, { count: 10 });
    const packets = await capture.stop();

    assert.equal(r.received, 10, `all replies received:\n${r.output}`);
    const ttls = r.replies.map((x) => x.ttl);
    t.diagnostic(`reply TTLs: ${ttls.join(' ')}`);
    assert.ok(new Set(ttls).size >= 3, `at least 3 distinct TTLs in 10 replies: ${ttls}`);
    for (const t of ttls) assert.ok(t >= 1 && t <= 64, `TTL ${t} in [1, 64]`);
    assert.equal(await counter(agent, mangled, 'replies'), 10, 'the program counted each reply it rewrote');

    // tcpdump sees packets after XDP: the same TTLs, and no "bad cksum" (its IP header checksum check).
    const replies = packets.filter((p) => p.icmp === 'echo reply');
    assert.deepEqual(
      replies.map((p) => p.ttl),
      ttls,
      'tcpdump shows the TTLs ping printed',
    );
    const bad = packets.filter((p) => p.line.includes('bad cksum'));
    assert.deepEqual(
      bad.map((p) => p.line),
      [],
      'no bad IP checksum',
    );

    await agent.request(detach, { attachment: att.id });
    const plain = await ping(a.netns, b.ipv4, { count: 5 });
    assert.equal(plain.received, 5, plain.output);
    assert.equal(new Set(plain.replies.map((x) => x.ttl)).size, 1, `one TTL again after detach: ${plain.replies.map((x) => x.ttl)}`);
  });

  it('built with -DMAX_TTL=4 (the compile-time route for knobs), the TTLs stay in [1, 4]', async (t) => {
    capped = await compileVariant('xdp_manglepong', { MAX_TTL: 4 });
    const loaded = await agent.request(objectLoad, { path: capped.path, name: CAPPED_OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
    const att = await agent.request(attachXdp, { program: `${CAPPED_OBJECT}/xdp_manglepong`, dev: a.dev, netns: a.netns, mode: 'generic' });
    const r = await ping(a.netns, b.ipv4, { count: 10 });
    await agent.request(detach, { attachment: att.id });
    const ttls = r.replies.map((x) => x.ttl);
    t.diagnostic(`reply TTLs: ${ttls.join(' ')}`);
    assert.equal(r.received, 10, r.output);
    for (const ttl of ttls) assert.ok(ttl >= 1 && ttl <= 4, `TTL ${ttl} in [1, 4]`);
    assert.ok(new Set(ttls).size >= 2, `TTLs vary: ${ttls}`);
  });

  it('lab.destroy and object.unload through the agent leave nothing behind', async () => {
    await agent.request(labDestroy, { name: TOKEN });
    for (const name of [OBJECT, CAPPED_OBJECT]) await agent.request(objectUnload, { name });
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });
});
