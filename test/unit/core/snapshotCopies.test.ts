// The client's merge of listings.snapshot replies (extension/core/snapshotCopies.ts) through AgentClient over an
// in-memory stream pair: the other end serves the method with the agent's own reply builder
// (remote-agent/listings/snapshot.ts leaveOutUnchanged) over a kernel state the test changes. What the caller gets
// must always equal the current state: parts left out come from the held copy, changed parts come fresh, a failed
// part is never held, and a first request (or one after a reply naming a part this client has no copy of) sends
// no `have` for it. With the agent's memory of parts sent, a changed part comes as the edits to the held copy
// (deltas), and a delta against a copy the client does not hold is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as P from '../../../protocol/agent';
import { AgentClient } from '../../../extension/core/agentClient';
import { FrameWriter } from '../../../protocol/frameWriter';
import { leaveOutUnchanged, SnapshotMemory } from '../../../remote-agent/listings/snapshotReply';

const prog = (id: number) =>
  ({
    id,
    type: 'xdp',
    name: `p${id}`,
    tag: '00',
    gplCompatible: true,
    mapIds: [],
    pinned: [],
    orphaned: false,
  }) as unknown as P.ListingsSnapshotParts['programs'][number];

function state(): P.ListingsSnapshotParts & { errors: Record<string, string> } {
  return { programs: [prog(1), prog(2)], maps: [], net: { namespaces: [] }, cgroups: [], pins: [], labs: [], attachments: [], errors: {} };
}

/**
 * A client, and a server answering listings.snapshot from `kernel` as the agent does (its replies framed by the
 * agent's FrameWriter from their known JSON text); `seen` holds the params.
 */
function serve(kernel: ReturnType<typeof state>, memory?: SnapshotMemory) {
  const toAgent = new PassThrough();
  const toClient = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(toAgent), new FrameWriter(toClient));
  const client = new AgentClient(toClient, toAgent, { clientName: 'test', clientVersion: '9.9.9' });
  const seen: P.ListingsSnapshotParams[] = [];
  const replies: P.ListingsSnapshotReply[] = [];
  server.onRequest(P.listingsSnapshot, (params) => {
    seen.push(params);
    const { errors, ...parts } = structuredClone(kernel);
    const reply = leaveOutUnchanged(parts, errors, params?.have ?? {}, { deltas: params?.deltas, memory });
    replies.push(reply);
    return reply;
  });
  server.listen();
  const close = () => {
    client.dispose();
    server.dispose();
  };
  return { client, seen, replies, close };
}

test('a first snapshot sends no have; the next sends the digests and gets the unchanged parts from the copies', async () => {
  const kernel = state();
  const { client, seen, replies, close } = serve(kernel);
  const a = await client.listingsSnapshot();
  assert.deepEqual(seen[0], {}, 'no copy yet: no have');
  assert.deepEqual(a, kernel);
  const b = await client.listingsSnapshot();
  assert.deepEqual(Object.keys(seen[1].have ?? {}), [...P.SNAPSHOT_PARTS]);
  assert.deepEqual(replies[1].unchanged, [...P.SNAPSHOT_PARTS], 'nothing sent again');
  assert.deepEqual(b, kernel);
  close();
});

test('a changed part comes fresh, the others from the copies', async () => {
  const kernel = state();
  const { client, replies, close } = serve(kernel);
  await client.listingsSnapshot();
  kernel.programs.push(prog(3));
  const b = await client.listingsSnapshot();
  assert.equal(replies[1].unchanged.includes('programs'), false);
  assert.ok(replies[1].unchanged.includes('maps'));
  assert.deepEqual(b, kernel, 'the new program shows');
  kernel.programs.splice(0, 1);
  assert.deepEqual(await client.listingsSnapshot(), kernel, 'and its removal too');
  close();
});

test('a failed part is empty, not held and not asked with have; it comes again when it works', async () => {
  const kernel = state();
  const { client, seen, close } = serve(kernel);
  await client.listingsSnapshot();
  const good = kernel.maps;
  kernel.maps = [];
  kernel.errors = { maps: 'bpftool map show failed' };
  const b = await client.listingsSnapshot();
  assert.deepEqual(b.maps, [], 'the failure shows, not the old copy');
  assert.deepEqual(b.errors, kernel.errors);
  await client.listingsSnapshot();
  assert.equal(seen[2].have?.maps, undefined, 'no have for a part that failed');
  kernel.maps = [...good, { id: 9 } as unknown as P.ListingsSnapshotParts['maps'][number]];
  kernel.errors = {};
  const d = await client.listingsSnapshot();
  assert.deepEqual(d.maps, kernel.maps);
  close();
});

test('a reply calling a part unchanged that this client holds under another digest is refused, and the copies dropped', async () => {
  const kernel = state();
  const toAgent = new PassThrough();
  const toClient = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(toAgent), new StreamMessageWriter(toClient));
  const client = new AgentClient(toClient, toAgent, { clientName: 'test', clientVersion: '9.9.9' });
  const seen: P.ListingsSnapshotParams[] = [];
  let lie = false;
  server.onRequest(P.listingsSnapshot, (params) => {
    seen.push(params);
    const { errors, ...parts } = structuredClone(kernel);
    const reply = leaveOutUnchanged(parts, errors, params?.have ?? {});
    if (lie) {
      delete reply.programs;
      reply.unchanged.push('programs');
      reply.digests.programs = 'f'.repeat(40);
    }
    return reply;
  });
  server.listen();
  await client.listingsSnapshot();
  kernel.programs.push(prog(3));
  lie = true;
  await assert.rejects(client.listingsSnapshot(), /called programs unchanged/);
  lie = false;
  const c = await client.listingsSnapshot();
  assert.deepEqual(seen[2], {}, 'after a bad reply no copy is trusted');
  assert.deepEqual(c, kernel);
  client.dispose();
  server.dispose();
});

test('with deltas a changed part comes as the edits to the held copy, and the result is the current state', async () => {
  const kernel = state();
  kernel.net = { namespaces: [{ name: 'root', interfaces: [], attachments: [] }] };
  const { client, seen, replies, close } = serve(kernel, new SnapshotMemory());
  await client.listingsSnapshot();
  assert.equal(seen[0].deltas, undefined, 'no copy: nothing to edit');
  kernel.programs.push(prog(3));
  kernel.net.namespaces.push({ name: 'lab_a', interfaces: [], attachments: [] });
  const b = await client.listingsSnapshot();
  assert.equal(seen[1].deltas, true);
  assert.equal(replies[1].programs, undefined, 'not sent whole');
  assert.deepEqual(replies[1].deltas?.programs?.splices, [[2, 0, [prog(3)]]]);
  assert.deepEqual(replies[1].deltas?.net?.splices, [[1, 0, [{ name: 'lab_a', interfaces: [], attachments: [] }]]]);
  assert.deepEqual(b, kernel);
  kernel.programs.splice(0, 1);
  assert.deepEqual(await client.listingsSnapshot(), kernel, 'an unloaded program is gone');
  assert.deepEqual(replies[2].deltas?.programs?.splices, [[0, 1, []]]);
  kernel.programs = [prog(7)];
  assert.deepEqual(await client.listingsSnapshot(), kernel, 'every item changed: sent whole');
  assert.deepEqual(replies[3].programs, [prog(7)]);
  close();
});

test('a delta against a copy this client does not hold is refused, and the copies dropped', async () => {
  const kernel = state();
  const toAgent = new PassThrough();
  const toClient = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(toAgent), new StreamMessageWriter(toClient));
  const client = new AgentClient(toClient, toAgent, { clientName: 'test', clientVersion: '9.9.9' });
  const seen: P.ListingsSnapshotParams[] = [];
  const memory = new SnapshotMemory();
  let lie = false;
  server.onRequest(P.listingsSnapshot, (params) => {
    seen.push(params);
    const { errors, ...parts } = structuredClone(kernel);
    const reply = leaveOutUnchanged(parts, errors, params?.have ?? {}, { deltas: params?.deltas, memory });
    if (lie && reply.deltas?.programs) reply.deltas.programs.base = '0'.repeat(40);
    return reply;
  });
  server.listen();
  await client.listingsSnapshot();
  kernel.programs.push(prog(3));
  lie = true;
  await assert.rejects(client.listingsSnapshot(), /sent programs as edits to a copy this client does not hold/);
  lie = false;
  kernel.programs.push(prog(4));
  const c = await client.listingsSnapshot();
  assert.deepEqual(seen[2], {}, 'after a bad reply no copy is trusted');
  assert.deepEqual(c, kernel);
  client.dispose();
  server.dispose();
});
