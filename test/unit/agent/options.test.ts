import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultStateDir, parseOptions } from '../../../remote-agent/options';
import { cgroup2Root, mountPointsOfType } from '../../../remote-agent/host/mounts';

it('command line and environment', () => {
  assert.deepEqual(parseOptions(['--bpftool', '/x/bpftool', '--state-dir', '/tmp/s'], {}), {
    bpftool: '/x/bpftool',
    stateDir: '/tmp/s',
    agentArgs: ['--bpftool', '/x/bpftool', '--state-dir', '/tmp/s'],
  });
  // A kept agent (remote-agent/keep/): the socket and idle time are its own; the agent options are passed on.
  const kept = parseOptions(['--serve', '/run/x.sock', '--idle-exit', '60', '--state-dir', '/tmp/s'], {});
  assert.deepEqual(kept.serve, { socket: '/run/x.sock', idleSeconds: 60 });
  assert.deepEqual(kept.agentArgs, ['--state-dir', '/tmp/s']);
  assert.throws(() => parseOptions(['--serve', 'x.sock', '--idle-exit', '60'], {}), /absolute socket path/);
  assert.throws(() => parseOptions(['--serve', '/run/x.sock'], {}), /--idle-exit SECONDS/);
  assert.equal(parseOptions([], { EBPF_NETDEBUG_BPFTOOL: '/y' }).bpftool, '/y');
  assert.equal(parseOptions(['--watchdog', '/plan.json'], {}).watchdog, '/plan.json');
  assert.equal(
    parseOptions(['--runtime-bpftool', '/h/.cache/ebpf-netdebug/runtime-x64-0123456789abcdef/bpftool/bpftool'], {}).runtimeBpftool,
    '/h/.cache/ebpf-netdebug/runtime-x64-0123456789abcdef/bpftool/bpftool',
  );
  assert.throws(() => parseOptions(['--bpftool'], {}), /--bpftool needs a value/);
  assert.throws(() => parseOptions(['--frobnicate'], {}), /unknown option --frobnicate/);
});

it("state dir: root's cache directory (never /var/lib), XDG_RUNTIME_DIR otherwise", () => {
  assert.equal(defaultStateDir({ HOME: '/root' }, 0), '/root/.cache/ebpf-netdebug/state');
  assert.equal(defaultStateDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000/ebpf-netdebug');
});

it('mount table: bpffs, and cgroup v2 on hybrid and unified hosts', () => {
  const hybrid = 'bpf /sys/fs/bpf bpf rw 0 0\ntmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n';
  assert.deepEqual(mountPointsOfType(hybrid, 'bpf'), ['/sys/fs/bpf']);
  assert.equal(cgroup2Root(hybrid), '/sys/fs/cgroup/unified');
  assert.equal(cgroup2Root('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n'), '/sys/fs/cgroup');
  assert.equal(cgroup2Root('proc /proc proc rw 0 0\n'), null);
});
