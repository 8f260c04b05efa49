// `trace -w` / `--snaplen`: wrong combinations are usage errors (exit 2) before any connection is opened.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInProcess } from './runCli';

describe('trace -w and --snaplen', () => {
  const refused: [string[], RegExp][] = [
    [['trace', '--host', 'local', '-w', 'x.pcapng'], /-w and --snaplen go with --source packet-path/],
    [['trace', '--host', 'local', '--source', 'packet-path', '--snaplen', '300'], /--snaplen 300: expected a byte count from 0 to 256/],
    [['trace', '--host', 'local', '--source', 'packet-path', '--snaplen', '-1'], /--snaplen|argument/],
    [
      ['trace', '--host', 'local', '--source', 'packet-path', '-w', '-', '--json'],
      /-w - writes pcapng to stdout; --json cannot go there too/,
    ],
    [['trace', '--host', 'local', '--source', 'packet-path', '-w', ''], /-w needs a file name/],
  ];
  for (const [argv, message] of refused) {
    it(`refuses ${argv.slice(3).join(' ')}`, async () => {
      const r = await runInProcess(argv);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, message);
      assert.deepEqual(r.connected, [], 'no connection was opened');
    });
  }

  it('refuses a file it cannot create, before connecting', async () => {
    const r = await runInProcess(['trace', '--host', 'local', '--source', 'packet-path', '-w', '/nonexistent-dir/x.pcapng']);
    assert.equal(r.code, 1);
    assert.match(r.err, /-w \/nonexistent-dir\/x\.pcapng: ENOENT/);
    assert.deepEqual(r.connected, []);
  });
});
