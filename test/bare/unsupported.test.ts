// A host whose CPU we have no runtime for, and no Node.js: one clear message naming what it has and what is
// supported, before anything is uploaded. The bare OpenSSH host runs its server under `setarch i686`, so the
// kernel reports a 32-bit x86 CPU (`uname -m` = i686) to the login, as on a 32-bit host.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runToken } from '../kernel/helpers/cleanup';
import { run } from '../kernel/helpers/run';
import { startBareHost, type BareHost } from './helpers/bareHost';
import { NOT_OURS } from './helpers/scenario';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
let h: BareHost | undefined;

before(async () => {
  h = await startBareHost(runToken('bun'), 'openssh', { arch: 'i686' });
});

after(async () => {
  await h?.stop();
});

test('an i686 host without Node.js: one line naming its CPU, C library and Node.js and what is supported; nothing uploaded', async (t) => {
  const r = await run(['env', `HOME=${h!.client.home}`, process.execPath, CLI, 'info', '--host', h!.alias], { timeoutMs: 120_000 });
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.diagnostic(r.stderr.trim());
  assert.match(
    r.stderr,
    /has CPU i686 \(glibc 2\.36, loader \/lib64\/ld-linux-x86-64\.so\.2\) and no Node\.js; the agent's runtime supports Linux on aarch64 and x86_64 .*Node\.js >= 18 and bpftool >= 7\.5.*Nothing was uploaded\./,
  );
  const written = h!.writtenSince([`${h!.home}/.ssh`, ...NOT_OURS]);
  assert.deepEqual(written, [], `written on the host: ${written.join(', ')}`);
});
