// protocol/frameWriter.ts: each JSON-RPC message leaves in ONE write (header and body together), so that over SSH
// it is one packet and never waits for the acknowledgement of its own header (Nagle + delayed ACK, up to 40 ms);
// the Content-Length counts bytes, not characters; vscode-jsonrpc's reader reads the frames back in order.
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { StreamMessageReader, type Message } from 'vscode-jsonrpc/node';
import { FrameWriter } from '../../../protocol/frameWriter';

describe('FrameWriter', () => {
  it('writes each message as one chunk whose Content-Length is the byte length of its body', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
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
});
