// Host keys like OpenSSH: an unknown key is refused without consent and recorded with it; a changed key is refused
// with both fingerprints and nothing runs on the host; ProxyJump through the loopback sshd reaches an sshd inside a
// namespace (each hop verified against known_hosts; the inner one recorded hashed, as HashKnownHosts asks).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectSsh } from '../../extension/core/ssh/connect';
import { fingerprint, HostKeyError } from '../../extension/core/ssh/knownHosts';
import { openSession, type Session } from '../../extension/core/session';
import { createNsHost, type NsHost } from './helpers/nsHost';
import { startSshd, type Sshd } from './helpers/sshd';

const TOKEN = 'h3hk';
const AGENT = join(__dirname, '..', '..', 'dist', 'agent.js');
const REMOTE_BASE = `.cache/end_${TOKEN}`;

describe('host keys and ProxyJump', () => {
  let sshd: Sshd;
  let nsHost: NsHost;
  let inner: Sshd;
  const sessions: Session[] = [];

  before(async () => {
    sshd = await startSshd({ token: TOKEN, trustHostKey: false });
    nsHost = createNsHost(TOKEN);
    inner = await startSshd({
      token: `${TOKEN}i`,
      netns: nsHost.netns,
      listenAddress: nsHost.address,
      client: sshd.client,
      trustHostKey: false,
    });
  });

  after(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    await inner?.stop();
    await sshd?.stop();
    nsHost?.destroy();
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
  });

  const accepted = (s: Sshd) => (s.log().match(/Accepted publickey/g) ?? []).length;

  it('an unknown host key is refused without consent, with its fingerprint, and nothing is recorded', async () => {
    const before = accepted(sshd);
    await assert.rejects(connectSsh(sshd.spec, sshd.client.connectOptions()), (e: unknown) => {
      assert.ok(e instanceof HostKeyError, String(e));
      assert.equal(e.kind, 'unknown');
      assert.equal(e.offered.fingerprint, fingerprint(sshd.hostPublicKey.blob));
      assert.match(
        e.message,
        new RegExp(`can't be established: ssh-ed25519 key fingerprint is ${e.offered.fingerprint.replace(/[+/]/g, '\\$&')}`),
      );
      assert.match(e.message, /--accept-new-host-key/);
      return true;
    });
    assert.equal(readFileSync(sshd.client.knownHostsPath, 'utf8'), '', 'known_hosts untouched');
    assert.equal(accepted(sshd), before, 'no login happened');
  });

  it('with consent the key is accepted and recorded as [host]:port; the next connection needs no consent', async () => {
    const t = await connectSsh(sshd.spec, sshd.client.connectOptions({ acceptNewHostKey: true }));
    await t.close();
    const kh = readFileSync(sshd.client.knownHostsPath, 'utf8');
    assert.ok(kh.includes(`[127.0.0.1]:${sshd.port} ssh-ed25519 ${sshd.hostPublicKey.blob.toString('base64')}`), kh);
    // OpenSSH agrees with what we recorded.
    assert.match(
      execFileSync('ssh-keygen', ['-F', `[127.0.0.1]:${sshd.port}`, '-f', sshd.client.knownHostsPath]).toString(),
      /ssh-ed25519/,
    );
    const again = await connectSsh(sshd.spec, sshd.client.connectOptions());
    const r = await again.exec(['echo', 'it works']);
    assert.equal(r.stdout, 'it works\n');
    await again.close();
  });

  it('a consent callback (the editor UI) is asked with the fingerprint; saying no refuses', async () => {
    const asked: string[] = [];
    await assert.rejects(
      connectSsh(
        `root@${nsHost.address}`,
        sshd.client.connectOptions({
          confirmNewHostKey: async (q) => {
            asked.push(q.fingerprint);
            return false;
          },
        }),
      ),
      (e: unknown) => e instanceof HostKeyError && e.kind === 'unknown',
    );
    assert.deepEqual(asked, [fingerprint(inner.hostPublicKey.blob)]);
  });

  it('a changed host key is refused with both fingerprints and nothing runs on the host', async () => {
    const other = join(sshd.dir, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const [type, b64] = readFileSync(`${other}.pub`, 'utf8').split(' ');
    const good = readFileSync(sshd.client.knownHostsPath, 'utf8');
    writeFileSync(sshd.client.knownHostsPath, `[127.0.0.1]:${sshd.port} ${type} ${b64}\n`);
    const logins = accepted(sshd);
    try {
      await assert.rejects(
        openSession(sshd.spec, {
          agentPath: AGENT,
          ssh: sshd.client.connectOptions({ acceptNewHostKey: true }),
          deploy: { remoteBase: REMOTE_BASE },
          reconnect: false,
        }),
        (e: unknown) => {
          assert.ok(e instanceof HostKeyError, String(e));
          assert.equal(e.kind, 'changed');
          assert.ok(e.message.includes(fingerprint(sshd.hostPublicKey.blob)), 'the offered fingerprint');
          assert.ok(e.message.includes(fingerprint(Buffer.from(b64, 'base64'))), 'the known fingerprint');
          assert.match(e.message, /HAS CHANGED/);
          assert.match(e.message, /Nothing was run/);
          return true;
        },
      );
      assert.equal(accepted(sshd), logins, 'no login happened');
      assert.equal(existsSync(join('/root', REMOTE_BASE)), false, 'no agent was uploaded');
      assert.equal(
        readFileSync(sshd.client.knownHostsPath, 'utf8'),
        `[127.0.0.1]:${sshd.port} ${type} ${b64}\n`,
        'a changed key is never recorded',
      );
    } finally {
      writeFileSync(sshd.client.knownHostsPath, good);
    }
  });

  it('ProxyJump through the loopback sshd reaches the namespace host (inner key recorded hashed)', async () => {
    sshd.client.addHost(`end_${TOKEN}_jump`, ['HostName 127.0.0.1', `Port ${sshd.port}`, 'User root']);
    sshd.client.addHost(`end_${TOKEN}_inner`, [
      `HostName ${nsHost.address}`,
      'User root',
      `ProxyJump end_${TOKEN}_jump`,
      'HashKnownHosts yes',
      'StrictHostKeyChecking accept-new',
    ]);
    const s = await openSession(`end_${TOKEN}_inner`, {
      agentPath: AGENT,
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: REMOTE_BASE },
      reconnect: false,
    });
    sessions.push(s);
    // The session arrived from the jump host (root namespace end of the veth) at the namespace host's address.
    const conn = (await s.transport.exec(['printenv', 'SSH_CONNECTION'])).stdout.trim().split(' ');
    assert.equal(conn[0], nsHost.rootAddress);
    assert.equal(conn[2], nsHost.address);
    // The agent runs inside the namespace host: its listing shows eth0 with the host's address.
    const net = await s.client.netList({});
    const ifs = net.namespaces.find((n) => n.name === 'root')?.interfaces ?? net.namespaces[0].interfaces;
    assert.ok(
      ifs.some((i) => i.name === 'eth0' && i.addresses.some((a) => a.startsWith(`${nsHost.address}/`))),
      JSON.stringify(ifs.map((i) => [i.name, i.addresses])),
    );
    const kh = readFileSync(sshd.client.knownHostsPath, 'utf8');
    assert.match(kh, /^\|1\|[^ ]+ ssh-ed25519 /m, 'inner host recorded hashed');
    assert.match(execFileSync('ssh-keygen', ['-F', nsHost.address, '-f', sshd.client.knownHostsPath]).toString(), /found/);
  });
});
