// Scenario "live trace hello" (bpf/xdp_printk_ping.bpf.c) driven through the agent: with the program on b's
// interface, each echo request a sends shows up as one `end-ping A > B echo-request id=.. seq=N` line in the
// agent's trace_pipe stream. trace_pipe is global and read destructively: another reader on this host (another
// test's agent) may take some of the lines, so the test asks for at least one of ours, all well-formed, and
// tolerates lines that are not (the filter is our lab's own addresses, derived from its unique name).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  attachXdp,
  detach,
  labCreate,
  labDestroy,
  objectLoad,
  objectUnload,
  traceEvents,
  traceStart,
  traceStop,
} from '../../../protocol/agent';
import type { Lab, TraceEvent } from '../../../protocol/types';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { ping } from '../helpers/ping';
import { tracePipeReaders } from '../helpers/tracePipe';
import { until } from '../helpers/until';

const TOKEN = runToken('bpk');

const OBJECT = `end_${TOKEN}_printk`;

describe('xdp_printk_ping through the agent and its trace_pipe stream', () => {
  let agent: AgentProcess;
  let lab: Lab;
  let a: LabEnd;
  let b: LabEnd;
  let stream: string | undefined;
  const progIds: number[] = [];

  before(async () => {
    await sweepStale('bpk'); // what runs of this file that were killed hard left behind
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

  it("prints one line per echo request, with the ping's sequence numbers", async (t) => {
    const marker = `end-ping ${a.ipv4} > ${b.ipv4} `;
    const events: TraceEvent[] = [];
    agent.connection.onNotification(traceEvents, (p) => {
      if (p.stream === stream) events.push(...(p.events as TraceEvent[]));
    });
    stream = (await agent.request(traceStart, { source: 'trace_pipe', filter: marker })).stream;
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_printk_ping`, dev: b.dev, netns: b.netns, mode: 'native' });

    // trace_pipe is one ring buffer for the whole host: another reader may take our lines, and a flood from
    // someone else's test may overwrite them before anyone reads. So ping in rounds until a round's lines arrive
    // (at most 5 rounds), waiting up to 3 s per round for the batches, and judge every line that came.
    let rounds = 0;
    let received = 0;
    const readers: string[] = [];
    while (rounds < 5 && events.length === 0) {
      if (rounds) readers.push(`before round ${rounds + 1}: ${tracePipeReaders().join(', ') || 'none'}`);
      rounds++;
      const r = await ping(a.netns, b.ipv4, { count: 10 });
      received += r.received;
      assert.equal(r.received, 10, `the program passes every packet:\n${r.output}`);
      await until(() => events.length >= 10, "this round's lines", 3_000, 100).catch(() => undefined);
    }
    await agent.request(detach, { attachment: att.id });

    t.diagnostic(
      `${events.length} lines reached this stream for ${received} echo requests in ${rounds} round(s); first: ${events[0]?.message ?? '-'}`,
    );
    assert.ok(
      events.length >= 1,
      `our lines arrived (trace_pipe readers: ${readers.join('; ')}; agent log: ${agent.logs.map((l) => `${l.level}: ${l.message}`).join('; ') || 'nothing'})`,
    );
    const seen = new Set<string>();
    for (const ev of events) {
      const m = /^end-ping (\S+) > (\S+) (echo-request|echo-reply) id=(\d+) seq=(\d+)$/.exec(ev.message);
      assert.ok(m, `well-formed line: ${ev.message}`);
      assert.equal(m[3], 'echo-request', 'on b only the requests arrive');
      const seq = Number(m[5]);
      assert.ok(seq >= 1 && seq <= 10, `seq ${seq} is one of a ping's ten`);
      assert.equal(ev.function, 'bpf_trace_printk');
      assert.ok(!seen.has(`${m[4]}/${seq}`), `one line per request (${ev.message})`);
      seen.add(`${m[4]}/${seq}`);
    }
  });

  it('lab.destroy and object.unload through the agent leave nothing behind', async () => {
    await agent.request(traceStop, { stream: stream! });
    stream = undefined;
    await agent.request(labDestroy, { name: TOKEN });
    await agent.request(objectUnload, { name: OBJECT });
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });
});
