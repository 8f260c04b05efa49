// The bare hosts are what the issue says a real host may be: an SSH server and nothing of ours. Checked over SSH as
// a user sees them (no node, no bpftool, no clang, no SFTP; alice's sudo wants a password) and from inside (BPF
// works in the chroot: bpffs, tracefs and cgroup2 are mounted; the network namespace has eth0). Everything the
// fixture made is gone after stop().
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connectSsh } from '../../extension/core/ssh/connect';
import type { SshTransport } from '../../extension/core/ssh/sshTransport';
import { runToken } from '../kernel/helpers/cleanup';
import { startBareHost, type BareHost } from './helpers/bareHost';

const TOKEN = runToken('bfx');

describe('bare host fixture', () => {
  const hosts: BareHost[] = [];
  const transports: SshTransport[] = [];

  before(async () => {
    // One per kind, distinct tokens: each has its own namespace and /30.
    hosts.push(await startBareHost(`${TOKEN}o`.slice(0, 8), 'openssh'));
    hosts.push(await startBareHost(`${TOKEN}d`.slice(0, 8), 'dropbear'));
    hosts.push(await startBareHost(`${TOKEN}s`.slice(0, 8), 'sudo'));
  });

  after(async () => {
    for (const t of transports) await t.close().catch(() => undefined);
    for (const h of hosts) {
      const dir = h.client.home;
      await h.stop();
      assert.equal(existsSync(dir), false);
      assert.equal(existsSync(`/run/netns/${h.ns.netns}`), false, 'its namespace is gone');
    }
  });

  for (const kind of ['openssh', 'dropbear', 'sudo'] as const) {
    it(`${kind}: reachable over SSH, and has no node, bpftool, clang or SFTP`, async () => {
      const h = hosts.find((x) => x.kind === kind)!;
      const t = await connectSsh(h.spec, h.connectOptions());
      transports.push(t);
      const who = await t.exec(['id', '-un']);
      assert.equal(who.stdout.trim(), h.user);
      const tools = await t.exec([
        'sh',
        '-c',
        'for x in node nodejs bpftool clang; do command -v $x || echo "no $x"; done; ls /usr/lib/openssh/sftp-server 2>&1; true',
      ]);
      assert.match(tools.stdout, /no node\nno nodejs\nno bpftool\nno clang\n/);
      assert.match(tools.stdout, /No such file/);
      await assert.rejects(t.sftp(), /SFTP on .*: /, 'no SFTP subsystem');
      assert.equal((await t.exec(['ip', '-br', 'link', 'show', 'eth0'])).code, 0, 'eth0 exists inside');
    });
  }

  it('sudo: alice needs her password; the right one works, a wrong one is refused', async () => {
    const h = hosts.find((x) => x.kind === 'sudo')!;
    const t = await connectSsh(h.spec, h.connectOptions());
    transports.push(t);
    const n = await t.exec(['sudo', '-n', 'true']);
    assert.notEqual(n.code, 0);
    assert.match(n.stderr, /password is required/);
    const ok = await t.exec(['sudo', '-S', '-k', '-p', '', 'id', '-u'], { stdin: `${h.sudoPassword}\n` });
    assert.equal(ok.stdout.trim(), '0', ok.stderr);
    const bad = await t.exec(['sudo', '-S', '-k', '-p', '', 'id', '-u'], { stdin: 'wrong\n' });
    assert.notEqual(bad.code, 0);
  });

  it('without SFTP, files are written (verified) and read over exec channels, byte for byte', async () => {
    const h = hosts.find((x) => x.kind === 'dropbear')!;
    const t = await connectSsh(h.spec, h.connectOptions());
    transports.push(t);
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
    await t.writeFile('/tmp/end-fixture/dir/blob', bytes, 0o600);
    assert.deepEqual(await t.readFile('/tmp/end-fixture/dir/blob'), bytes);
    assert.equal((await t.exec(['stat', '-c', '%a', '/tmp/end-fixture/dir', '/tmp/end-fixture/dir/blob'])).stdout, '700\n600\n');
    await assert.rejects(t.readFile('/tmp/end-fixture/missing'), /missing: cat: .*No such file/);
  });

  it('BPF works inside: bpffs, tracefs and cgroup2 are mounted in the chroot', async () => {
    const mounts = await hosts[0].exec(['cat', '/proc/self/mounts']);
    for (const fs of ['bpf /sys/fs/bpf', 'tracefs /sys/kernel/tracing', 'cgroup2 /sys/fs/cgroup']) {
      assert.match(mounts, new RegExp(`^\\S+ ${fs.split(' ')[1].replace(/\//g, '\\/')} ${fs.split(' ')[0]} `, 'm'), fs);
    }
    assert.ok((await hosts[0].exec(['ls', '/sys/kernel/tracing'])).includes('trace_pipe'));
  });
});
