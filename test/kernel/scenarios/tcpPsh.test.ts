// Scenario "tcp psh" (bpf/tc_tcp_psh.bpf.c, every_n = 10) driven through the agent: a TCP stream from a to b, the
// program on the egress of b (the receiver, which sends the pure ACKs). tcpdump on a sees [P.] on 5-20% of those
// ACKs with the program and on none without (the kernel never sets PSH on a pure ACK), and every byte of the
// stream arrives intact either way, so the rewritten ACKs were accepted. (tcpdump's own checksum verdicts are no
// use on veth: segments there are CHECKSUM_PARTIAL and it calls them all "incorrect".)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { attachTc, detach, labCreate, labDestroy, netList, objectLoad, objectUnload } from '../../../protocol/agent';
import type { Lab } from '../../../protocol/types';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { counter, mapOfProgram } from '../helpers/maps';
import { startCapture, type Capture, type CapturedPacket } from '../helpers/tcpdump';
import { runStream, type StreamResult } from '../helpers/tcpStream';

const TOKEN = runToken('bps');
const OBJECT = `end_${TOKEN}_psh`;
const STREAM_BYTES = 8 << 20; // ~80-250 pure ACKs from b: enough for a ratio

describe('tc_tcp_psh through the agent', () => {
  let agent: AgentProcess;
  let lab: Lab;
  let a: LabEnd;
  let b: LabEnd;
  let capture: Capture | undefined;
  const progIds: number[] = [];

  before(async () => {
    await sweepStale('bps'); // what runs of this file that were killed hard left behind
    agent = await startAgent();
    lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    a = labEnd(lab, 'a');
    b = labEnd(lab, 'b');
    const loaded = await agent.request(objectLoad, { path: shippedObject('tc_tcp_psh'), name: OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
  });

  after(async () => {
    capture?.dispose();
    await agent?.request(labDestroy, { name: TOKEN }).catch(() => undefined);
    await agent?.request(objectUnload, { name: OBJECT }).catch(() => undefined);
    await agent?.dispose();
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });

  /** Streams a -> b on `port` while tcpdump on a watches what b sends; returns b's pure ACKs and the stream. */
  async function streamAndWatch(port: number): Promise<{ acks: CapturedPacket[]; stream: StreamResult }> {
    capture = await startCapture(a.netns, a.dev, { filter: ['tcp', 'and', 'src', 'host', b.ipv4, 'and', 'src', 'port', String(port)] });
    const stream = await runStream({ server: { netns: b.netns, port }, client: { netns: a.netns, host: b.ipv4 }, bytes: STREAM_BYTES });
    const packets = await capture.stop();
    capture = undefined;
    // Pure ACKs: no payload, none of SYN/FIN/RST; with or without the PSH the program may have added.
    const acks = packets.filter((p) => p.length === 0 && (p.flags === '.' || p.flags === 'P.'));
    return { acks, stream };
  }

  it('without the program: no pure ACK carries PSH, and the stream arrives intact', async (t) => {
    const { acks, stream } = await streamAndWatch(5101);
    t.diagnostic(`${acks.filter((p) => p.flags === 'P.').length} of ${acks.length} pure ACKs with PSH`);
    assert.deepEqual(stream.received, stream.sent, 'bytes and sha256 match');
    assert.ok(acks.length >= 20, `enough ACKs to judge (${acks.length})`);
    assert.equal(acks.filter((p) => p.flags === 'P.').length, 0, 'the kernel never sets PSH on a pure ACK');
  });

  // The same program through both of the kernel's egress hooks: clsact + cls_bpf (tc) and tcx (kernel >= 6.6).
  for (const [via, port] of [
    ['tc', 5110],
    ['tcx', 5120],
  ] as const) {
    it(`with the program on b egress (via ${via}): 5-20% of the pure ACKs carry PSH, and the stream arrives intact`, async (t) => {
      const att = await agent.request(attachTc, { program: `${OBJECT}/tc_tcp_psh`, dev: b.dev, netns: b.netns, direction: 'egress', via });
      progIds.push(att.progId!);
      const net = await agent.request(netList, { netns: b.netns });
      const shown = net.namespaces.flatMap((n) => n.attachments).filter((x) => x.dev === b.dev && x.direction === 'egress');
      assert.deepEqual(
        shown.map((x) => x.progId),
        [att.progId],
        'the kernel lists it on b egress',
      );
      const stats = await mapOfProgram(agent, att.progId!, 'psh_stats');
      const markedBefore = await counter(agent, stats, 'marked');

      const { acks, stream } = await streamAndWatch(port + 1);
      assert.deepEqual(stream.received, stream.sent, 'bytes and sha256 match: the rewritten ACKs were accepted');
      const withPsh = acks.filter((p) => p.flags === 'P.').length;
      const ratio = withPsh / acks.length;
      const marked = (await counter(agent, stats, 'marked')) - markedBefore;
      t.diagnostic(`PSH on ${withPsh} of ${acks.length} pure ACKs (${(ratio * 100).toFixed(1)}%); the program marked ${marked}`);
      assert.ok(acks.length >= 20, `enough ACKs to judge (${acks.length})`);
      assert.ok(ratio >= 0.05 && ratio <= 0.2, `PSH on ${withPsh} of ${acks.length} pure ACKs (${(ratio * 100).toFixed(1)}%)`);
      assert.ok(withPsh <= marked && withPsh >= marked - 2, `tcpdump saw ${withPsh} [P.] ACKs, the program marked ${marked}`);

      await agent.request(detach, { attachment: att.id });
      const again = await streamAndWatch(port + 2);
      assert.deepEqual(again.stream.received, again.stream.sent);
      assert.equal(again.acks.filter((p) => p.flags === 'P.').length, 0, 'no PSH once detached');
    });
  }

  it('lab.destroy and object.unload through the agent leave nothing behind', async () => {
    await agent.request(labDestroy, { name: TOKEN });
    await agent.request(objectUnload, { name: OBJECT });
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });
});
