// Drops as the agent names them and the client shows them: a real event_pipe capture of a ping dropped by nftables
// (test/fixtures/packetPath/event-pipe-drop.txt), decoded with this host's own enum skb_drop_reason (as bpftool
// printed it) and kallsyms lines; the text on the last hop; the packet bytes and their pcapng.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DropNamer, dropReasonsFromBtfJson, parseKallsyms, symbolAt } from '../../../remote-agent/packetPath/dropNames';
import { formatPacketPaths, groupPacketPaths, PacketPathPcapng } from '../../../extension/core/packetPath';
import { decodeEventPipe, eventPipeText, FIXTURES, lab } from './fixtures';

const btfJson = readFileSync(join(FIXTURES, 'btf-skb-drop-reason.json'), 'utf8');
const kallsyms = readFileSync(join(FIXTURES, 'kallsyms-excerpt.txt'), 'utf8');
const reasons = dropReasonsFromBtfJson(btfJson);
const cap = (
  lab as unknown as { dropCapture: { ino: { a: number; b: number }; ifs: { a: string; b: string }; v4: { a: string; b: string } } }
).dropCapture;

function decodeDropCapture() {
  const namer = new DropNamer(reasons, () => kallsyms);
  return decodeEventPipe(eventPipeText('event-pipe-drop.txt'), 4096, {
    drop: (r, l, h) => namer.drop(r, l, h),
    epochOffsetNs: 1_000_000_000n,
  });
}

describe('drop names', () => {
  it('reads enum skb_drop_reason out of bpftool btf dump -j, and nothing else', () => {
    assert.equal(reasons.get(12), 'SKB_DROP_REASON_NETFILTER_DROP');
    assert.equal(reasons.get(1), 'SKB_CONSUMED');
    assert.equal(reasons.get(88), 'SKB_DROP_REASON_IP_INNOROUTES');
    assert.equal(reasons.size, 130);
    assert.equal(dropReasonsFromBtfJson('{"types":[]}').size, 0);
  });

  it('finds the function an address lies in', () => {
    const s = parseKallsyms(kallsyms);
    assert.deepEqual(symbolAt(s, 0xffffffff81f62e38n), { name: 'nft_do_chain', offset: 0x3e8n });
    assert.equal(symbolAt(s, 0x1000n), undefined);
  });

  it('names a drop; without the reason field only the place; unknown numbers and addresses as they are', () => {
    const namer = new DropNamer(reasons, () => kallsyms);
    assert.deepEqual(namer.drop(12, 0xffffffff81f62e38n, true), { reason: 'NETFILTER_DROP', location: 'nft_do_chain' });
    assert.deepEqual(namer.drop(0, 0xffffffff81ff7899n, false), { location: 'ip_forward' });
    assert.deepEqual(new DropNamer(new Map(), () => kallsyms).drop(12, 0xffffffff81fed321n, true), {
      reason: 'reason 12',
      location: 'ip_error',
    });
    assert.equal(namer.location(0xffffffffc0001000n), '0xffffffffc0001000', 'far past the last symbol: not a function of it');
  });

  it('reads kallsyms again when an address lies past what it knew (a module loaded since), at most once a second', () => {
    let reads = 0;
    let now = 0;
    const module = 'ffffffffc0a01000 t nft_do_chain_ipv4\t[nf_tables]';
    const namer = new DropNamer(
      reasons,
      () => (++reads === 1 ? kallsyms : `${kallsyms}${module}\n`),
      () => now,
    );
    assert.equal(namer.location(0xffffffff81f62e38n), 'nft_do_chain');
    now = 5000;
    assert.equal(namer.location(0xffffffffc0a01010n), 'nft_do_chain_ipv4');
    assert.equal(reads, 2);
    assert.equal(namer.location(0xffffffffc0b00000n), '0xffffffffc0b00000');
    assert.equal(reads, 2, 'not again within the second');
  });
});

describe('a ping dropped by nftables (event_pipe capture)', () => {
  it('decodes to three hops, the last a kfree_skb with the reason, the place and the packet bytes', () => {
    const { events, lost } = decodeDropCapture();
    assert.equal(lost, 0);
    assert.deepEqual(
      events.map((e) => [e.tracepoint, e.netnsInode, e.ifname]),
      [
        ['net_dev_queue', cap.ino.a, cap.ifs.a],
        ['netif_rx', cap.ino.b, cap.ifs.b],
        ['kfree_skb', cap.ino.b, cap.ifs.b],
      ],
    );
    assert.deepEqual(events[2].drop, { reason: 'NETFILTER_DROP', location: 'nft_do_chain' });
    assert.equal(events[0].drop, undefined);
    for (const e of events) {
      const bytes = Buffer.from(e.packet!.data, 'base64');
      assert.equal(e.packet!.link, 'ethernet');
      assert.equal(e.packet!.length, 98);
      assert.equal(bytes.length, 98, 'the whole ping fits in 128 bytes');
      assert.equal(bytes.readUInt16BE(12), 0x0800);
      assert.equal(bytes.subarray(26, 30).join('.'), cap.v4.a);
      assert.equal(bytes.subarray(30, 34).join('.'), cap.v4.b);
      assert.equal(bytes[34], 8, 'ICMP echo request');
      assert.equal(BigInt(e.epochNs!), BigInt(e.timestampNs) + 1_000_000_000n);
    }
  });

  it('groups into one packet that carries the drop, printed on its last hop', () => {
    const paths = groupPacketPaths(decodeDropCapture().events);
    assert.equal(paths.length, 1);
    assert.deepEqual(paths[0].drop, { reason: 'NETFILTER_DROP', location: 'nft_do_chain' });
    const lines = formatPacketPaths(paths).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(
      lines[2],
      /capb {2}request #\d+\.001 10\.193\.105\.1 -> 10\.193\.105\.2 {2}\+0\.\d{3} ms {2}kfree_skb {2}DROP NETFILTER_DROP at nft_do_chain$/,
    );
    assert.doesNotMatch(lines[1], /DROP/);
    const noReason = formatPacketPaths([
      { ...paths[0], hops: paths[0].hops.map((h) => (h.drop ? { ...h, drop: { location: 'kfree_skb_list' } } : h)) },
    ]);
    assert.match(noReason, /DROP at kfree_skb_list \(this kernel reports no drop reason\)/);
  });

  it('becomes pcapng: one IDB per (interface, namespace), one EPB per hop, hops without bytes counted', () => {
    const paths = groupPacketPaths(decodeDropCapture().events);
    const chunks: Buffer[] = [];
    const w = new PacketPathPcapng((c) => {
      chunks.push(c);
    }, 128);
    w.add(paths[0]);
    w.add({ ...paths[0], hops: paths[0].hops.map(({ packet: _p, ...h }) => h) });
    assert.equal(w.packets, 3);
    assert.equal(w.withoutBytes, 3);
    const types = [];
    const file = Buffer.concat(chunks);
    for (let at = 0; at < file.length; at += file.readUInt32LE(at + 4)) types.push(file.readUInt32LE(at));
    assert.deepEqual(types, [0x0a0d0d0a, 1, 6, 1, 6, 6]);
    const text = file.toString('latin1');
    assert.match(text, /netns end_cap_a \(4026532389\)|netns 4026532389/);
    assert.match(text, /hop 3\/3 kfree_skb in [^:]+ capb: request #\d+\.001 10\.193\.105\.1 -> 10\.193\.105\.2/);
    assert.match(text, /DROP NETFILTER_DROP at nft_do_chain/);
  });
});
