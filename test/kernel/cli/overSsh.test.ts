// The CLI over SSH as a user runs it: a real sshd on loopback, the user's ~/.ssh/config alias and known_hosts
// (a private HOME), `--host ALIAS`. The agent is deployed to the host and the same commands work: info, a lab,
// an XDP attach whose effect ping sees, detach. An unknown host key and an unknown alias fail with one line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { ping } from '../helpers/ping';
import { run, type RunResult } from '../helpers/run';
import { startSshd, type Sshd } from '../../ssh/helpers/sshd';

const TOKEN = runToken('ck3');
const ALIAS = `end-${TOKEN}`;
const REMOTE_BASE = `.cache/end_${TOKEN}`;
const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const DROP_PING_O = join(ROOT, 'dist', 'bpf', 'xdp_drop_ping.o');
let sshd: Sshd | undefined;
let untrusted: Sshd | undefined;
const attached = new Set<string>();
const progIds: number[] = [];

function cli(...args: string[]): Promise<RunResult> {
  // Only HOME changes: the CLI reads ~/.ssh/config and ~/.ssh/known_hosts like OpenSSH does.
  return run(['env', `HOME=${sshd!.client.home}`, `EBPF_NETDEBUG_REMOTE_BASE=${REMOTE_BASE}`, process.execPath, CLI, ...args], {
    timeoutMs: 120_000,
  });
}

before(async () => {
  await sweepStale('ck3');
  await sweep(TOKEN);
  if (!existsSync(CLI) || !existsSync(join(ROOT, 'dist', 'agent.js')) || !existsSync(DROP_PING_O)) {
    const b = await run([process.execPath, join(ROOT, 'scripts', 'build.mjs')], { timeoutMs: 300_000 });
    assert.equal(b.code, 0, b.stderr);
  }
  sshd = await startSshd({ token: TOKEN });
  sshd.client.addHost(ALIAS, ['HostName 127.0.0.1', `Port ${sshd.port}`, 'User root', `IdentityFile ${sshd.client.keyPath}`]);
  untrusted = await startSshd({ token: TOKEN, client: sshd.client, trustHostKey: false });
  sshd.client.addHost(`${ALIAS}-untrusted`, [
    'HostName 127.0.0.1',
    `Port ${untrusted.port}`,
    'User root',
    `IdentityFile ${sshd.client.keyPath}`,
  ]);
});

after(async () => {
  for (const id of attached) await cli('detach', '--host', ALIAS, id).catch(() => undefined);
  if (sshd) await cli('lab', 'destroy', TOKEN, '--host', ALIAS);
  await untrusted?.stop();
  await sshd?.stop();
  sshd?.client.cleanup();
  await run(['rm', '-rf', join('/root', REMOTE_BASE)]);
  await sweep(TOKEN);
  assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
});

test('info --host ALIAS deploys the agent through the ssh_config alias and reports the host', async () => {
  const r = await cli('info', '--host', ALIAS, '--json');
  assert.equal(r.code, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.equal(facts.host, ALIAS);
  assert.equal(facts.privileges.root, true);
  assert.ok(existsSync(join('/root', REMOTE_BASE)), 'the agent went under the chosen remote base');
});

test("build --host ALIAS compiles against the host's own BTF, fetched over SSH into the cache", async () => {
  const out = join(sshd!.client.home, 'drop.o');
  const r = await cli('build', '--host', ALIAS, join(ROOT, 'bpf', 'xdp_drop_ping.bpf.c'), '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `built ${out}\n`);
  // The client's cache now holds vmlinux.h for the host's kernel release (here the same machine's).
  const header = join(sshd!.client.home, '.cache', 'ebpf-netdebug', 'vmlinux', release(), 'vmlinux.h');
  assert.match(readFileSync(header, 'utf8').slice(0, 2_000_000), /struct xdp_md \{/);
  const inspected = await cli('inspect', out);
  assert.match(inspected.stdout, /^ {2}Machine: +Linux BPF$/m);
});

test('lab, attach xdp, ping loss, detach: the same flow over SSH', async () => {
  const lab = await cli('lab', 'create', TOKEN, '--host', ALIAS, '--json');
  assert.equal(lab.code, 0, lab.stderr);
  const hosts = JSON.parse(lab.stdout).hosts as { role: string; netns: string; interfaces: { addresses: string[] }[] }[];
  const b = hosts.find((h) => h.role === 'b')!;
  const addrB = b.interfaces[0].addresses[0].split('/')[0];
  const a = await cli(
    'attach',
    'xdp',
    '--host',
    ALIAS,
    '--dev',
    'eth0',
    '--netns',
    b.netns,
    '--name',
    `end_${TOKEN}_drop`,
    '--json',
    DROP_PING_O,
  );
  assert.equal(a.code, 0, a.stderr);
  const att = JSON.parse(a.stdout);
  attached.add(att.id);
  progIds.push(att.progId);
  assert.equal((await ping(`end_${TOKEN}_a`, addrB, { count: 3 })).lossPercent, 100);
  const d = await cli('detach', '--host', ALIAS, att.id);
  assert.equal(d.code, 0, d.stderr);
  attached.delete(att.id);
  assert.equal((await ping(`end_${TOKEN}_a`, addrB, { count: 2 })).lossPercent, 0);
  assert.equal((await cli('lab', 'destroy', TOKEN, '--host', ALIAS)).code, 0);
});

test('an unknown host key and an unknown host fail with one line and exit 1', async () => {
  const r = await cli('info', '--host', `${ALIAS}-untrusted`);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  assert.match(r.stderr, /^ebpf-netdebug: .*(host key|known_hosts)/i);
  const none = await cli('info', '--host', `end-${TOKEN}-nosuchhost.invalid`);
  assert.equal(none.code, 1);
  assert.equal(none.stderr.split('\n').filter(Boolean).length, 1, none.stderr);
});

test("--accept-new-host-key records the unknown key; later runs need no flag; --bpftool picks the host's bpftool", async () => {
  const knownHosts = join(sshd!.client.home, '.ssh', 'known_hosts');
  const before = readFileSync(knownHosts, 'utf8');
  assert.ok(!before.includes(`[127.0.0.1]:${untrusted!.port}`), 'the untrusted host starts unknown');
  const r = await cli('info', '--host', `${ALIAS}-untrusted`, '--accept-new-host-key', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(knownHosts, 'utf8'), new RegExp(`\\[127\\.0\\.0\\.1\\]:${untrusted!.port} ssh-`));
  // The key is now known: no flag needed. And the agent runs the bpftool it is told to (7.1 here).
  const again = await cli('info', '--host', `${ALIAS}-untrusted`, '--bpftool', '/usr/sbin/bpftool', '--json');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).bpftool.path, '/usr/sbin/bpftool');
  assert.match(JSON.parse(again.stdout).bpftool.version, /^7\.1/);
  const relative = await cli('info', '--host', ALIAS, '--bpftool', 'bpftool');
  assert.equal(relative.code, 2);
  assert.match(relative.stderr, /--bpftool bpftool: expected an absolute path/);
});
