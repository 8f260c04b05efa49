// Issue 12's editor case: code-server with the packaged VSIX connects to a bare OpenSSH host (no Node.js, no bpftool,
// no SFTP: test/bare/helpers/bareHost.ts), which first gets the agent and its runtime; "Attach XDP to eth0" from the
// palette with xdp_drop_ping.bpf.c open drops our pings to the host, and "Detach" from the palette brings them back.
// The runtime comes from an offline copy named by the ebpfNetDebug.runtimeDir setting: the VSIX's own runtime with
// one file added, so its checksum (and its directory name on the host) say which copy went up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, startCodeServer, type CodeServer } from './helpers/codeServer';
import { openWorkbench, type Workbench } from './helpers/workbench';
import { bpfWorkspace, type Workspace } from './helpers/workspace';
import { waitConnected } from './helpers/ebpfView';
import { runToken } from '../kernel/helpers/cleanup';
import { startBareHost, type BareHost } from '../bare/helpers/bareHost';

const token = runToken('ebx');
let h: BareHost | undefined;
let ws: Workspace | undefined;
let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let offline: { dir: string; sha256: string } | undefined;

/** dist/runtime's x64 runtime with an OFFLINE-COPY file added, and its manifest: an offline copy of our own. */
async function offlineRuntimeCopy(): Promise<{ dir: string; sha256: string }> {
  const dir = mkdtempSync(join(tmpdir(), `end-${token}-runtime-`));
  const src = join(repoRoot, 'dist', 'runtime');
  writeFileSync(join(dir, 'OFFLINE-COPY'), 'from ebpfNetDebug.runtimeDir\n');
  const tar = join(dir, 'linux-x64.tar');
  const sh = promisify(execFile);
  await sh('sh', [
    '-c',
    'gzip -dc "$1" > "$2" && tar -C "$3" -rf "$2" OFFLINE-COPY && gzip -1 -n "$2"',
    'sh',
    join(src, 'linux-x64.tar.gz'),
    tar,
    dir,
  ]);
  const gz = `${tar}.gz`;
  const sha256 = createHash('sha256').update(readFileSync(gz)).digest('hex');
  const manifest = JSON.parse(readFileSync(join(src, 'linux-x64.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'linux-x64.json'), JSON.stringify({ ...manifest, sha256, size: statSync(gz).size }));
  return { dir, sha256 };
}

/** Pings the bare host from this namespace (the other end of its eth0): how many of `count` came back. */
async function ping(address: string, count: number): Promise<number> {
  const r = await promisify(execFile)('ping', ['-n', '-c', String(count), '-i', '0.2', '-W', '1', address]).catch(
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
  );
  return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
}

/** The XDP program on the host's eth0, as the host's own kernel reports it (`ip -d link`: no bpftool on a bare host). */
async function xdpOnHostEth0(): Promise<string | undefined> {
  const out = await h!.exec(['ip', '-d', 'link', 'show', 'dev', 'eth0']);
  return /prog\/xdp id (\d+)/.exec(out)?.[1];
}

before(async () => {
  h = await startBareHost(token, 'openssh');
  ws = bpfWorkspace(token);
  offline = await offlineRuntimeCopy();
  const bare = h;
  cs = await startCodeServer({
    workspace: ws.dir,
    settings: {
      'ebpfNetDebug.hosts': [{ name: 'bare', target: bare.alias }],
      'ebpfNetDebug.defaultHost': 'bare',
      'ebpfNetDebug.runtimeDir': offline.dir,
    },
    // The client home's ssh_config (alias, key) and known_hosts (the host's key), as a user has them in ~/.ssh.
    prepareHome: (home) => {
      const ssh = join(home, '.ssh');
      mkdirSync(ssh, { recursive: true, mode: 0o700 });
      writeFileSync(join(ssh, 'config'), readFileSync(bare.client.configPath), { mode: 0o600 });
      copyFileSync(bare.client.knownHostsPath, join(ssh, 'known_hosts'));
    },
  });
  wb = await openWorkbench(cs.url, 'bare-attach-xdp');
});

after(async () => {
  if (wb) await wb.screenshot('final').catch(() => undefined);
  await wb?.close();
  if (cs && process.env.E2E_KEEP_LOG) console.log(cs.extensionLog());
  await cs?.stop();
  // The XDP program, the agent and its runtime lived in the host's namespaces and overlay: they go with it.
  await h?.stop();
  ws?.remove();
  if (offline) rmSync(offline.dir, { recursive: true, force: true });
});

test('a bare OpenSSH host: connected with the runtime of ebpfNetDebug.runtimeDir, Attach XDP to eth0 drops its pings, Detach restores them', async () => {
  const w = wb!;
  const host = h!;
  assert.equal(await ping(host.address, 3), 3, 'the host answers before');
  // The first connection uploads the runtime (47 MB) over an exec channel: longer than a warm one.
  await waitConnected(w, 'bare', 180_000).catch((e: Error) => {
    throw new Error(`${e.message}\nextension log:\n${cs!.extensionLog().slice(-4000)}`);
  });
  await w.screenshot('connected');
  const listing = await host.exec(['ls', '-A', `${host.home}/.cache/ebpf-netdebug`]);
  const rt = `runtime-x64-${offline!.sha256.slice(0, 16)}`;
  assert.match(
    listing,
    new RegExp(`^agent-[^\\n]+\\n${rt}\\nstate\\n$`),
    'the agent and the offline copy of the runtime are in the cache directory',
  );
  assert.match(await host.exec(['cat', `${host.home}/.cache/ebpf-netdebug/${rt}/OFFLINE-COPY`]), /ebpfNetDebug\.runtimeDir/);

  await w.openFile('xdp_drop_ping.bpf.c');
  await w.runCommand('eBPF: Attach XDP to eth0');
  await w.pickQuickItem(/^native/);
  const msg = await w.waitForNotification(/Attached xdp_drop_ping to eth0/, 120_000);
  assert.match(msg, /XDP driver/);
  await w.screenshot('attached');
  const id = await xdpOnHostEth0();
  assert.ok(id, "the host's kernel shows an XDP program on eth0");
  assert.equal(await ping(host.address, 4), 0, 'every ping dropped on the host');

  await w.runCommand('eBPF: Detach');
  const ours = w.page.locator('.quick-input-widget .monaco-list-row', { hasText: /xdp_drop_ping #\d+ on eth0/ }).first();
  const detached = w.waitForNotification(/Detached/, 60_000);
  void ours
    .waitFor({ timeout: 30_000 })
    .then(() => ours.click())
    .catch(() => undefined);
  assert.match(await detached, new RegExp(`Detached XDP from eth0: xdp_drop_ping #${id}`));
  await w.screenshot('detached');
  assert.equal(await xdpOnHostEth0(), undefined, 'nothing on eth0 after Detach');
  assert.equal(await ping(host.address, 3), 3, 'answered again');
});
