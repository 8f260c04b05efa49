// Scenario "sockmap" (bpf/sockmap_redir.bpf.c: sock_ops + sk_msg over a SOCKHASH) driven through the agent. A
// client and a server in one cgroup talk over 127.0.0.1 inside a lab namespace. Without the programs tcpdump on
// that namespace's lo sees the data segments; with them it sees only the handshake and the teardown, and every
// byte still arrives: the data went socket to socket. After detach the data is on the wire again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { attachCgroup, attachSkMsg, detach, labCreate, labDestroy, objectLoad, objectUnload } from '../../../protocol/agent';
import type { Lab } from '../../../protocol/types';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { createCgroup, removeCgroup } from '../helpers/cgroup';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { counter, mapOfProgram } from '../helpers/maps';
import { startCapture, type Capture, type CapturedPacket } from '../helpers/tcpdump';
import { runStream, type StreamResult } from '../helpers/tcpStream';

const TOKEN = runToken('bsm');
const OBJECT = `end_${TOKEN}_redir`;
const CGROUP = `end_${TOKEN}_cg`;
const STREAM_BYTES = 1 << 20;

describe('sockmap_redir through the agent', () => {
  let agent: AgentProcess;
  let lab: Lab;
  let a: LabEnd;
  let cgroup: string;
  let capture: Capture | undefined;
  const progIds: number[] = [];

  before(async () => {
    await sweepStale('bsm'); // what runs of this file that were killed hard left behind
    agent = await startAgent();
    lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    a = labEnd(lab, 'a');
    cgroup = createCgroup(CGROUP);
    const loaded = await agent.request(objectLoad, { path: shippedObject('sockmap_redir'), name: OBJECT });
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

  /** A localhost stream inside the cgroup, in a's namespace, watched on its lo. */
  async function localStream(port: number): Promise<{ packets: CapturedPacket[]; stream: StreamResult }> {
    capture = await startCapture(a.netns, 'lo', { filter: ['tcp', 'port', String(port)] });
    const stream = await runStream({
      server: { netns: a.netns, port, bind: '127.0.0.1', cgroup },
      client: { netns: a.netns, host: '127.0.0.1', cgroup },
      bytes: STREAM_BYTES,
    });
    const packets = await capture.stop();
    capture = undefined;
    return { packets, stream };
  }

  const dataSegments = (packets: CapturedPacket[]) => packets.filter((p) => (p.length ?? 0) > 0);

  it('without the programs the data goes over lo', async (t) => {
    const { packets, stream } = await localStream(5201);
    t.diagnostic(`${packets.length} packets on lo, ${dataSegments(packets).length} with data`);
    assert.deepEqual(stream.received, stream.sent, 'bytes and sha256 match');
    assert.ok(dataSegments(packets).length > 0, `data segments on lo: ${packets.map((p) => p.line).join('\n')}`);
  });

  it('with sock_ops on the cgroup and sk_msg on the sockhash: no data segment on lo, every byte arrives', async (t) => {
    const ops = await agent.request(attachCgroup, { program: `${OBJECT}/sockops_track`, cgroup, type: 'sock_ops' });
    const msg = await agent.request(attachSkMsg, { program: `${OBJECT}/skmsg_redirect`, map: `${OBJECT}/sock_hash` });
    const stats = await mapOfProgram(agent, ops.progId!, 'redir_stats');
    const socketsBefore = await counter(agent, stats, 'sockets');
    const redirectedBefore = await counter(agent, stats, 'redirected');

    const { packets, stream } = await localStream(5202);
    t.diagnostic(
      `${packets.length} packets on lo (${packets.map((p) => p.flags).join(' ')}), ${dataSegments(packets).length} with data; ${stream.received.bytes} bytes arrived`,
    );
    assert.deepEqual(stream.received, stream.sent, 'bytes and sha256 match');
    assert.deepEqual(
      dataSegments(packets).map((p) => p.line),
      [],
      'no data segment on lo',
    );
    assert.ok(
      packets.some((p) => p.flags === 'S'),
      'the handshake is still on lo',
    );
    assert.equal((await counter(agent, stats, 'sockets')) - socketsBefore, 2, 'both ends went into the sockhash');
    assert.ok((await counter(agent, stats, 'redirected')) - redirectedBefore > 0, 'messages were redirected');

    await agent.request(detach, { attachment: msg.id });
    await agent.request(detach, { attachment: ops.id });
    const again = await localStream(5203);
    assert.deepEqual(again.stream.received, again.stream.sent);
    assert.ok(dataSegments(again.packets).length > 0, 'data on lo again after detach');
  });

  it('lab.destroy, object.unload and removing the cgroup leave nothing behind', async () => {
    await agent.request(labDestroy, { name: TOKEN });
    await agent.request(objectUnload, { name: OBJECT });
    await removeCgroup(cgroup);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });
});
