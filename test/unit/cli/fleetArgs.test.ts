// The fleet options on the command line: every wrong combination is refused with exit 2 and one line naming the
// problem, before any connection; a good inventory reaches every host it names (and the summary says which failed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInProcess } from './runCli';

async function usage(argv: string[], pattern: RegExp): Promise<void> {
  const r = await runInProcess(argv);
  assert.equal(r.code, 2, `${argv.join(' ')}: exit ${r.code}, stderr ${r.err}`);
  assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
  assert.match(r.err, pattern);
  assert.deepEqual(r.connected, [], 'a usage error must not connect');
}

test('fleet options that do not go together, or are malformed', async () => {
  await usage(['list', 'programs', '--hosts', 'a,b', '--host', 'c'], /list: --host and --hosts\/--inventory exclude each other/);
  await usage(['list', 'programs', '--hosts', 'a,,b'], /--hosts "a,,b": expected H1,H2,\.\.\. without empty items/);
  await usage(['list', 'programs', '--hosts', 'a,a'], /--hosts: a is given twice/);
  await usage(['info', '--hosts', 'a', '--limit', 'web'], /info: --limit applies to --inventory/);
  await usage(['info', '--hosts', 'a', '--parallel', '0'], /--parallel 0: expected a whole number from 1 to 1000/);
  await usage(['info', '--hosts', 'a', '--stagger', 'soon'], /--stagger soon: expected a whole number/);
  await usage(['info', '--inventory', '/nonexistent/hosts.ini'], /--inventory \/nonexistent\/hosts\.ini: no such file/);
  await usage(['lab', 'list', '--hosts', 'a,b'], /lab: --hosts\/--inventory apply to info, list, attach, detach, trace/);
  await usage(['list', 'widgets', '--hosts', 'a,b'], /list widgets: expected one of programs/);
  await usage(
    ['attach', 'xdp', '--hosts', 'a,b', '--rollout', 'bluegreen', '--dev', 'eth0', 'x.o'],
    /--rollout bluegreen: expected canary/,
  );
  await usage(['attach', 'sockops', '--hosts', 'a,b', '--rollout', 'canary', '--cgroup', '/x', 'x.o'], /--rollout applies to xdp and tc/);
  await usage(
    ['attach', 'xdp', '--hosts', 'a,b', '--rollout', 'canary', '--no-confirm', '--dev', 'eth0', 'x.o'],
    /--no-confirm does not go with it/,
  );
  await usage(
    ['attach', 'xdp', '--hosts', 'a,b', '--rollout', 'canary', '--health-ping', '-f', '--dev', 'eth0', 'x.o'],
    /--health-ping needs a value/,
  );
  await usage(['list', 'programs', '--hosts', 'a,b', '--rollout', 'canary'], /list: --rollout applies to attach/);
  await usage(
    ['trace', '--hosts', 'a,b', '--netns-scope', 'mine', '--source', 'packet-path'],
    /--netns-scope mine: expected one of own, all/,
  );
  await usage(['list', 'programs', '--hosts', 'a', '--netns-scope', 'own'], /list: --netns-scope applies to trace/);
  await usage(['trace', '--host', 'a', '--netns-scope', 'own'], /trace: --netns-scope goes with --source packet-path/);
  await usage(['diff', '--host', 'a'], /diff: give two hosts: --host A --host B \(got 1\)/);
  await usage(['diff', '--host', 'a', '--host', 'a'], /diff: --host a is given twice/);
});

test('an inventory reaches each of its hosts; each failure is in the summary and the exit status', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-args-'));
  try {
    const inv = join(dir, 'hosts.yml');
    writeFileSync(
      inv,
      'all:\n  children:\n    web:\n      hosts:\n        web1: { ansible_host: 10.0.0.1 }\n        web2: { ansible_host: 10.0.0.2, ansible_user: ops }\n    db:\n      hosts:\n        db1:\n',
    );
    const r = await runInProcess(['list', 'programs', '--inventory', inv, '--limit', 'web', '--json']);
    assert.equal(r.code, 1);
    assert.deepEqual(r.connected, ['10.0.0.1', 'ops@10.0.0.2']);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { host: string; ok: boolean; error: string });
    assert.deepEqual(
      lines.map((l) => [l.host, l.ok]),
      [
        ['web1', false],
        ['web2', false],
      ],
    );
    assert.match(lines[0].error, /unit tests do not connect \(asked for 10\.0\.0\.1\)/);
    assert.match(r.err, /^2 hosts: 0 ok, 2 failed\n {2}web1: .*\n {2}web2: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
