// Agent deployment through a real sshd: uploaded once, re-used on the next connection (checksum hit), replaced when
// the bundle changes or its version does; two windows get two agent processes; a host without Node.js on the
// login's PATH and a non-root login without passwordless sudo both fail with an error that names the fix.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, type Session } from '../../extension/core/session';
import { DeployError } from '../../extension/core/deploy/deployAgent';
import { startSshd, type Sshd } from './helpers/sshd';

const TOKEN = 'h3dep';
const BUILT_AGENT = join(__dirname, '..', '..', 'dist', 'agent.js');
// A private copy (see before()): a concurrent `node scripts/build.mjs` must not change the bundle between two
// connections of one test. Version given explicitly, since the copy has no package.json beside it.
let AGENT = BUILT_AGENT;
const REMOTE_BASE = `.cache/end_${TOKEN}`;
// The runtime built by scripts/build-runtime.sh, beside the built bundle (the agent copy below has none beside it).
const RUNTIME = join(__dirname, '..', '..', 'dist', 'runtime');
const NOSUDO_USER = `end_nosudo_${TOKEN}`.slice(0, 32);
const SUDO_USER = `end_sudo_${TOKEN}`.slice(0, 32);
const SUDOERS = `/etc/sudoers.d/end_${TOKEN}`;

function userExists(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('agent deployment over SSH', () => {
  let sshd: Sshd;
  let noNode: Sshd;
  let scratch: string;
  const sessions: Session[] = [];
  const open = async (agentPath = AGENT, extra: { agentVersion?: string } = {}) => {
    const s = await openSession(sshd.spec, {
      agentPath,
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: REMOTE_BASE, agentVersion: '0.1.0', ...extra },
      reconnect: false,
    });
    sessions.push(s);
    return s;
  };

  before(async () => {
    assert.ok(existsSync(BUILT_AGENT), 'dist/agent.js is built (node scripts/build.mjs)');
    scratch = mkdtempSync(join(tmpdir(), `end_${TOKEN}_`));
    chmodSync(scratch, 0o755); // the test users' homes live inside
    AGENT = join(scratch, 'agent-copy.js');
    copyFileSync(BUILT_AGENT, AGENT);
    sshd = await startSshd({ token: TOKEN });
    // The same host seen through a login whose PATH has no Node.js (a restricted environment set by sshd itself;
    // Debian's /bin is /usr/bin, so only sbin directories remain).
    noNode = await startSshd({ token: `${TOKEN}n`, client: sshd.client, extraConfig: ['SetEnv PATH=/usr/sbin:/sbin'] });
    for (const u of [NOSUDO_USER, SUDO_USER]) if (userExists(u)) execFileSync('userdel', ['-r', u], { stdio: 'pipe' });
    // A login allowed to run exactly node as root without a password: the sudoers line our error message suggests.
    execFileSync('useradd', ['--create-home', '--home-dir', join(scratch, 'sudo-home'), '--shell', '/bin/bash', SUDO_USER]);
    execFileSync('usermod', ['-p', '*', SUDO_USER]);
    writeFileSync(SUDOERS, `${SUDO_USER} ALL=(root) NOPASSWD: /usr/bin/node\n`, { mode: 0o440 });
    execFileSync('visudo', ['-c', '-f', SUDOERS], { stdio: 'pipe' });
    execFileSync('useradd', ['--create-home', '--home-dir', join(scratch, 'nosudo-home'), '--shell', '/bin/bash', NOSUDO_USER]);
    // useradd leaves the password "!" (locked), and sshd refuses locked accounts even for keys; "*" = no password.
    execFileSync('usermod', ['-p', '*', NOSUDO_USER]);
  });

  after(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
    rmSync(join('/root', `${REMOTE_BASE}-nonode`), { recursive: true, force: true });
    await noNode?.stop();
    await sshd?.stop();
    for (const u of [NOSUDO_USER, SUDO_USER]) if (userExists(u)) execFileSync('userdel', ['-r', u], { stdio: 'pipe' });
    rmSync(SUDOERS, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('uploads once to ~/.cache/.../agent-<version>/ (0700) and re-uses it on the next connection', async () => {
    const first = await open();
    assert.equal(first.deployment?.uploaded, true);
    assert.equal(first.deployment?.remotePath, `/root/${REMOTE_BASE}/agent-0.1.0/agent.js`);
    assert.equal(statSync(join('/root', REMOTE_BASE, 'agent-0.1.0')).mode & 0o777, 0o700);
    assert.equal(first.facts.privileges.root, true);
    assert.ok(Array.isArray(await first.client.listPrograms()), 'the agent answers a listing over the connection');
    const second = await open();
    assert.equal(second.deployment?.uploaded, false, 'checksum hit: not uploaded again');
    assert.equal(second.deployment?.sha256, first.deployment?.sha256);
  });

  it('two windows on one host: each its own agent process', async () => {
    const [a, b] = sessions.slice(-2);
    const pids = execFileSync('pgrep', ['-f', a.deployment!.remotePath]).toString().trim().split('\n');
    assert.ok(pids.length >= 2, `two agent processes run ${a.deployment!.remotePath} (pids ${pids.join(',')})`);
    assert.notEqual(a.client, b.client);
  });

  it('a changed bundle is replaced; another version replaces the old version directory', async () => {
    const changed = join(scratch, 'agent.js');
    copyFileSync(AGENT, changed);
    appendFileSync(changed, `\n// changed by ${TOKEN}\n`);
    // Same version (a rebuilt bundle), different content.
    const s = await open(changed);
    assert.equal(s.deployment?.uploaded, true, 'different sha256: uploaded');
    assert.equal(s.deployment?.remotePath, `/root/${REMOTE_BASE}/agent-0.1.0/agent.js`);
    const v2 = await open(AGENT, { agentVersion: '0.1.0-end2' });
    assert.equal(v2.deployment?.uploaded, true);
    assert.deepEqual(v2.deployment?.removedVersions, ['agent-0.1.0']);
    assert.equal(existsSync(join('/root', REMOTE_BASE, 'agent-0.1.0')), false, 'the old version is gone');
    assert.ok((await v2.client.listPrograms()).length >= 0);
  });

  it('a host without Node.js on PATH and no runtime to bring: a clear error saying how to fix it, nothing uploaded', async () => {
    const base = `${REMOTE_BASE}-nonode`;
    const empty = join(scratch, 'no-runtime');
    await assert.rejects(
      openSession(noNode.spec, {
        agentPath: AGENT,
        ssh: sshd.client.connectOptions(),
        deploy: { remoteBase: base, runtimeDir: empty },
        reconnect: false,
      }),
      (e: unknown) => {
        assert.ok(e instanceof DeployError, String(e));
        assert.equal(e.kind, 'NodeMissing');
        assert.match(e.message, /Node\.js is not installed/);
        assert.match(e.message, /apt-get install nodejs/);
        assert.match(e.message, /nodesource/i);
        assert.match(e.message, /scripts\/build-runtime\.sh/);
        assert.ok(e.message.includes(`(${empty} has none)`), e.message);
        assert.match(e.message, /ebpfNetDebug\.runtimeDir or \$EBPF_NETDEBUG_RUNTIME_DIR/);
        return true;
      },
    );
    assert.equal(existsSync(join('/root', base)), false);
  });

  it('a host without Node.js on PATH: the agent arrives with its runtime and runs on it', async () => {
    const base = `${REMOTE_BASE}-nonode`;
    const s = await openSession(noNode.spec, {
      agentPath: AGENT,
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: base, agentVersion: '0.1.0', runtimeDir: RUNTIME },
      reconnect: false,
    });
    sessions.push(s);
    assert.ok(s.deployment?.runtime, 'a runtime was used');
    assert.equal(s.deployment?.runtime?.uploaded, true);
    assert.ok(s.deployment!.uploadedBytes > 40_000_000, String(s.deployment?.uploadedBytes));
    assert.equal(s.deployment?.node.path, `${s.deployment!.runtime!.dir}/node/node`);
    assert.equal(s.facts.nodeVersion, 'v24.21.0');
    const again = await openSession(noNode.spec, {
      agentPath: AGENT,
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: base, agentVersion: '0.1.0', runtimeDir: RUNTIME },
      reconnect: false,
    });
    sessions.push(again);
    assert.equal(again.deployment?.uploadedBytes, 0, 'the second connection reuses both');
    assert.equal(again.deployment?.runtime?.uploaded, false);
    rmSync(join('/root', base), { recursive: true, force: true });
  });

  it('a non-root login without passwordless sudo: the error names sudo and the sudoers fix', async () => {
    await assert.rejects(
      openSession(`${NOSUDO_USER}@127.0.0.1:${sshd.port}`, {
        agentPath: AGENT,
        ssh: sshd.client.connectOptions(),
        deploy: { remoteBase: REMOTE_BASE },
        reconnect: false,
      }),
      (e: unknown) => {
        assert.ok(e instanceof DeployError, String(e));
        assert.equal(e.kind, 'SudoNeedsPassword');
        assert.match(e.message, new RegExp(`logged in as ${NOSUDO_USER} \\(not root\\)`));
        assert.match(e.message, /NOPASSWD: \/usr\/bin\/node/);
        assert.match(e.detail, /password is required/);
        return true;
      },
    );
  });

  it('a non-root login with passwordless sudo for node: the agent runs as root through sudo -n', async () => {
    const s = await openSession(`${SUDO_USER}@127.0.0.1:${sshd.port}`, {
      agentPath: AGENT,
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: REMOTE_BASE, agentVersion: '0.1.0' },
      reconnect: false,
    });
    sessions.push(s);
    assert.equal(s.deployment?.viaSudo, true);
    assert.notEqual(s.deployment?.loginUid, 0);
    assert.deepEqual(s.deployment?.argv.slice(0, 4), ['sudo', '-n', '--', '/usr/bin/node']);
    assert.ok(s.deployment?.remotePath.startsWith(join(scratch, 'sudo-home')), s.deployment?.remotePath);
    assert.equal(s.facts.privileges.root, true, 'the agent is root');
    assert.ok(Array.isArray(await s.client.listPrograms()));
    // The trace counters for gap accounting go through the same sudo rule (node only).
    const stream = await s.startTrace({ source: 'trace_pipe', filter: `end_${TOKEN}_never` });
    await stream.stop();
  });

  it('bad input names the bad argument', async () => {
    await assert.rejects(openSession('root@127.0.0.1:notaport', { agentPath: AGENT }), /host: bad port "notaport"/);
    await assert.rejects(openSession(sshd.spec, { agentPath: join(scratch, 'missing.js') }), /agentPath: .*missing\.js does not exist/);
    await assert.rejects(open(AGENT, { agentVersion: '../../etc' }), /agentVersion: "\.\.\/\.\.\/etc"/);
  });
});
