import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatAttachmentId, parseAttachmentId, type ParsedAttachmentId } from '../../../remote-agent/attach/attachmentId';

it('every kind of id round-trips', () => {
  const ids: ParsedAttachmentId[] = [
    { kind: 'xdp', netns: 'root', dev: 'eth0' },
    { kind: 'tc', netns: 'end_lab_a', dev: 'eth0', direction: 'egress' },
    { kind: 'tcx', netns: 'end_lab_b', dev: 'eth0', direction: 'ingress' },
    { kind: 'cgroup', attachType: 'sock_ops', cgroup: '/sys/fs/cgroup/unified/end_x', progId: 42 },
    { kind: 'sk_msg', attachType: 'msg_verdict', map: '/sys/fs/bpf/ebpf-netdebug/o/maps/sock_hash', progId: 17 },
    { kind: 'tracepoints', object: 'tracepkt' },
  ];
  for (const a of ids) assert.deepEqual(parseAttachmentId(formatAttachmentId(a)), a);
  assert.equal(formatAttachmentId(ids[1]), 'tc:end_lab_a:eth0:egress');
});

it('malformed ids are refused naming the argument', () => {
  for (const bad of [
    '',
    'xdp:root',
    'xdp:root:eth0;reboot',
    'tc:root:eth0:sideways',
    'cgroup:sock_ops:relative:1',
    'nope:1',
    'sk_msg:msg_verdict:/etc/x:1',
  ]) {
    assert.throws(() => parseAttachmentId(bad), /^AgentError: attachment: /, bad);
  }
});
