// Scenario "drop ping" (bpf/xdp_drop_ping.bpf.c) driven through the agent, observed the way a user would: ping
// across a lab link works, the XDP program makes it lose every packet, its drop counter equals the pings sent,
// and after detach ping works again. In native and generic XDP mode, attached by bpftool and by iproute2.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AgentErrorCode, attachXdp, detach, labCreate, labDestroy, netList, objectLoad, objectUnload } from '../../../protocol/agent';
import type { Lab, XdpMode } from '../../../protocol/types';
import { AgentRequestError, startAgent, type AgentProcess } from '../helpers/agentProcess';
import { setGlobals } from '../../../extension/core/elf/globals';
import { shippedObject } from '../helpers/bpfObjects';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { counter, mapOfProgram } from '../helpers/maps';
import { inNetnsOk } from '../helpers/netns';
import { ping } from '../helpers/ping';

const TOKEN = runToken('bdp');
const OBJECT = `end_${TOKEN}_drop`;
const REPLIES_OBJECT = `end_${TOKEN}_dropreply`;

describe('xdp_drop_ping through the agent', () => {
  let agent: AgentProcess;
  let lab: Lab;
  let a: LabEnd;
  let b: LabEnd;
  const progIds: number[] = [];

  before(async () => {
    await sweepStale('bdp'); // what runs of this file that were killed hard left behind
    agent = await startAgent();
    lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair', ipv6: true } });
    a = labEnd(lab, 'a');
    b = labEnd(lab, 'b');
    const loaded = await agent.request(objectLoad, { path: shippedObject('xdp_drop_ping'), name: OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
  });

  after(async () => {
    // The engine's own cleanup first (what a user runs), then the helper's sweep in case the agent failed.
    await agent?.request(labDestroy, { name: TOKEN }).catch(() => undefined);
    for (const name of [OBJECT, REPLIES_OBJECT]) await agent?.request(objectUnload, { name }).catch(() => undefined);
    await agent?.dispose();
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });

  const cases: { mode: XdpMode; via: 'bpftool' | 'iproute2' }[] = [
    { mode: 'native', via: 'bpftool' },
    { mode: 'generic', via: 'bpftool' },
    { mode: 'native', via: 'iproute2' },
    { mode: 'generic', via: 'iproute2' },
  ];
  for (const { mode, via } of cases) {
    it(`drops every echo request on the target (${mode} mode, attached by ${via}), counts them, and detaches`, async (t) => {
      const baseline = await ping(a.netns, b.ipv4, { count: 3 });
      assert.equal(baseline.received, 3, `ping works before attaching:\n${baseline.output}`);

      const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_drop_ping`, dev: b.dev, netns: b.netns, mode, via });
      assert.equal(att.mode, mode === 'native' ? 'driver' : 'generic', 'the kernel reports the mode asked for');
      assert.ok(att.progId, 'the attachment names the program id');
      progIds.push(att.progId!);
      // The kernel's own listing shows it on b's interface.
      const net = await agent.request(netList, { netns: b.netns });
      const shown = net.namespaces.flatMap((n) => n.attachments).filter((x) => x.kind === 'xdp' && x.dev === b.dev);
      assert.deepEqual(
        shown.map((x) => x.progId),
        [att.progId],
      );

      const drops = await mapOfProgram(agent, att.progId!, 'drop_stats');
      const dropsBefore = await counter(agent, drops, 'packets');
      const during = await ping(a.netns, b.ipv4, { count: 10 });
      assert.equal(during.transmitted, 10);
      assert.equal(during.received, 0, `no reply while attached:\n${during.output}`);
      assert.equal(during.lossPercent, 100);
      const dropped = (await counter(agent, drops, 'packets')) - dropsBefore;
      t.diagnostic(`${during.transmitted} sent, ${during.received} received, drop counter +${dropped}`);
      assert.equal(dropped, during.transmitted, 'drop counter = pings sent');

      await agent.request(detach, { attachment: att.id });
      const left = await agent.request(netList, { netns: b.netns });
      assert.deepEqual(
        left.namespaces.flatMap((n) => n.attachments).filter((x) => x.kind === 'xdp'),
        [],
        'nothing left on the interface',
      );
      const afterDetach = await ping(a.netns, b.ipv4, { count: 3 });
      assert.equal(afterDetach.received, 3, `ping works again after detach:\n${afterDetach.output}`);
    });
  }

  it('drops ICMPv6 echo requests as well, and lets neighbour discovery through', async (t) => {
    assert.ok(b.ipv6, `the lab has IPv6 addresses: ${JSON.stringify(lab.hosts)}`);
    const baseline = await ping(a.netns, b.ipv6!, { count: 3 });
    assert.equal(baseline.received, 3, baseline.output);
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_drop_ping`, dev: b.dev, netns: b.netns, mode: 'native' });
    progIds.push(att.progId!);
    const drops = await mapOfProgram(agent, att.progId!, 'drop_stats');
    const dropsBefore = await counter(agent, drops, 'packets');
    // Forget b's link-layer address first, so the pings also need neighbour solicitations to pass the program.
    await inNetnsOk(a.netns, ['ip', '-6', 'neigh', 'flush', 'dev', a.dev]);
    const during = await ping(a.netns, b.ipv6!, { count: 10 });
    const dropped = (await counter(agent, drops, 'packets')) - dropsBefore;
    t.diagnostic(`${during.transmitted} sent, ${during.received} received, drop counter +${dropped}`);
    assert.equal(during.received, 0, during.output);
    assert.equal(dropped, during.transmitted, 'drop counter = pings sent');
    const neigh = await inNetnsOk(a.netns, ['ip', '-6', 'neigh', 'show', b.ipv6!, 'dev', a.dev]);
    assert.match(neigh.stdout, /lladdr/, `a resolved b's address through the program: ${neigh.stdout.trim()}`);
    await agent.request(detach, { attachment: att.id });
  });

  it('with the knob drop_replies=1 (patched into .rodata by the engine), on the pinger, drops the replies instead', async () => {
    // The engine's route for knobs: patch the const volatile in a copy of the object, send the bytes to the agent.
    const patched = setGlobals(readFileSync(shippedObject('xdp_drop_ping')), { drop_replies: 1 });
    const loaded = await agent.request(objectLoad, { object: Buffer.from(patched).toString('base64'), name: REPLIES_OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
    const att = await agent.request(attachXdp, { program: `${REPLIES_OBJECT}/xdp_drop_ping`, dev: a.dev, netns: a.netns, mode: 'native' });
    const drops = await mapOfProgram(agent, att.progId!, 'drop_stats');
    const during = await ping(a.netns, b.ipv4, { count: 10 });
    assert.equal(during.received, 0, `no reply reaches the pinger:\n${during.output}`);
    assert.equal(await counter(agent, drops, 'packets'), 10, 'one drop per reply');
    // Only replies are dropped: a still answers b's requests, and b receives those replies.
    const reverse = await ping(b.netns, a.ipv4, { count: 3 });
    assert.equal(reverse.received, 3, `requests to a still pass:\n${reverse.output}`);
    await agent.request(detach, { attachment: att.id });
  });

  it('refuses a second program on the interface and a missing interface, naming the argument, and loses nothing', async () => {
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_drop_ping`, dev: b.dev, netns: b.netns, mode: 'native' });
    // The kernel's trap: native and generic XDP cannot both be active; a second attach must not replace the first.
    await assert.rejects(
      agent.request(attachXdp, { program: `${OBJECT}/xdp_drop_ping`, dev: b.dev, netns: b.netns, mode: 'generic' }),
      (e: unknown) => e instanceof AgentRequestError && e.code === AgentErrorCode.AlreadyAttached,
    );
    await assert.rejects(
      agent.request(attachXdp, { program: `${OBJECT}/xdp_drop_ping`, dev: 'nosuchdev0', netns: b.netns, mode: 'native' }),
      (e: unknown) => e instanceof AgentRequestError && e.data?.argument === 'dev' && /nosuchdev0/.test(e.agentMessage),
    );
    // The first attachment is intact and still does its job.
    const net = await agent.request(netList, { netns: b.netns });
    const shown = net.namespaces.flatMap((n) => n.attachments).filter((x) => x.kind === 'xdp' && x.dev === b.dev);
    assert.deepEqual(
      shown.map((x) => [x.progId, x.mode]),
      [[att.progId, 'driver']],
    );
    const r = await ping(a.netns, b.ipv4, { count: 3 });
    assert.equal(r.received, 0, r.output);
    await agent.request(detach, { attachment: att.id });
  });

  it('lab.destroy and object.unload through the agent leave nothing behind', async () => {
    await agent.request(labDestroy, { name: TOKEN });
    for (const name of [OBJECT, REPLIES_OBJECT]) await agent.request(objectUnload, { name });
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });
});
