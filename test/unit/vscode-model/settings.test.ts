// The settings rules (extension/vscode/settingsModel.ts): good values pass, every bad one becomes its default
// with a warning naming the setting, and nothing throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { settings } from './load';

const { defaultSettings, parseSettings } = settings;

const reader = (o: Record<string, unknown>) => (k: string) => o[k];

test('no settings: the defaults, no warnings', () => {
  const r = parseSettings(reader({}));
  assert.deepEqual(r.values, defaultSettings);
  assert.deepEqual(r.warnings, []);
});

test('good values pass through', () => {
  const r = parseSettings(
    reader({
      hosts: [{ name: 'lab', target: 'root@10.0.0.2:2222', bpftoolPath: '/usr/sbin/bpftool' }, { target: 'local' }],
      defaultHost: 'lab',
      'xdp.defaultMode': 'generic',
      confirmWithin: 0,
      'trace.maxRows': 200,
      'compile.extraFlags': ['-DDEBUG'],
    }),
  );
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(r.values.hosts, [
    { name: 'lab', target: 'root@10.0.0.2:2222', bpftoolPath: '/usr/sbin/bpftool' },
    { name: 'local', target: 'local' },
  ]);
  assert.equal(r.values.defaultHost, 'lab');
  assert.equal(r.values.xdpDefaultMode, 'generic');
  assert.equal(r.values.confirmWithin, 0);
  assert.equal(r.values.traceMaxRows, 200);
});

test('hosts[].sudo is not a setting: a leftover one is named in a warning, never silently ignored', () => {
  const r = parseSettings(reader({ hosts: [{ name: 'lab', target: 'root@10.0.0.2', sudo: true }] }));
  assert.deepEqual(r.values.hosts, [{ name: 'lab', target: 'root@10.0.0.2' }]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /hosts\[0\]\.sudo is not used/);
});

test('bad values become defaults, each with a warning naming it', () => {
  const r = parseSettings(
    reader({
      hosts: [
        { name: 'a', target: '-oProxyCommand=evil' },
        { name: 'b', target: 'b.example', identityFile: 'relative/key' },
        { name: 'b', target: 'c' },
        7,
      ],
      defaultHost: 'nope',
      'xdp.defaultMode': 'fast',
      confirmWithin: -1,
      'trace.maxRows': 'lots',
      autoConnect: 'yes',
      'compile.extraFlags': '-O3',
    }),
  );
  assert.deepEqual(r.values.hosts, [{ name: 'b', target: 'b.example' }], 'only the valid host stays, without the bad path');
  assert.equal(r.values.defaultHost, '');
  assert.equal(r.values.xdpDefaultMode, 'ask');
  assert.equal(r.values.confirmWithin, 15);
  assert.equal(r.values.traceMaxRows, 100_000, 'the default, the same as package.json and the live trace');
  assert.equal(r.values.autoConnect, true);
  assert.deepEqual(r.values.compileExtraFlags, []);
  const all = r.warnings.join('\n');
  for (const key of [
    'hosts[0].target',
    'hosts[1].identityFile',
    'hosts[2].name',
    'hosts[3]',
    'defaultHost',
    'xdp.defaultMode',
    'confirmWithin',
    'trace.maxRows',
    'autoConnect',
    'compile.extraFlags',
  ]) {
    assert.ok(all.includes(`ebpfNetDebug.${key}`), `a warning names ebpfNetDebug.${key}:\n${all}`);
  }
});

test('paths that would write extra ssh_config lines or split in two are refused', () => {
  const r = parseSettings(
    reader({
      hosts: [
        {
          name: 'x',
          target: 'root@10.0.0.2',
          knownHostsFile: '/tmp/kh\n  StrictHostKeyChecking no',
          identityFile: '/home/u/my key',
          bpftoolPath: '/usr/sbin/bpftool\u0000',
        },
      ],
    }),
  );
  assert.deepEqual(r.values.hosts, [{ name: 'x', target: 'root@10.0.0.2' }]);
  for (const key of ['knownHostsFile', 'identityFile', 'bpftoolPath']) {
    assert.ok(
      r.warnings.some((w) => w.includes(`ebpfNetDebug.hosts[0].${key}`)),
      key,
    );
  }
});

test('runtimeDir: an absolute plain path, or empty for the extension own copy; anything else is refused', () => {
  assert.equal(parseSettings(reader({ runtimeDir: '/srv/ebpf-netdebug/runtime' })).values.runtimeDir, '/srv/ebpf-netdebug/runtime');
  for (const bad of ['relative/dir', '/a b', '/x\nStrictHostKeyChecking no', 7]) {
    const r = parseSettings(reader({ runtimeDir: bad }));
    assert.equal(r.values.runtimeDir, '');
    assert.match(r.warnings.join('\n'), /ebpfNetDebug\.runtimeDir/);
  }
});

test('hosts[].netnsScope: own or all (absent: all); anything else is named in a warning and the host keeps all', () => {
  const r = parseSettings(
    reader({
      hosts: [
        { name: 'a', target: 'a.example', netnsScope: 'own' },
        { name: 'b', target: 'b.example', netnsScope: 'all' },
        { name: 'c', target: 'c.example' },
        { name: 'd', target: 'd.example', netnsScope: 'mine' },
        { name: 'e', target: 'e.example', netnsScope: true },
      ],
    }),
  );
  assert.deepEqual(r.values.hosts, [
    { name: 'a', target: 'a.example', netnsScope: 'own' },
    { name: 'b', target: 'b.example', netnsScope: 'all' },
    { name: 'c', target: 'c.example' },
    { name: 'd', target: 'd.example' },
    { name: 'e', target: 'e.example' },
  ]);
  assert.deepEqual(
    r.values.hosts.map((h) => settings.netnsScopeOf(h)),
    ['own', 'all', 'all', 'all', 'all'],
  );
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0], /ebpfNetDebug\.hosts\[3\]\.netnsScope must be "own" or "all"/);
  assert.match(r.warnings[1], /ebpfNetDebug\.hosts\[4\]\.netnsScope/);
});
