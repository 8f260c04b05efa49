// The arm64 runtime, built for aarch64 hosts, started here under Debian's qemu-user-static: its Node.js runs the
// agent, which answers agent.hello and reports the bundled bpftool's version (bpftool.bin, also arm64, started
// through the bundled aarch64 loader under qemu). Nothing of it runs natively here: both binaries are aarch64 ELF.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../extension/core/agentClient';

const ROOT = join(__dirname, '..', '..');
const TARBALL = join(ROOT, 'dist', 'runtime', 'linux-arm64.tar.gz');
const QEMU = '/usr/bin/qemu-aarch64-static';

/** ELF e_machine (183 = AArch64). */
function elfMachine(path: string): number {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(20);
  readSync(fd, b, 0, 20, 0);
  closeSync(fd);
  return b.readUInt16LE(18);
}

test('the arm64 runtime under qemu-user-static: agent.hello answers with the bundled bpftool 7.5', async () => {
  assert.ok(existsSync(TARBALL), 'dist/runtime/linux-arm64.tar.gz is built (scripts/build-runtime.sh, node scripts/build.mjs)');
  assert.ok(existsSync(QEMU), 'qemu-user-static is installed (scripts/setup.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'end-arm64-'));
  try {
    execFileSync('tar', ['-C', dir, '-xzf', TARBALL]);
    assert.equal(elfMachine(join(dir, 'node', 'node.bin')), 183, 'node.bin is aarch64');
    assert.equal(elfMachine(join(dir, 'bpftool', 'bpftool.bin')), 183, 'bpftool.bin is aarch64');
    const loader = join(dir, 'lib', 'ld-linux-aarch64.so.1');
    const lib = join(dir, 'lib');
    // What bpftool/bpftool does on an aarch64 host, with qemu in front (no binfmt_misc registration here).
    const bpftool = join(dir, 'bpftool-qemu');
    writeFileSync(bpftool, `#!/bin/sh\nexec ${QEMU} ${loader} --library-path ${lib} ${join(dir, 'bpftool', 'bpftool.bin')} "$@"\n`);
    chmodSync(bpftool, 0o755);
    const child = spawn(
      QEMU,
      [
        loader,
        '--library-path',
        lib,
        join(dir, 'node', 'node.bin'),
        join(ROOT, 'dist', 'agent.js'),
        '--bpftool',
        bpftool,
        '--state-dir',
        join(dir, 'state'),
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    const client = AgentClient.fromProcess(
      { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, exited, kill: () => child.kill() },
      { clientName: 'end-arm64' },
    );
    try {
      const facts = await client.hello();
      assert.equal(facts.arch, 'arm64', stderr);
      assert.equal(facts.nodeVersion, 'v24.21.0');
      assert.equal(facts.bpftool?.path, bpftool);
      assert.match(facts.bpftool?.version ?? '', /^7\.5\.0$/, stderr);
      assert.equal(facts.bpftool?.features.autoattach, true);
    } finally {
      client.dispose();
      child.kill('SIGKILL');
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
