// Framing garbage on the agent's stdin: after a good request is answered, the agent says what was wrong (stderr and
// agent.log) and exits with status 3 instead of running on deaf. An oversize frame is refused from its header,
// before its body is read. Token: hfr (no kernel objects: nothing to leave behind but processes, checked).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { AGENT_BUNDLE, buildAgent } from '../kernel/helpers/agentProcess';
import { tmpDir } from '../kernel/helpers/scratch';
import { until } from '../kernel/helpers/until';

function frame(body: string): Buffer {
  return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
const hello = frame(
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { clientName: 'hostile', clientVersion: '0' } }),
);

const GARBAGE: [string, Buffer][] = [
  ['HTTP instead of JSON-RPC', Buffer.from('GET / HTTP/1.1\r\nHost: agent\r\n\r\n')],
  ['no Content-Length', Buffer.from('Content-Type: application/json\r\n\r\n{}')],
  ['a Content-Length that is not a number', Buffer.from('Content-Length: -5\r\n\r\n{}')],
  ['a body that is not JSON', frame('{"jsonrpc":"2.0","id":2,"method":')],
  ['a JSON array (batch)', frame('[{"jsonrpc":"2.0","id":2,"method":"agent.hello"}]')],
  ['a message without jsonrpc', frame('{"id":2,"method":"agent.hello"}')],
  ['binary noise', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256))],
  ['a header of 2 KB', Buffer.from(`X-Pad: ${'p'.repeat(2048)}\r\n\r\n`)],
  ['a 1 GB frame announced', Buffer.from('Content-Length: 1073741824\r\n\r\n{"jsonrpc":"2.0"')],
];

/** An agent that runs on deaf after the garbage is killed at this bound (and fails the test); the exit itself is awaited. */
const DEAF_AGENT_BOUND_MS = 20_000;

async function runWith(garbage: Buffer): Promise<{ code: number | null; stderr: string; stdout: string }> {
  buildAgent();
  const child = spawn(process.execPath, [AGENT_BUNDLE, '--state-dir', tmpDir('hfr-state')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stdin.on('error', () => undefined); // the agent may be gone before all is written
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.stdin.write(hello);
  // the garbage only once hello is answered: the agent served, then met garbage
  await until(() => stdout.includes('"id":1') || child.exitCode !== null, 'the answer to hello', 20_000, 20);
  child.stdin.write(garbage);
  const killer = setTimeout(() => child.kill('SIGKILL'), DEAF_AGENT_BOUND_MS);
  const code = await exited;
  clearTimeout(killer);
  return { code, stderr, stdout };
}

describe('framing garbage', () => {
  for (const [label, garbage] of GARBAGE) {
    it(`${label}: logged, and the agent exits with status 3`, async () => {
      const r = await runWith(garbage);
      assert.equal(r.code, 3, `exit ${r.code}; stderr: ${r.stderr.slice(-300)}`);
      assert.match(r.stderr, /malformed framing on stdin: /);
      assert.match(r.stdout, /"method":"agent\.log".*malformed framing/s, 'the client is told too');
    });
  }
});
