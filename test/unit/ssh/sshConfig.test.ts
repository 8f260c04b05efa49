// ssh_config resolution: OpenSSH's first-obtained-value-wins, Host patterns against the typed name, command-line
// user/port over the config, ProxyJump chains resolved through the same config, ~ and %tokens in paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostSpec } from '../../../extension/core/ssh/hostSpec';
import { resolveHost } from '../../../extension/core/ssh/sshConfig';

function withConfig(text: string, fn: (env: { home: string; configPath: string; localUser: string }) => void) {
  const home = mkdtempSync(join(tmpdir(), 'end-sshcfg-'));
  try {
    const configPath = join(home, 'config');
    writeFileSync(configPath, text);
    fn({ home, configPath, localUser: 'alice' });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test('host specs parse strictly and errors name the bad part', () => {
  assert.deepEqual(parseHostSpec('lab'), { host: 'lab', user: undefined, port: undefined });
  assert.deepEqual(parseHostSpec('root@10.0.0.2:2222'), { host: '10.0.0.2', user: 'root', port: 2222 });
  assert.deepEqual(parseHostSpec('bob@[fe80::1]:22'), { host: 'fe80::1', user: 'bob', port: 22 });
  assert.throws(() => parseHostSpec(''), /host: empty/);
  assert.throws(() => parseHostSpec('root@h:99999'), /bad port "99999"/);
  assert.throws(() => parseHostSpec('a b@h'), /bad user name "a b"/);
  assert.throws(() => parseHostSpec('h;rm -rf /'), /bad host name/);
});

test('first match wins, specific Host before Host *, command line beats config', () => {
  withConfig(
    `
Host lab
  HostName 10.1.2.3
  User labuser
  Port 2200
  IdentityFile ~/.ssh/lab_key
  StrictHostKeyChecking yes
  UserKnownHostsFile ~/kh_lab %d/kh_second
Host *
  User everyone
  Port 22
  IdentityFile ~/.ssh/other
  ServerAliveInterval 5
`,
    (env) => {
      const r = resolveHost('lab', env);
      assert.equal(r.hostName, '10.1.2.3');
      assert.equal(r.user, 'labuser');
      assert.equal(r.port, 2200);
      assert.deepEqual(r.identityFiles, [join(env.home, '.ssh/lab_key'), join(env.home, '.ssh/other')]);
      assert.equal(r.strictHostKeyChecking, 'yes');
      assert.deepEqual(r.knownHostsFiles, [join(env.home, 'kh_lab'), join(env.home, 'kh_second')]);
      assert.equal(r.serverAliveInterval, 5);
      const cli = resolveHost('carol@lab:2300', env);
      assert.equal(cli.user, 'carol');
      assert.equal(cli.port, 2300);
      const other = resolveHost('elsewhere', env);
      assert.equal(other.hostName, 'elsewhere');
      assert.equal(other.user, 'everyone');
      assert.equal(other.strictHostKeyChecking, 'ask');
      assert.deepEqual(other.knownHostsFiles, [join(env.home, '.ssh/known_hosts')]);
    },
  );
});

test('no config file: OpenSSH defaults (local user, port 22, default identity files)', () => {
  const r = resolveHost('somehost', { home: '/nonexistent-home', configPath: '/nonexistent-home/.ssh/config', localUser: 'zed' });
  assert.equal(r.user, 'zed');
  assert.equal(r.port, 22);
  assert.deepEqual(r.identityFiles, [
    '/nonexistent-home/.ssh/id_ed25519',
    '/nonexistent-home/.ssh/id_ecdsa',
    '/nonexistent-home/.ssh/id_rsa',
  ]);
});

test('ProxyJump chains resolve each hop through the same config; %h in HostName', () => {
  withConfig(
    `
Host inner
  HostName 192.168.7.2
  ProxyJump bastion,jumper@hop2:2022
Host bastion
  HostName bastion.%h.example
  User jumpuser
Host hop2
  HostName 10.9.9.9
`,
    (env) => {
      const r = resolveHost('inner', env);
      assert.equal(r.proxyJump.length, 2);
      assert.equal(r.proxyJump[0].hostName, 'bastion.bastion.example');
      assert.equal(r.proxyJump[0].user, 'jumpuser');
      assert.equal(r.proxyJump[1].hostName, '10.9.9.9');
      assert.equal(r.proxyJump[1].user, 'jumper');
      assert.equal(r.proxyJump[1].port, 2022);
    },
  );
});

test('a bad number in the config is an error naming the directive', () => {
  withConfig('Host x\n  Port twenty\n', (env) => {
    assert.throws(() => resolveHost('x', env), /Port "twenty" is not a number/);
  });
});

test('an injected known_hosts list wins over UserKnownHostsFile', () => {
  withConfig('Host k\n  UserKnownHostsFile ~/from_config\n', (env) => {
    assert.deepEqual(resolveHost('k', { ...env, knownHostsFiles: ['/tmp/injected_kh'] }).knownHostsFiles, ['/tmp/injected_kh']);
    assert.deepEqual(resolveHost('k', env).knownHostsFiles, [join(env.home, 'from_config')]);
  });
});

test('the global known_hosts files are read too (never written): OpenSSH defaults, GlobalKnownHostsFile, none when a list is injected', () => {
  withConfig('Host lab\n  GlobalKnownHostsFile /etc/ssh/lab_known_hosts ~/shared_hosts\nHost *\n  User bob\n', (env) => {
    const plain = resolveHost('other', env);
    assert.deepEqual(plain.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
    assert.deepEqual(plain.knownHostsFiles, [join(env.home, '.ssh', 'known_hosts')], 'new keys still go to the user file');
    assert.deepEqual(resolveHost('lab', env).globalKnownHostsFiles, ['/etc/ssh/lab_known_hosts', join(env.home, 'shared_hosts')]);
    assert.deepEqual(resolveHost('lab', { ...env, knownHostsFiles: ['/tmp/kh'] }).globalKnownHostsFiles, []);
  });
});

test('Include: globs relative to ~/.ssh in sorted order, ~ and absolute paths, nested, the including block going on after it', () => {
  const home = mkdtempSync(join(tmpdir(), 'end-sshinc-'));
  try {
    const ssh = join(home, '.ssh');
    mkdirSync(join(ssh, 'config.d'), { recursive: true });
    // Sorted: 10-lab before 20-all, so lab's HostName wins over the later Host * one (first obtained value wins).
    writeFileSync(join(ssh, 'config.d', '20-all'), 'Host *\n  HostName from-20-all\n  Port 2020\n');
    writeFileSync(join(ssh, 'config.d', '10-lab'), 'Host lab\n  HostName 10.9.9.9\n  Include nested\n');
    writeFileSync(join(ssh, 'config.d', '.hidden'), 'Host *\n  User hidden\n');
    writeFileSync(join(ssh, 'nested'), 'User nested-user\n');
    writeFileSync(join(home, 'extra'), 'Host other\n  HostName other.example\n');
    const configPath = join(ssh, 'config');
    writeFileSync(
      configPath,
      [
        'Host edge',
        '  Include ~/extra',
        // After the Include, this line is still edge's, not other's.
        '  HostName edge.example',
        'Include config.d/*',
        `Include ${join(home, 'missing-*')} ${join(home, 'not-there')}`,
        '',
      ].join('\n'),
    );
    const env = { home, configPath, localUser: 'alice' };
    const lab = resolveHost('lab', env);
    assert.equal(lab.hostName, '10.9.9.9');
    assert.equal(lab.user, 'nested-user', 'the nested Include inside Host lab applies to lab');
    assert.equal(lab.port, 2020);
    const edge = resolveHost('edge', env);
    assert.equal(edge.hostName, 'edge.example', "the line after the Include stays in edge's block");
    assert.equal(edge.user, 'alice', 'dot files are not matched by *');
    assert.equal(resolveHost('other', env).hostName, 'other.example');
    assert.equal(resolveHost('unrelated', env).hostName, 'from-20-all');

    writeFileSync(join(ssh, 'loop'), 'Include loop\n');
    writeFileSync(configPath, 'Include loop\n');
    assert.throws(() => resolveHost('x', env), /Include nested more than 16 deep/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
