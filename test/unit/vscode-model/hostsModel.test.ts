// Several hosts at once in the editor (extension/vscode/hostsModel.ts): which host a command acts on, what the
// status bar and a host's row say, and the rollout's summary line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hosts } from './load';

const { resolveCommandHost, hostOfArg, hostsOfArgs, statusBarText, hostRowDescription, rolloutSummary } = hosts;

test('a command acts on the host of its row, else the selected row, else the only connected host', () => {
  const connected = ['a', 'b'];
  assert.deepEqual(resolveCommandHost({ argHost: 'b', selectedHost: 'a', connected }), { host: 'b' });
  assert.deepEqual(resolveCommandHost({ selectedHost: 'a', connected }), { host: 'a' });
  assert.deepEqual(resolveCommandHost({ connected: ['b'] }), { host: 'b' });
  // A selected row of a host that is not connected does not decide.
  assert.deepEqual(resolveCommandHost({ selectedHost: 'c', connected: ['b'] }), { host: 'b' });
});

test('several connected and nothing selected: ask, the default host first; none connected: connect', () => {
  assert.deepEqual(resolveCommandHost({ connected: ['a', 'b', 'c'], defaultHost: 'c' }), { ask: ['c', 'a', 'b'] });
  assert.deepEqual(resolveCommandHost({ connected: ['a', 'b'], defaultHost: 'z' }), { ask: ['a', 'b'] });
  assert.deepEqual(resolveCommandHost({ connected: [] }), { connect: undefined });
  // A row of a host that is not connected: connect that host (not another one).
  assert.deepEqual(resolveCommandHost({ argHost: 'c', connected: ['a'] }), { connect: 'c' });
});

test('the host of a tree node: a host row carries hostName, rows under it their snapshot index', () => {
  assert.equal(hostOfArg({ hostName: 'a' }), 'a');
  assert.equal(hostOfArg({ idx: { hostName: 'b' }, program: {} }), 'b');
  assert.equal(hostOfArg('xdp:root:eth0'), undefined);
  assert.equal(hostOfArg(undefined), undefined);
  // The clicked row and the multi-selection (VS Code passes both): each host once, in order.
  assert.deepEqual(hostsOfArgs([{ hostName: 'a' }, [{ hostName: 'a' }, { hostName: 'b' }, { idx: { hostName: 'c' } }]]), ['a', 'b', 'c']);
});

test('status bar: one host by name and state, several as a count of connected hosts', () => {
  assert.equal(statusBarText([], 'lab').text, 'eBPF: lab');
  assert.equal(statusBarText([], undefined).text, 'eBPF: no host');
  const one = statusBarText([{ name: 'lab', kind: 'connected' }], undefined);
  assert.deepEqual([one.text, one.icon, one.tone], ['eBPF: lab', 'pulse', 'plain']);
  const failedOne = statusBarText([{ name: 'lab', kind: 'failed', error: 'connection refused' }], undefined);
  assert.deepEqual([failedOne.icon, failedOne.tone], ['error', 'error']);
  assert.match(failedOne.tooltip, /connection refused/);
  const three = statusBarText(
    [
      { name: 'a', kind: 'connected' },
      { name: 'b', kind: 'connected' },
      { name: 'c', kind: 'connected' },
    ],
    undefined,
  );
  assert.deepEqual([three.text, three.icon], ['eBPF: 3 hosts', 'pulse']);
  const mixed = statusBarText(
    [
      { name: 'a', kind: 'connected' },
      { name: 'b', kind: 'failed', error: 'Connection refused' },
    ],
    undefined,
  );
  assert.equal(mixed.text, 'eBPF: 1 host');
  assert.match(mixed.tooltip, /b: failed \(Connection refused\)/);
  assert.equal(
    statusBarText(
      [
        { name: 'a', kind: 'reconnecting' },
        { name: 'b', kind: 'connected' },
      ],
      undefined,
    ).tone,
    'warning',
  );
  const allFailed = statusBarText(
    [
      { name: 'a', kind: 'failed' },
      { name: 'b', kind: 'failed' },
    ],
    undefined,
  );
  assert.deepEqual([allFailed.text, allFailed.tone], ['eBPF: 0 hosts', 'error']);
});

test('a host row says its state, and why when it failed', () => {
  assert.equal(hostRowDescription('root@h', undefined), 'root@h · disconnected');
  assert.equal(hostRowDescription('root@h', { name: 'h', kind: 'connected' }, '6.8.0'), 'root@h · connected · kernel 6.8.0');
  assert.equal(hostRowDescription('root@h', { name: 'h', kind: 'reconnecting' }), 'root@h · reconnecting');
  assert.equal(
    hostRowDescription('root@h', { name: 'h', kind: 'failed', error: 'ssh: connect: ECONNREFUSED' }),
    'root@h · failed: ssh: connect: ECONNREFUSED',
  );
});

test('rollout summary: where it is attached, or where it stopped and what was undone', () => {
  assert.equal(
    rolloutSummary('x.bpf.c on eth0', {
      status: 'completed',
      attached: [{ host: 'a' }, { host: 'b' }],
      failures: [],
      undone: [],
      notTried: [],
    }),
    'Rolled out x.bpf.c on eth0 to 2 hosts: a, b.',
  );
  assert.equal(
    rolloutSummary('x.bpf.c on eth1', {
      status: 'stopped',
      attached: [],
      failures: [{ host: 'b', stage: 'attach', error: { message: 'no interface eth1' } }],
      undone: [{ host: 'a', ok: true }],
      notTried: ['c'],
    }),
    'Rollout of x.bpf.c on eth1 stopped: b failed at attach: no interface eth1. Detached again on a. Not tried: c.',
  );
});
