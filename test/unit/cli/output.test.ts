// Human output: aligned tables, the trace line shape, attachment and lab summaries, the info block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyValues, table } from '../../../extension/cli/output';
import { formatTraceLine } from '../../../extension/cli/commands/trace';
import { describeAttachment } from '../../../extension/cli/commands/attach';
import { formatLab } from '../../../extension/cli/commands/lab';
import { attachmentsTable, netTables } from '../../../extension/cli/commands/list';

test('tables: columns padded to the widest cell, numbers right-aligned, empty cells as "-"', () => {
  const t = table(
    ['ID', 'NAME', 'PINNED'],
    [
      [7, 'xdp_drop_ping', undefined],
      [1234, 'p', '/sys/fs/bpf/x'],
    ],
  );
  assert.equal(t, ['  ID  NAME           PINNED', '   7  xdp_drop_ping  -', '1234  p              /sys/fs/bpf/x', ''].join('\n'));
  // A column with no numbers at all stays left-aligned even when every cell is empty.
  assert.equal(table(['A', 'B'], [['x', undefined]]), 'A  B\nx  -\n');
});

test('key/value blocks align their values', () => {
  assert.equal(
    keyValues(
      [
        ['Class', 'ELF64'],
        ['Machine', 'Linux BPF'],
      ],
      { indent: '  ' },
    ),
    '  Class:   ELF64\n  Machine: Linux BPF\n',
  );
});

test('trace lines look like trace_pipe', () => {
  const line = formatTraceLine({
    task: 'ping',
    pid: 16010,
    cpu: 1,
    flags: 'b..21',
    timestamp: 759.440324,
    function: 'bpf_trace_printk',
    message: 'end-ping 10.0.0.1 > 10.0.0.2',
  });
  assert.equal(line, '            ping-16010 [001] b..21   759.440324: bpf_trace_printk: end-ping 10.0.0.1 > 10.0.0.2');
});

test('attach summary names the program, place and id', () => {
  const text = describeAttachment({
    id: 'xdp:end_x_b:eth0',
    kind: 'xdp',
    progId: 42,
    dev: 'eth0',
    netns: 'end_x_b',
    mode: 'driver',
    object: 'o-1',
    program: 'xdp_drop_ping',
    programs: ['xdp_drop_ping'],
  });
  assert.equal(text, 'attached xdp_drop_ping (prog 42) to eth0 in netns end_x_b, mode driver\nobject: o-1\nid: xdp:end_x_b:eth0\n');
  const tp = describeAttachment({ id: 'tracepoints:tp', kind: 'tracepoints', object: 'tp', programs: ['a', 'b'] });
  assert.equal(tp, 'attached the tracepoints of tp (a, b)\nobject: tp\nid: tracepoints:tp\n');
});

test('lab, attachments and net tables', () => {
  const lab = formatLab({
    name: 'x',
    topology: { kind: 'pair' },
    hosts: [
      { role: 'a', netns: 'end_x_a', interfaces: [{ name: 'eth0', addresses: ['10.1.0.1/24'] }] },
      { role: 'b', netns: 'end_x_b', interfaces: [{ name: 'eth0', addresses: ['10.1.0.2/24'] }] },
    ],
  });
  assert.equal(
    lab,
    'lab x (pair)\n  ROLE  NETNS    IFACE  ADDRESSES    PEER\n  a     end_x_a  eth0   10.1.0.1/24  -\n  b     end_x_b  eth0   10.1.0.2/24  -\n',
  );
  const atts = attachmentsTable([
    { id: 'tc:root:lo:egress', kind: 'tc', progId: 3, progName: 'tc_tcp_psh', dev: 'lo', netns: 'root', direction: 'egress' },
  ]);
  assert.equal(
    atts,
    'ID                 KIND  PROG  NAME        WHERE    MODE\ntc:root:lo:egress  tc       3  tc_tcp_psh  root/lo  egress\n',
  );
  const net = netTables({
    namespaces: [
      {
        name: 'end_x_a',
        interfaces: [{ netns: 'end_x_a', ifindex: 2, name: 'eth0', kind: 'veth', operState: 'UP', addresses: ['10.1.0.1/24'] }],
        attachments: [],
      },
    ],
  });
  assert.match(
    net,
    /^Interfaces:\n {2}NETNS +IFINDEX +IFACE +KIND +STATE +ADDRESSES\n {2}end_x_a +2 +eth0 +veth +UP +10\.1\.0\.1\/24\n\nAttachments:\n {2}\(none\)\n$/,
  );
});
