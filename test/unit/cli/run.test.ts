// `ebpf-netdebug run`: bad input is a usage error (exit 2) before any connection.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runInProcess } from './runCli';

const capture = join(__dirname, '../../fixtures/packet/ping-tcp.pcapng');

describe('cli run: usage errors never connect', () => {
  for (const [argv, pattern] of [
    [['run', '--host', 'h', '--program', 'o/p'], /exactly one of --packet HEX or --pcapng FILE/],
    [['run', '--host', 'h', '--program', 'o/p', '--packet', 'aa', '--pcapng', capture], /exactly one/],
    [['run', '--host', 'h', '--program', 'o/p', '--packet', 'xyz'], /--packet: expected hex/],
    [['run', '--host', 'h', '--program', 'o/p', '--packet', 'aabb'], /shorter than an Ethernet header/],
    [['run', '--host', 'h', '--packet', '00'.repeat(14)], /--program is required/],
    [['run', '--host', 'h', '--program', 'o/p', '--pcapng', capture, '--index', '6'], /holds 6 packet\(s\)/],
    [['run', '--host', 'h', '--program', 'o/p', '--pcapng', '/nonexistent.pcapng'], /ENOENT/],
    [['run', '--host', 'h', '--program', 'o/p', '--pcapng', __filename], /not a pcapng file/],
    [['run', '--host', 'h', '--program', 'o/p', '--packet', '00'.repeat(14), '--repeat', '0'], /--repeat 0: expected a whole number/],
    [['run', '--host', 'h', '--program', 'o/p', '--packet', '00'.repeat(14), '--index', '1'], /--index goes with --pcapng/],
  ] as const) {
    it(argv.slice(3).join(' '), async () => {
      const r = await runInProcess([...argv]);
      assert.equal(r.code, 2);
      assert.match(r.err, pattern);
      assert.deepEqual(r.connected, []);
    });
  }
});
