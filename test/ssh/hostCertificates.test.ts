// `@cert-authority` in known_hosts, against real sshds presenting host certificates made with ssh-keygen -s: a host
// whose certificate a trusted CA signed for its name connects with no prompt and nothing recorded (directly and
// through a ProxyJump host); a certificate for another name, an expired one, or one from another CA leaves the
// host unknown and the refusal says why; a CA that is @revoked refuses the host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSsh } from '../../extension/core/ssh/connect';
import { HostKeyError } from '../../extension/core/ssh/knownHosts';
import { createClientHome, startSshd, type ClientHome, type Sshd } from './helpers/sshd';

const TOKEN = 'h3hc';

describe('host certificates (@cert-authority)', () => {
  let caDir: string;
  let client: ClientHome;
  const sshds: Record<string, Sshd> = {};
  let caLine: string;

  before(async () => {
    caDir = mkdtempSync(join(tmpdir(), `end_${TOKEN}_ca_`));
    for (const ca of ['ca', 'other-ca']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', ca, '-f', join(caDir, ca)]);
    client = createClientHome(TOKEN);
    const caKey = join(caDir, 'ca');
    const start = (name: string, cert: { caKeyPath: string; principals?: string; validity?: string }) =>
      startSshd({ token: `${TOKEN}${name}`, client, trustHostKey: false, hostCertificate: { keyId: `end-${name}`, ...cert } });
    sshds.good = await start('g', { caKeyPath: caKey, principals: '127.0.0.1' });
    sshds.otherName = await start('n', { caKeyPath: caKey, principals: 'lab.example' });
    sshds.expired = await start('e', { caKeyPath: caKey, principals: '127.0.0.1', validity: '20200101:20200102' });
    sshds.otherCa = await start('o', { caKeyPath: join(caDir, 'other-ca'), principals: '127.0.0.1' });
    // Every test port of this machine's loopback: OpenSSH matches [host]:port names against the patterns.
    caLine = `@cert-authority [127.0.0.1]:* ${readFileSync(`${caKey}.pub`, 'utf8').trim()}`;
    writeFileSync(client.knownHostsPath, `# only the CA: no host key of these sshds is listed\n${caLine}\n`);
    client.addHost('certjump', [`HostName 127.0.0.1`, `Port ${sshds.good.port}`, 'User root', `IdentityFile ${client.keyPath}`]);
    client.addHost('certtarget', [
      `HostName 127.0.0.1`,
      `Port ${sshds.good.port}`,
      'User root',
      `IdentityFile ${client.keyPath}`,
      'ProxyJump certjump',
    ]);
  });

  after(async () => {
    for (const s of Object.values(sshds)) await s.stop();
    client?.cleanup();
    if (caDir) rmSync(caDir, { recursive: true, force: true });
  });

  const refusal = async (spec: string, knownHostsFiles?: string[]) => {
    const e = await connectSsh(spec, client.connectOptions(knownHostsFiles ? { knownHostsFiles } : {})).then(
      (t) => {
        void t.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    assert.ok(e instanceof HostKeyError, `refused with a HostKeyError: ${String(e)}`);
    return e;
  };

  it('a certificate from the trusted CA for this name: connected without a prompt, nothing recorded', async () => {
    const before = readFileSync(client.knownHostsPath, 'utf8');
    const t = await connectSsh(sshds.good.spec, client.connectOptions());
    try {
      assert.equal((await t.exec(['echo', 'certified'])).stdout, 'certified\n');
    } finally {
      await t.close();
    }
    assert.equal(readFileSync(client.knownHostsPath, 'utf8'), before, 'known_hosts unchanged');
  });

  it('through a ProxyJump host, each hop verified by its certificate', async () => {
    const t = await connectSsh('certtarget', client.connectOptions());
    try {
      assert.equal((await t.exec(['echo', 'hopped'])).stdout, 'hopped\n');
    } finally {
      await t.close();
    }
  });

  it('a certificate for another name, an expired one, one from another CA: unknown host, and the message says why', async () => {
    const name = await refusal(sshds.otherName.spec);
    assert.equal(name.kind, 'unknown');
    assert.match(
      name.message,
      /trusts a certificate authority for \[127\.0\.0\.1\]:\d+, but certificate "end-n" is for lab\.example, not 127\.0\.0\.1/,
    );
    assert.match((await refusal(sshds.expired.spec)).message, /certificate "end-e" has expired \(2020-01-02/);
    assert.match((await refusal(sshds.otherCa.spec)).message, /certificate "end-o" is signed by another CA/);
  });

  it('a CA marked @revoked: the host is refused as revoked', async () => {
    const file = join(client.sshDir, 'known_hosts_revoked');
    const caPub = readFileSync(join(caDir, 'ca.pub'), 'utf8').trim();
    writeFileSync(file, `${caLine}\n@revoked * ${caPub}\n`);
    const e = await refusal(sshds.good.spec, [file]);
    assert.equal(e.kind, 'revoked');
    assert.match(e.message, /certified by a CA that is REVOKED/);
  });
});
