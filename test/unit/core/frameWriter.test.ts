// protocol/frameWriter.ts: each JSON-RPC message leaves in ONE write (header and body together), so that over SSH
// it is one packet and never waits for the acknowledgement of its own header (Nagle + delayed ACK, up to 40 ms);
// the Content-Length counts bytes, not characters; vscode-jsonrpc's reader reads the frames back in order. A reply
// whose result's JSON text is already known (protocol/jsonText.ts) is written as that text, not serialized again,
// and text of any mix of 1- to 4-byte characters is encoded whole whatever its pieces.
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { StreamMessageReader, type Message } from 'vscode-jsonrpc/node';
import { FrameWriter, frameOf } from '../../../protocol/frameWriter';
import { withJsonText } from '../../../protocol/jsonText';

/** A stream that keeps each write as one chunk, to count the writes. */
function chunkSink(): { chunks: Buffer[]; sink: Writable } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { chunks, sink };
}

describe('FrameWriter', () => {
  it('writes each message as one chunk whose Content-Length is the byte length of its body', async () => {
    const { chunks, sink } = chunkSink();
    const w = new FrameWriter(sink);
    const msg = { jsonrpc: '2.0', id: 1, result: { name: 'größe ✓' } } as Message;
    await w.write(msg);
    await w.write({ jsonrpc: '2.0', method: 'agent.log', params: { level: 'info', message: 'x' } } as Message);
    assert.equal(chunks.length, 2, 'one write per message');
    const text = chunks[0].toString('utf8');
    const [header, body] = text.split('\r\n\r\n');
    assert.equal(header, `Content-Length: ${Buffer.byteLength(body, 'utf8')}`);
    assert.ok(Buffer.byteLength(body, 'utf8') > body.length, 'the body has multi-byte characters');
    assert.deepEqual(JSON.parse(body), msg);
  });

  it('is read back in order by vscode-jsonrpc', async () => {
    const pipe = new PassThrough();
    const w = new FrameWriter(pipe);
    const reader = new StreamMessageReader(pipe);
    const got: Message[] = [];
    const all = new Promise<void>((resolve) =>
      reader.listen((m) => {
        got.push(m);
        if (got.length === 3) resolve();
      }),
    );
    for (let id = 1; id <= 3; id++) void w.write({ jsonrpc: '2.0', id, result: 'é'.repeat(id * 1000) } as Message);
    await all;
    assert.deepEqual(
      got.map((m) => (m as unknown as { id: number }).id),
      [1, 2, 3],
    );
    reader.dispose();
  });

  it('writes a result whose JSON text is known as that text', async () => {
    const { chunks, sink } = chunkSink();
    // spaced unlike JSON.stringify, to see that the text is written and the value not serialized again
    const result = withJsonText({ a: 'é', b: [1, 2] }, ['{"a": ', '"é"', ', "b": [', '1', ',', '2', ']}']);
    await new FrameWriter(sink).write({ jsonrpc: '2.0', id: 3, result } as Message);
    const body = '{"jsonrpc":"2.0","id":3,"result":{"a": "é", "b": [1,2]}}';
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0].toString('utf8'), `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    assert.deepEqual(JSON.parse(body).result, result);
  });

  it('encodes pieces of 1- to 4-byte characters whole, with the byte length in the header', () => {
    const chars = ['a', '"', 'é', '€', '𝄞', '\ud800'];
    let seed = 7;
    const pick = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 2000; round++) {
      const pieces = Array.from({ length: 1 + pick(5) }, () => Array.from({ length: pick(7) }, () => chars[pick(chars.length)]).join(''));
      const frame = frameOf(pieces);
      const at = frame.indexOf('\r\n\r\n');
      const body = Buffer.from(pieces.join(''), 'utf8');
      assert.equal(frame.subarray(0, at).toString('latin1'), `Content-Length: ${body.byteLength}`, JSON.stringify(pieces));
      assert.ok(frame.subarray(at + 4).equals(body), JSON.stringify(pieces));
    }
  });
});
