// Command-line parsing: every wrong command line is refused with exit 2 and one line naming the problem, before
// any connection to a host is tried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneOf, parseAssignments, positiveNumber } from '../../../extension/cli/args';
import { runInProcess } from './runCli';

async function usage(argv: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const r = await runInProcess(argv, env);
  assert.equal(r.code, 2, `${argv.join(' ')}: exit ${r.code}, stderr ${r.err}`);
  assert.equal(r.err.split('\n').filter(Boolean).length, 1, r.err);
  assert.match(r.err, pattern);
  assert.deepEqual(r.connected, [], 'a usage error must not connect');
}

test('unknown commands, kinds and options', async () => {
  await usage(['frobnicate'], /unknown command "frobnicate" \(commands: info, build, inspect, attach, detach, list, trace, lab/);
  await usage(['attach'], /attach: which kind\? expected one of xdp, tc, sockops, skmsg, tracepoints/);
  await usage(['attach', 'kprobe', 'x.o'], /attach kprobe: expected one of xdp, tc, sockops, skmsg, tracepoints/);
  await usage(['attach', 'xdp', '--host', 'local', '--dev', 'eth0', '--bogus', 'x.o'], /attach xdp: Unknown option '--bogus'/);
  await usage(['list', 'widgets', '--host', 'local'], /list widgets: expected one of programs, maps, net, links, attachments/);
  await usage(['lab', 'explode', 'x'], /lab explode: expected one of create, destroy, list/);
  await usage(['info', '--host'], /info: Option '-H, --host <value>' argument missing/);
});

test('per-kind requirements and options that do not apply', async () => {
  await usage(['attach', 'xdp', '--host', 'local', 'x.o'], /attach xdp: --dev IFACE is required/);
  await usage(['attach', 'tc', '--host', 'local', '--dev', 'eth0', 'x.o'], /attach tc: --direction ingress\|egress is required/);
  await usage(['attach', 'sockops', '--host', 'local', 'x.o'], /attach sockops: --cgroup PATH is required/);
  await usage(
    ['attach', 'sockops', '--host', 'local', '--cgroup', '/sys/fs/cgroup/x', '--dev', 'eth0', 'x.o'],
    /attach sockops: --dev does not apply \(options for sockops: --cgroup, --create-cgroup\)/,
  );
  await usage(
    ['attach', 'tracepoints', '--host', 'local', '--mode', 'native', 'x.o'],
    /--mode does not apply \(options for tracepoints: none\)/,
  );
  await usage(
    ['attach', 'xdp', '--host', 'local', '--dev', 'eth0', '--mode', 'turbo', 'x.o'],
    /--mode turbo: expected one of native, generic, offload/,
  );
  await usage(
    ['attach', 'tc', '--host', 'local', '--dev', 'eth0', '--direction', 'up', 'x.o'],
    /--direction up: expected one of ingress, egress/,
  );
  await usage(
    ['attach', 'xdp', '--host', 'local', '--dev', 'eth0', '--confirm-within=-5', 'x.o'],
    /--confirm-within -5: expected a positive number/,
  );
  await usage(
    ['attach', 'tc', '--host', 'local', '--dev', 'eth0', '--direction', 'egress', '--confirm-within', '5', '--no-confirm', 'x.o'],
    /attach tc: --confirm-within and --no-confirm contradict each other/,
  );
  await usage(['attach', 'sockops', '--host', 'local', '--cgroup', '/x', '--no-confirm', 'x.o'], /--no-confirm does not apply/);
  await usage(['attach', 'xdp', '--host', 'local', '--dev', 'eth0', '--set', 'x', 'x.o'], /--set x: expected NAME=VALUE/);
  await usage(['attach', 'xdp', '--host', 'local', '--dev', 'eth0', '--name', 'a/b', 'x.o'], /--name a\/b: object names are 1-64/);
  await usage(
    ['attach', 'xdp', '--host', 'local', '--dev', 'eth0'],
    /attach xdp: an object \(FILE\.o\) or source \(FILE\.bpf\.c\) is required/,
  );
  await usage(
    ['attach', 'xdp', '--host', 'local', '--dev', 'eth0', 'a.o', 'b.o'],
    /attach xdp: expected one an object .* got 2: a\.o b\.o/,
  );
});

test('--host is required unless $EBPF_NETDEBUG_HOST is set', async () => {
  await usage(['info'], /info: --host is required \(--host local for this machine/);
  await usage(['list', 'programs'], /list programs: --host is required/);
  const r = await runInProcess(['info'], { EBPF_NETDEBUG_HOST: 'local' });
  assert.deepEqual(r.connected, ['local']);
  assert.equal(r.code, 1);
  assert.equal(r.err, 'ebpf-netdebug: unit tests do not connect (asked for local)\n');
});

test('lab and list argument checks', async () => {
  await usage(['lab', 'create', 'Bad_Name', '--host', 'local'], /lab name "Bad_Name" must be 1-8 lowercase letters or digits/);
  await usage(['lab', 'create', 'ok', '--host', 'local', '--topology', 'ring'], /--topology ring: expected one of pair, bridge/);
  await usage(['lab', 'destroy', 'ok', '--host', 'local', '--ipv6'], /lab destroy: takes only a name/);
  await usage(['list', 'maps', '--host', 'local', '--netns', 'x'], /list maps: --netns applies to list net only/);
  await usage(['trace', '--host', 'local', '--source', 'kprobe'], /--source kprobe: expected one of trace_pipe, packet-path/);
  await usage(['trace', '--host', 'local', '--source', 'packet-path', '--filter', 'icmp or tcp'], /--filter: "or" is not supported/);
  await usage(['trace', '--host', 'local', 'icmp'], /trace: unexpected argument icmp \(a filter goes in --filter/);
  await usage(['detach', '--host', 'local'], /detach: an attachment id .* is required/);
});

test('help and version', async () => {
  const h = await runInProcess(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /^Usage: ebpf-netdebug COMMAND/);
  assert.equal((await runInProcess(['attach', 'xdp', '--help'])).code, 0);
  assert.equal((await runInProcess([])).code, 2);
  assert.match((await runInProcess(['--version'])).out, /^ebpf-netdebug \d+\.\d+\.\d+\n$/);
});

test('helpers: assignments, choices, numbers', () => {
  assert.deepEqual(parseAssignments('--set', ['a=1', 'b_2=x=y', 'c=']), { a: '1', b_2: 'x=y', c: '' });
  assert.throws(() => parseAssignments('--set', ['a=1', 'a=2']), /--set: a is given twice/);
  assert.throws(() => parseAssignments('--set', ['1a=1']), /expected NAME=VALUE with a C identifier/);
  assert.equal(oneOf('--x', undefined, ['a']), undefined);
  assert.equal(positiveNumber('--d', '1.5'), 1.5);
  assert.throws(() => positiveNumber('--d', 'soon'), /--d soon: expected a positive number/);
});
