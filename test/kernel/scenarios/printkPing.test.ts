// Scenario "live trace hello" (bpf/xdp_printk_ping.bpf.c) driven through the agent: with the program on b's
// interface, each echo request a sends shows up as one `end-ping A > B echo-request id=.. seq=N` line in the
// agent's trace_pipe stream. trace_pipe is global and read destructively: another reader on this host (another
// test's agent) may take some of the lines, so the test asks for at least one of ours, all well-formed, and
// tolerates lines that are not (the filter is our lab's own addresses, derived from its unique name).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { attachXdp, detach, labCreate, labDestroy, objectLoad, objectUnload, traceEvents, traceStart, traceStop } from '../../../protocol/agent';
import type { Lab, TraceEvent } from '../../../protocol/types';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { leftovers, sweep } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { ping } from '../helpers/ping';

const TOKEN = 'h1pk';
const OBJECT = `end_${TOKEN}_printk`;

describe('xdp_printk_ping through the agent and its trace_pipe stream', () => {
  let agent: AgentProcess;
  let lab: Lab;
  let a: LabEnd;
  let b: LabEnd;
  let stream: string | undefined;
  const progIds: number[] = [];

  before(async () => {
    await sweep(TOKEN);
    agent = await startAgent();
    lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    a = labEnd(lab, 'a');
    b = labEnd(lab, 'b');
    const loaded = await agent.request(objectLoad, { path: shippedObject('xdp_printk_ping'), name: OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
  });

  after(async () => {
    if (stream) await agent?.request(traceStop, { stream }).catch(() => undefined);
    await agent?.request(labDestroy, { name: TOKEN }).catch(() => undefined);
    await agent?.request(objectUnload, { name: OBJECT }).catch(() => undefined);
    await agent?.dispose();
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });

  it('prints one line per echo request, with the ping\'s sequence numbers', async (t) => {
    const marker = `end-ping ${a.ipv4} > ${b.ipv4} `;
    const events: TraceEvent[] = [];
    agent.connection.onNotification(traceEvents, (p) => {
      if (p.stream === stream) events.push(...(p.events as TraceEvent[]));
    });
    stream = (await agent.request(traceStart, { source: 'trace_pipe', filter: marker })).stream;
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_printk_ping`, dev: b.dev, netns: b.netns, mode: 'native' });

    const r = await ping(a.netns, b.ipv4, { count: 10 });
    assert.equal(r.received, 10, `the program passes every packet:\n${r.output}`);
    // Lines arrive in batches a little after the packets: wait for all ten, or give up after a few seconds and
    // judge what came (others' readers may have taken some).
    for (let waited = 0; events.length < 10 && waited < 3_000; waited += 100) await new Promise((res) => setTimeout(res, 100));
    await agent.request(detach, { attachment: att.id });

    t.diagnostic(`${events.length} of 10 lines reached this stream; first: ${events[0]?.message ?? '-'}`);
    assert.ok(events.length >= 1, 'at least one of our lines arrived');
    for (const ev of events) {
      const m = /^end-ping (\S+) > (\S+) (echo-request|echo-reply) id=(\d+) seq=(\d+)$/.exec(ev.message);
      assert.ok(m, `well-formed line: ${ev.message}`);
      assert.equal(m[3], 'echo-request', 'on b only the requests arrive');
      const seq = Number(m[5]);
      assert.ok(seq >= 1 && seq <= 10, `seq ${seq} is one of this ping's`);
      assert.equal(ev.function, 'bpf_trace_printk');
    }
    const seqs = events.map((ev) => Number(/seq=(\d+)/.exec(ev.message)![1]));
    assert.equal(new Set(seqs).size, seqs.length, 'one line per request');
  });

  it('lab.destroy and object.unload through the agent leave nothing behind', async () => {
    await agent.request(traceStop, { stream: stream! });
    stream = undefined;
    await agent.request(labDestroy, { name: TOKEN });
    await agent.request(objectUnload, { name: OBJECT });
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });
});
