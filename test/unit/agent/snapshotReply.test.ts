// remote-agent/listings/snapshotReply.ts gives listings.snapshot's reply with its JSON text already known (the
// items' text it serialized for the digests, protocol/jsonText.ts), and FrameWriter writes that text instead of
// serializing the reply again: the text must be exactly the reply's JSON in every shape of reply (every part sent,
// parts left out as unchanged, parts sent as edits, a part that failed, names that are not ASCII), and a client
// reading the frame must get the reply.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { StreamMessageReader, type Message } from 'vscode-jsonrpc/node';
import * as P from '../../../protocol/agent';
import { FrameWriter } from '../../../protocol/frameWriter';
import { jsonTextOf } from '../../../protocol/jsonText';
import { leaveOutUnchanged, SnapshotMemory } from '../../../remote-agent/listings/snapshotReply';

const prog = (id: number, name = `p${id}`) =>
  ({
    id,
    type: 'xdp',
    name,
    tag: '00',
    gplCompatible: true,
    mapIds: [id],
    pinned: [`/sys/fs/bpf/${name}`],
    orphaned: false,
  }) as unknown as P.ListingsSnapshotParts['programs'][number];

function parts(): P.ListingsSnapshotParts {
  return {
    programs: [prog(1), prog(2, 'größe_✓')],
    maps: [],
    net: { namespaces: [{ name: 'root', interfaces: [], attachments: [] }] },
    cgroups: [],
    pins: [],
    labs: [],
    attachments: [],
  };
}

const text = (reply: P.ListingsSnapshotReply) => {
  const pieces = jsonTextOf(reply);
  assert.ok(pieces, 'the reply carries its JSON text');
  return pieces.join('');
};

test('the known text of every shape of reply is the JSON of that reply', () => {
  const memory = new SnapshotMemory();
  const whole = leaveOutUnchanged(parts(), {}, {}, { deltas: true, memory });
  assert.equal(text(whole), JSON.stringify(whole), 'every part sent');

  const same = leaveOutUnchanged(parts(), {}, whole.digests, { deltas: true, memory });
  assert.equal(same.unchanged.length, P.SNAPSHOT_PARTS.length);
  assert.equal(text(same), JSON.stringify(same), 'every part left out');

  const more = parts();
  more.programs.push(prog(3, 'ñ'));
  more.net.namespaces.push({ name: 'lab_é', interfaces: [], attachments: [] });
  const edits = leaveOutUnchanged(more, {}, whole.digests, { deltas: true, memory });
  assert.ok(edits.deltas?.programs && edits.deltas.net, 'programs and net sent as edits');
  assert.equal(text(edits), JSON.stringify(edits), 'parts sent as edits');

  const replaced = parts();
  replaced.programs = [prog(9)];
  const sentWhole = leaveOutUnchanged(replaced, {}, whole.digests, { deltas: true, memory });
  assert.deepEqual(sentWhole.programs, [prog(9)]);
  assert.equal(text(sentWhole), JSON.stringify(sentWhole), 'a changed part sent whole among unchanged ones');

  const failed = leaveOutUnchanged({ ...parts(), programs: [] }, { programs: 'bpftool failed: "quoted" \n' }, whole.digests);
  assert.equal(failed.digests.programs, undefined);
  assert.equal(text(failed), JSON.stringify(failed), 'a failed part');
});

test('FrameWriter frames the known text, and vscode-jsonrpc reads the reply back', async () => {
  const pipe = new PassThrough();
  const reader = new StreamMessageReader(pipe);
  const got = new Promise<Message>((resolve) => reader.listen(resolve));
  const reply = leaveOutUnchanged(parts(), {}, {});
  await new FrameWriter(pipe).write({ jsonrpc: '2.0', id: 7, result: reply } as Message);
  assert.deepEqual(await got, { jsonrpc: '2.0', id: 7, result: JSON.parse(JSON.stringify(reply)) });
  reader.dispose();
});
