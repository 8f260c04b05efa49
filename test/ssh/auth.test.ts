// Client authentication against a real sshd: a passphrase-protected key is unlocked through the prompt callback
// (what the CLI asks on the terminal and the editor in an input box), a wrong passphrase fails with the methods
// named, and keys held by a real ssh-agent (IdentityAgent in ssh_config) work without any identity file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectSsh } from '../../extension/core/ssh/connect';
import type { PromptRequest } from '../../extension/core/ssh/sshAuth';
import { startSshd, type Sshd } from './helpers/sshd';
import { until } from '../kernel/helpers/until';

const TOKEN = 'h3au';
const PASSPHRASE = 'correct horse battery staple';

describe('SSH client authentication', () => {
  let sshd: Sshd;
  let lockedKey: string;
  let agentKey: string;
  let agent: ChildProcess | undefined;
  let agentSock: string;

  before(async () => {
    sshd = await startSshd({ token: TOKEN });
    lockedKey = join(sshd.client.sshDir, 'id_locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-f', lockedKey]);
    agentKey = join(sshd.client.sshDir, 'id_in_agent');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', agentKey]);
    const authorized = join(sshd.dir, 'authorized_keys');
    appendFileSync(authorized, readFileSync(`${lockedKey}.pub`, 'utf8') + readFileSync(`${agentKey}.pub`, 'utf8'));
    // A real ssh-agent on a private socket, holding only agentKey.
    agentSock = join(sshd.client.sshDir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    await until(() => existsSync(agentSock), "ssh-agent's socket", 5_000);
    execFileSync('ssh-add', [agentKey], { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, stdio: 'pipe' });
    sshd.client.addHost(`end_${TOKEN}_locked`, [
      'HostName 127.0.0.1',
      `Port ${sshd.port}`,
      'User root',
      `IdentityFile ${lockedKey}`,
      'IdentitiesOnly yes',
      'IdentityAgent none',
    ]);
    // IdentityFile points at a key sshd does not accept, so only the agent's key can log in.
    sshd.client.addHost(`end_${TOKEN}_agent`, [
      'HostName 127.0.0.1',
      `Port ${sshd.port}`,
      'User root',
      `IdentityFile ${join(sshd.client.sshDir, 'absent_key')}`,
      `IdentityAgent ${agentSock}`,
    ]);
  });

  after(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGTERM');
    await sshd?.stop();
  });

  it('a passphrase-protected key is unlocked through the prompt callback, asked without echo', async () => {
    const asked: PromptRequest[] = [];
    const t = await connectSsh(
      `end_${TOKEN}_locked`,
      sshd.client.connectOptions({
        prompt: async (q) => {
          asked.push(q);
          return PASSPHRASE;
        },
      }),
    );
    assert.equal((await t.exec(['echo', 'in'])).stdout, 'in\n');
    await t.close();
    assert.equal(asked.length, 1);
    assert.equal(asked[0].kind, 'passphrase');
    assert.equal(asked[0].echo, false);
    assert.equal(asked[0].message, `Enter passphrase for key '${lockedKey}':`);
    assert.match(sshd.log(), /Accepted publickey for root/);
  });

  it('a wrong passphrase (three tries) fails, naming what was tried', async () => {
    let tries = 0;
    await assert.rejects(
      connectSsh(
        `end_${TOKEN}_locked`,
        sshd.client.connectOptions({
          prompt: async () => {
            tries++;
            return 'wrong';
          },
        }),
      ),
      new RegExp(
        `authentication to root@127\\.0\\.0\\.1:${sshd.port} failed \\(tried: ssh-agent \\(none\\), ${lockedKey.replace(/[.]/g, '\\.')}`,
      ),
    );
    assert.equal(tries, 3);
  });

  it('keys from ssh-agent (IdentityAgent) work without identity files', async () => {
    const t = await connectSsh(`end_${TOKEN}_agent`, sshd.client.connectOptions());
    assert.equal((await t.exec(['echo', 'via agent'])).stdout, 'via agent\n');
    await t.close();
    // sshd logs which key it accepted: the one only the agent holds.
    const fp = execFileSync('ssh-keygen', ['-lf', `${agentKey}.pub`])
      .toString()
      .split(' ')[1];
    const accepted =
      sshd
        .log()
        .split('\n')
        .filter((l) => l.includes('Accepted publickey'))
        .pop() ?? '';
    assert.ok(accepted.includes(fp), `${accepted} uses ${fp}`);
  });
});
