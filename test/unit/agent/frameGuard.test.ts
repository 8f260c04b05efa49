// The frame guard in front of the agent's JSON-RPC reader: well-formed frames pass byte for byte (also split at any
// point), and framing garbage is reported once and nothing after it passes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameGuard } from '../../../remote-agent/core/frameGuard';

function frame(body: string): Buffer {
  return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

async function feed(chunks: Buffer[], maxMessage?: number): Promise<{ out: Buffer; garbage: string[] }> {
  const garbage: string[] = [];
  const g = new FrameGuard((why) => garbage.push(why), maxMessage);
  const out: Buffer[] = [];
  g.on('data', (d: Buffer) => out.push(d));
  for (const c of chunks) g.write(c);
  g.end();
  await new Promise((r) => g.once('end', r));
  return { out: Buffer.concat(out), garbage };
}

const hello = frame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { clientName: 'é', clientVersion: '1' } }));
const note = frame(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 } }));

describe('frame guard', () => {
  it('passes frames unchanged, also byte by byte', async () => {
    const both = Buffer.concat([hello, note]);
    assert.deepEqual((await feed([both])).out, both);
    const bytes = [...both].map((b) => Buffer.from([b]));
    const r = await feed(bytes);
    assert.deepEqual(r.out, both);
    assert.deepEqual(r.garbage, []);
  });

  it('reports garbage once and passes nothing after it', async () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /not "Name: value"|without Content-Length/],
      [Buffer.from('Content-Length: abc\r\n\r\n{}'), /not a number/],
      [Buffer.from('Content-Length: 5\r\nContent-Length: 5\r\n\r\n{"a":'), /two Content-Length/],
      [Buffer.from('Content-Length: 99999999999\r\n\r\n'), /not a number|at most/],
      [Buffer.from(`Content-Length: 2000\r\n\r\n${'x'.repeat(2000)}`), /at most 1000/],
      [frame('{"jsonrpc":"2.0","id":1,'), /not JSON/],
      [frame('[{"jsonrpc":"2.0","id":1,"method":"x"}]'), /not a JSON-RPC message object/],
      [frame('{"id":1,"method":"x"}'), /"jsonrpc": "2.0"/],
      [frame('{"jsonrpc":"2.0","id":{"a":1},"method":"x"}'), /id is not/],
      [frame('{"jsonrpc":"2.0"}'), /neither/],
      [Buffer.from('x'.repeat(5000)), /header longer/],
      [Buffer.from('Content-Length: 0\r\n\r\n'), /empty/],
    ];
    for (const [garbage, why] of cases) {
      const r = await feed([hello, garbage, hello], 1000);
      assert.equal(r.garbage.length, 1, garbage.toString('latin1').slice(0, 40));
      assert.match(r.garbage[0], why);
      assert.deepEqual(r.out, hello, 'the frame before passed, nothing after');
    }
  });
});
