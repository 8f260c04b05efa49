// Every name a request carries is checked before it reaches an argv; errors name the argument.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentErrorCode } from '../../../protocol/agent';
import { AgentError } from '../../../remote-agent/core/errors';
import {
  validateCgroupPath,
  validateEnum,
  validateIfName,
  validateLabName,
  validateNetns,
  validateObjectName,
  validatePinPath,
} from '../../../remote-agent/core/validate';

function refused(fn: () => unknown, argument: string, code: number = AgentErrorCode.BadArgument): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof AgentError && e.code === code && e.data.argument === argument && e.message.startsWith(argument),
  );
}

describe('interface names', () => {
  it('accepts what ip link accepts', () => {
    for (const n of ['eth0', 'veth_a', 'end_lab_r', 'br-0.100', 'a'.repeat(15)]) assert.equal(validateIfName(n), n);
  });
  it('refuses shell metacharacters, slashes, spaces, empty and too long names', () => {
    for (const n of ['eth0;reboot', 'eth0 x', '$(id)', 'a/b', '', 'a'.repeat(16), '..', 'eth0`', 'é', '-h', '--help', 'eth\u00000'])
      refused(() => validateIfName(n), 'dev');
    refused(() => validateIfName(42), 'dev');
  });
});

describe('network namespaces', () => {
  it('root and absent mean the initial namespace', () => {
    assert.equal(validateNetns(undefined), 'root');
    assert.equal(validateNetns('root'), 'root');
  });
  it('a well-formed name that does not exist is NotFound', () => {
    refused(() => validateNetns('end_nope_zz9'), 'netns', AgentErrorCode.NotFound);
  });
  it('bad names are BadArgument before the filesystem is looked at', () => {
    for (const n of ['../etc', 'a;b', 'x y', '.', '-h']) refused(() => validateNetns(n), 'netns');
  });
});

describe('pin paths, cgroups, object and lab names', () => {
  it('pins must stay inside /sys/fs/bpf', () => {
    assert.equal(validatePinPath('/sys/fs/bpf/ebpf-netdebug/x/prog'), '/sys/fs/bpf/ebpf-netdebug/x/prog');
    for (const p of ['/etc/passwd', '/sys/fs/bpf/../../etc', 'relative', '/sys/fs/bpfx/a', '/sys/fs/bpf/a b'])
      refused(() => validatePinPath(p), 'pin');
  });
  it('cgroups must be inside the v2 mount', () => {
    assert.equal(validateCgroupPath('/sys/fs/cgroup/unified', '/sys/fs/cgroup/unified'), '/sys/fs/cgroup/unified');
    refused(() => validateCgroupPath('/sys/fs/cgroup/memory', '/sys/fs/cgroup/unified'), 'cgroup');
    refused(() => validateCgroupPath('/sys/fs/cgroup/unified/../memory', '/sys/fs/cgroup/unified'), 'cgroup');
  });
  it('object and lab names', () => {
    assert.equal(validateObjectName('drop-ping_1'), 'drop-ping_1');
    refused(() => validateObjectName('a/b'), 'name');
    refused(() => validateObjectName('-rf'), 'name');
    refused(() => validateObjectName('x'.repeat(65)), 'name');
    assert.equal(validateLabName('lab1'), 'lab1');
    for (const n of ['Lab', 'toolongname', 'a_b', '']) refused(() => validateLabName(n), 'name');
  });
  it('enums name the allowed values', () => {
    assert.equal(validateEnum(undefined, ['a', 'b'], 'mode', 'a'), 'a');
    assert.throws(() => validateEnum('c', ['a', 'b'], 'mode'), /mode: "c" is not one of a, b/);
  });
});
