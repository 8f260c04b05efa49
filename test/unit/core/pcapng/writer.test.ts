// PcapngWriter: one IDB per interface and namespace, packets cut to the snaplen, bad input refused before any byte
// of its block is written, a Writable's backpressure passed back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { PcapngWriter, buildPcapng, writerFor, LINKTYPE } from '../../../../extension/core/pcapng';
import { icmpEchoIpv4 } from './frames';

/** Block types and total lengths of a file, walking it as a reader would. */
function blocks(file: Buffer): { type: number; length: number; at: number }[] {
  const out = [];
  for (let at = 0; at < file.length;) {
    const length = file.readUInt32LE(at + 4);
    assert.equal(file.readUInt32LE(at + length - 4), length, `trailing length of the block at ${at}`);
    out.push({ type: file.readUInt32LE(at), length, at });
    at += length;
  }
  return out;
}

describe('PcapngWriter', () => {
  it('writes one IDB per (interface, namespace) and reuses its id', () => {
    const chunks: Buffer[] = [];
    const w = new PcapngWriter(
      (c) => {
        chunks.push(c);
      },
      { application: 'test' },
    );
    const a = w.interfaceId({ name: 'eth0', namespace: 'end_a', linkType: LINKTYPE.ETHERNET, snaplen: 128 });
    const b = w.interfaceId({ name: 'eth0', namespace: 'end_b', linkType: LINKTYPE.ETHERNET, snaplen: 128 });
    assert.equal(w.interfaceId({ name: 'eth0', namespace: 'end_a', linkType: LINKTYPE.ETHERNET, snaplen: 128 }), a);
    assert.deepEqual([a, b], [0, 1]);
    w.packet({ interfaceId: b, timestampNs: 1n, data: icmpEchoIpv4('10.0.0.1', '10.0.0.2', 1, 1) });
    assert.equal(w.interfaces, 2);
    assert.equal(w.packets, 1);
    assert.deepEqual(
      blocks(Buffer.concat(chunks)).map((x) => x.type),
      [0x0a0d0d0a, 1, 1, 6],
    );
    assert.match(chunks[2]!.toString('latin1'), /netns end_b/);
  });

  it('cuts data to the snaplen and keeps the original length', () => {
    const file = buildPcapng(
      [{ name: 'eth0', linkType: LINKTYPE.RAW, snaplen: 32 }],
      [{ interfaceId: 0, timestampNs: 5, data: icmpEchoIpv4('10.0.0.1', '10.0.0.2', 1, 1) }],
    );
    const epb = blocks(file).find((x) => x.type === 6)!;
    assert.equal(file.readUInt32LE(epb.at + 20), 32);
    assert.equal(file.readUInt32LE(epb.at + 24), 84);
  });

  it('refuses bad input with the reason, writing nothing of that block', () => {
    const chunks: Buffer[] = [];
    const w = new PcapngWriter((c) => {
      chunks.push(c);
    });
    assert.throws(() => w.packet({ interfaceId: 0, timestampNs: 0, data: Buffer.alloc(4) }), /no interface 0/);
    const id = w.interfaceId({ name: 'lo', linkType: LINKTYPE.RAW });
    assert.throws(
      () => w.packet({ interfaceId: id, timestampNs: 0, data: Buffer.alloc(40), originalLength: 20 }),
      /original length 20 is less than the 40 bytes captured/,
    );
    assert.throws(() => w.packet({ interfaceId: id, timestampNs: -1n, data: Buffer.alloc(4) }), /negative timestamp/);
    assert.throws(() => w.interfaceId({ name: '', linkType: LINKTYPE.RAW }), /empty name/);
    assert.throws(
      () => w.packet({ interfaceId: id, timestampNs: 0, data: Buffer.alloc(4), comments: ['x'.repeat(70_000)] }),
      /at most 65535/,
    );
    assert.equal(chunks.length, 2);
    assert.equal(w.packets, 0);
  });

  it("passes a Writable's backpressure back from packet()", async () => {
    const seen: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 64,
      write(chunk: Buffer, _e, done) {
        seen.push(chunk);
        setImmediate(done);
      },
    });
    const w = writerFor(slow);
    const id = w.interfaceId({ name: 'eth0', linkType: LINKTYPE.RAW });
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      if (!w.packet({ interfaceId: id, timestampNs: i, data: icmpEchoIpv4('10.0.0.1', '10.0.0.2', 1, i) })) {
        refused++;
        await new Promise((r) => slow.once('drain', r));
      }
    }
    await new Promise<void>((r) => slow.end(r));
    assert.equal(refused, 10);
    assert.equal(blocks(Buffer.concat(seen)).filter((x) => x.type === 6).length, 10);
  });
});
