// A musl host (what an Alpine login sees: musl's loader, BusyBox for sh and the base tools, no glibc anywhere) is
// served by the runtime, which brings its own glibc and loader: the whole deployment (the probe under BusyBox sh,
// the verified upload and unpack with BusyBox's sha256sum, gzip and tar, the agent started on the runtime's Node.js)
// runs in a chroot of scripts/build-musl-rootfs.sh's tree, and the agent answers agent.hello as root with the
// bundled bpftool 7.5; the second deployment finds everything there and starts the agent in the probe's channel.
// No SSH server here (Debian has no musl build of one): the transport runs each command in the chroot, in a private
// mount namespace with /proc, /sys and /dev, as sshd would run it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient } from '../../extension/core/agentClient';
import { deployAgent } from '../../extension/core/deploy/deployAgent';
import { LocalTransport } from '../../extension/core/transport/local';
import type { ExecResult, RemoteProcess, Transport } from '../../extension/core/transport/transport';

const ROOT = join(__dirname, '..', '..');
const AGENT = join(ROOT, 'dist', 'agent.js');

/** Every command in the chroot: BusyBox's /bin/sh, HOME=/root, /proc, /sys and /dev mounted in its own namespace. */
class ChrootTransport implements Transport {
  readonly hostLabel = 'musl-chroot';
  private readonly local = new LocalTransport({ env: { HOME: '/root', PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });
  constructor(private readonly dir: string) {}
  private wrap(argv: string[]): string[] {
    const script =
      'd=$1; shift; mount -t proc proc "$d/proc" && mount -t sysfs sysfs "$d/sys" && mount --bind /dev "$d/dev" && exec chroot "$d" "$@"';
    return ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', this.dir, ...argv];
  }
  exec(argv: string[], opts?: { stdin?: Buffer | string; timeoutMs?: number }): Promise<ExecResult> {
    return this.local.exec(this.wrap(argv), opts);
  }
  spawn(argv: string[]): Promise<RemoteProcess> {
    return this.local.spawn(this.wrap(argv));
  }
  writeFile(): Promise<void> {
    return Promise.reject(new Error('not used by deployment'));
  }
  readFile(): Promise<Buffer> {
    return Promise.reject(new Error('not used by deployment'));
  }
  onClose(listener: (reason: Error | undefined) => void): void {
    this.local.onClose(listener);
  }
  close(): Promise<void> {
    return this.local.close();
  }
}

let dir: string | undefined;

before(() => {
  assert.ok(existsSync(join(ROOT, 'dist', 'runtime', 'linux-x64.tar.gz')), 'the agent runtime is built (scripts/build-runtime.sh)');
  const tar = execFileSync(join(ROOT, 'scripts', 'build-musl-rootfs.sh'), { encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()!;
  dir = mkdtempSync(join(tmpdir(), 'end-musl-'));
  execFileSync('tar', ['-C', dir, '-xf', tar]);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function hello(proc: RemoteProcess) {
  const client = AgentClient.fromProcess(proc, { clientName: 'end-musl' });
  try {
    return await client.hello();
  } finally {
    await client.shutdown().catch(() => undefined);
    client.dispose();
  }
}

test('a musl userland without glibc: deployed with the runtime, the agent answers as root with bpftool 7.5', async () => {
  const t = new ChrootTransport(dir!);
  try {
    // The tree is glibc-free: no loader of glibc, no libc.so.6 (the build script refuses otherwise).
    assert.equal((await t.exec(['/bin/sh', '-c', 'ls /lib64 2>&1; ls /lib'])).stdout.includes('ld-linux'), false);

    const first = await deployAgent(t, { agentPath: AGENT, remoteBase: '.cache/end_musl' });
    assert.equal(first.loader, '/lib/ld-musl-x86_64.so.1');
    assert.match(first.libc, /^musl 1\.\d+\.\d+$/);
    assert.equal(first.machine, 'x86_64');
    assert.equal(first.uploaded, true);
    assert.equal(first.runtime?.uploaded, true, 'the runtime went up (no Node.js, no bpftool on the host)');
    assert.equal(first.node.path, `${first.runtime!.dir}/node/node`);
    const facts = await hello(await first.startAgent());
    assert.equal(facts.privileges.root, true);
    assert.equal(facts.nodeVersion, 'v24.21.0');
    assert.equal(facts.bpftool?.path, first.runtime!.bpftool);
    assert.match(facts.bpftool?.version ?? '', /^7\.5\.\d+$/);
    assert.equal(facts.bpftool?.features.autoattach, true);

    // Warm: nothing uploaded, the agent started by the probe in its own channel.
    const second = await deployAgent(t, { agentPath: AGENT, remoteBase: '.cache/end_musl' });
    assert.equal(second.uploaded, false);
    assert.equal(second.runtime?.uploaded, false);
    assert.equal(second.uploadedBytes, 0);
    assert.equal((await hello(await second.startAgent())).bpftool?.version, facts.bpftool?.version);
  } finally {
    await t.close();
  }
});
