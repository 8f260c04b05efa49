// LocalTransport runs real processes on this machine: argv arrays reach the program untouched (no shell), files
// get exactly the mode asked for, and a spawned process's stdio streams work both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalTransport } from '../../../../extension/core/transport/local';

test('exec passes arguments verbatim, without a shell', async () => {
  const t = new LocalTransport();
  const r = await t.exec(['printf', '%s|', 'a b', '$(id)', ';echo no']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'a b|$(id)|;echo no|');
  await t.close();
});

test('exec feeds stdin and reports non-zero exit codes and stderr', async () => {
  const t = new LocalTransport();
  assert.equal((await t.exec(['cat'], { stdin: 'hello' })).stdout, 'hello');
  const r = await t.exec(['ls', '/nonexistent-end-lt1']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /nonexistent-end-lt1/);
  await t.close();
});

test('exec of a missing program rejects with ENOENT', async () => {
  const t = new LocalTransport();
  await assert.rejects(t.exec(['/nonexistent/end-lt1-tool']), /ENOENT/);
  await t.close();
});

test('exec timeout kills the process', async () => {
  const t = new LocalTransport();
  const r = await t.exec(['sleep', '30'], { timeoutMs: 100 });
  assert.equal(r.code, null);
  await t.close();
});

test('writeFile creates the directory and sets the exact mode; readFile reads it back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'end-lt1-'));
  try {
    const t = new LocalTransport();
    const p = join(dir, 'sub', 'agent.js');
    await t.writeFile(p, Buffer.from('x'), 0o640);
    assert.equal((await stat(p)).mode & 0o777, 0o640);
    assert.equal((await stat(join(dir, 'sub'))).mode & 0o777, 0o700);
    assert.equal((await t.readFile(p)).toString(), 'x');
    await t.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('spawn gives live stdio streams; close kills leftovers and fires onClose', async () => {
  const t = new LocalTransport();
  const p = await t.spawn(['cat']);
  const got = new Promise<string>((res) => p.stdout.once('data', (b: Buffer) => res(b.toString())));
  p.stdin.write('ping\n');
  assert.equal(await got, 'ping\n');
  const long = await t.spawn(['sleep', '30']);
  let closed = false;
  t.onClose(() => {
    closed = true;
  });
  p.stdin.end();
  assert.equal(await p.exited, 0);
  await t.close();
  assert.equal(await long.exited, null);
  assert.equal(closed, true);
});

test('spawn of a missing program rejects', async () => {
  const t = new LocalTransport();
  await assert.rejects(t.spawn(['/nonexistent/end-lt1-agent']), /ENOENT/);
  await t.close();
});
