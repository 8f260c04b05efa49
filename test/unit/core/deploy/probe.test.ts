// The deploy probe script run by this machine's real `sh` against a scratch HOME (what a host would answer), and
// its report parsed: the runtime directory counts only with the right marker, every bpftool is listed with its
// version, and hostile-looking inputs stay arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProbe, PROBE_SCRIPT } from '../../../../extension/core/deploy/probe';
import { bpftoolGoodEnough, findRuntimes, normalizeMachine, runtimesArgument } from '../../../../extension/core/deploy/runtime';

function probe(home: string, args: string[]): string {
  // A root login would exec the agent on the warm path: these runs never have our agent.js, so they end with agent=none.
  return execFileSync('/bin/sh', ['-c', PROBE_SCRIPT, 'sh', ...args], { env: { HOME: home, PATH: process.env.PATH }, encoding: 'utf8' });
}

test('the probe reports the login, CPU, Node.js, bpftools and our runtime only when its marker matches', () => {
  const home = mkdtempSync(join(tmpdir(), 'end-probe-'));
  try {
    const sha = 'a'.repeat(64);
    const machine = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
    const runtimes = `${machine}:runtime-x64-aaaaaaaaaaaaaaaa:${sha} weird:runtime-z-0:${sha}`;
    const noRuntime = parseProbe('h', probe(home, ['.cache/ebpf-netdebug', 'agent-1', 'b'.repeat(64), runtimes]), '');
    assert.equal(noRuntime.home, home);
    assert.equal(noRuntime.machine, machine);
    assert.match(noRuntime.libc, /^glibc 2\.\d+$/, "this machine's glibc, as getconf says it");
    assert.equal(noRuntime.runtimeDir, undefined);
    assert.equal(noRuntime.remoteSha, undefined);
    assert.ok(
      noRuntime.bpftools.some((b) => /^7\.\d+\.\d+$/.test(b.version)),
      JSON.stringify(noRuntime.bpftools),
    );
    assert.match(noRuntime.node?.version ?? '', /^v\d+\./);
    const dir = join(home, '.cache/ebpf-netdebug/runtime-x64-aaaaaaaaaaaaaaaa');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.sha256'), `${'c'.repeat(64)}\n`);
    assert.equal(
      parseProbe('h', probe(home, ['.cache/ebpf-netdebug', 'agent-1', 'b'.repeat(64), runtimes]), '').runtimeDir,
      undefined,
      'wrong marker: not ours',
    );
    writeFileSync(join(dir, '.sha256'), `${sha}\n`);
    const withRuntime = parseProbe('h', probe(home, ['.cache/ebpf-netdebug', 'agent-1', 'b'.repeat(64), runtimes]), '');
    assert.equal(withRuntime.runtimeDir, 'runtime-x64-aaaaaaaaaaaaaaaa');
    // Arguments are data: a base with shell syntax is a directory name, never run.
    const out = probe(home, ['$(touch pwned); x', 'agent-1', '', '']);
    assert.match(out, /agent=none\n$/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('parseProbe: a host without Node.js, a musl loader, two bpftools', () => {
  const p = parseProbe(
    'h',
    'uid=1000\nuser=alice\nhome=/home/alice\nmachine=aarch64\nloader=/lib/ld-musl-aarch64.so.1\nlibc=musl 1.2.4\nnode=missing\n' +
      'bpftool=7.1.0 /usr/sbin/bpftool\nbpftool=7.5.0 /opt/x/bpftool\nsshconn=10.0.0.1 5 10.0.0.2 22\nsshroute=[{"dev":"eth0"}]\nagent=none\n',
    '',
  );
  assert.equal(p.node, null);
  assert.equal(p.loader, '/lib/ld-musl-aarch64.so.1');
  assert.equal(p.libc, 'musl 1.2.4');
  assert.deepEqual(p.bpftools, [
    { version: '7.1.0', path: '/usr/sbin/bpftool' },
    { version: '7.5.0', path: '/opt/x/bpftool' },
  ]);
  assert.deepEqual(p.sshInterface, { dev: 'eth0', clientAddress: '10.0.0.1', serverAddress: '10.0.0.2' });
  assert.throws(() => parseProbe('h', 'uid=\nhome=/\n', ''), /could not read the login's uid/);
  assert.throws(() => parseProbe('h', 'uid=0\nhome=relative\n', ''), /not an absolute path/);
});

test('runtime helpers: CPU names, bpftool versions, the shipped manifests', () => {
  assert.equal(normalizeMachine('arm64'), 'aarch64');
  assert.equal(normalizeMachine('amd64'), 'x86_64');
  assert.equal(normalizeMachine('riscv64'), 'riscv64');
  assert.equal(bpftoolGoodEnough('7.5.0'), true);
  assert.equal(bpftoolGoodEnough('7.1.0'), false);
  assert.equal(bpftoolGoodEnough('8.0.0'), true);
  const dir = mkdtempSync(join(tmpdir(), 'end-rt-'));
  try {
    writeFileSync(
      join(dir, 'linux-x64.json'),
      JSON.stringify({ sha256: 'd'.repeat(64), size: 5, machine: 'x86_64', node: 'v24.21.0', bpftool: '7.5.0' }),
    );
    writeFileSync(join(dir, 'linux-x64.tar.gz'), 'x');
    writeFileSync(join(dir, 'linux-arm64.json'), JSON.stringify({ sha256: 'bad', machine: 'aarch64' })); // no tarball, bad sha: ignored
    const found = findRuntimes(dir);
    assert.deepEqual(
      found.map((r) => r.dirName),
      [`runtime-x64-${'d'.repeat(16)}`],
    );
    assert.equal(runtimesArgument(found), `x86_64:runtime-x64-${'d'.repeat(16)}:${'d'.repeat(64)}`);
    assert.deepEqual(findRuntimes(join(dir, 'missing')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
