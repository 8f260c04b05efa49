// The tree's data shaping (extension/vscode/tree/model.ts) with plain node --test: grouping, joins, the network
// layout, detach ids, and a snapshot that survives a failing listing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BpfMap, BpfProgram, NetAttachment, NetInterface } from '../../../protocol/types';
import type { NetListResult } from '../../../protocol/agent';
import { model, type SnapshotSource } from './load';

const { attachedProgramIds, detachIdFor, groupProgramsByType, indexMaps, mapsOfProgram, namespaceLabel, networkTree, takeSnapshot } = model;

const prog = (id: number, type: string, name = `p${id}`, mapIds: number[] = []): BpfProgram => ({
  id,
  type,
  name,
  tag: 'ab',
  mapIds,
  pinned: [],
});
const map = (id: number, name: string): BpfMap => ({ id, type: 'array', name, keySize: 4, valueSize: 8, maxEntries: 1, pinned: [] });
const iface = (netns: string, ifindex: number, name: string): NetInterface => ({ netns, ifindex, name, addresses: [] });

test('programs are grouped by type, types sorted, programs by id', () => {
  const groups = groupProgramsByType([prog(9, 'xdp'), prog(3, 'sched_cls'), prog(2, 'xdp'), prog(7, 'kprobe')]);
  assert.deepEqual(
    groups.map((g) => [g.type, g.programs.map((p) => p.id)]),
    [
      ['kprobe', [7]],
      ['sched_cls', [3]],
      ['xdp', [2, 9]],
    ],
  );
});

test('1,000 programs group in one pass and keep every program', () => {
  const many = Array.from({ length: 1000 }, (_, i) => prog(1000 - i, ['xdp', 'sched_cls', 'tracepoint'][i % 3]));
  const groups = groupProgramsByType(many);
  assert.equal(
    groups.reduce((n, g) => n + g.programs.length, 0),
    1000,
  );
  assert.deepEqual(
    groups.map((g) => g.programs.length),
    [333, 333, 334],
  );
});

test("a program's maps follow its map_ids; unknown ids are left out", () => {
  const maps = indexMaps([map(1, 'drop_stats'), map(2, '.rodata')]);
  assert.deepEqual(
    mapsOfProgram(prog(5, 'xdp', 'x', [2, 1, 99]), maps).map((m) => m.name),
    ['.rodata', 'drop_stats'],
  );
});

const net: NetListResult = {
  namespaces: [
    { name: 'end_l_h', inode: 111, interfaces: [iface('end_l_h', 1, 'lo'), iface('end_l_h', 2, 'eth0')], attachments: [] },
    {
      name: 'root',
      inode: 111,
      interfaces: [iface('root', 2, 'eth0'), iface('root', 1, 'lo')],
      attachments: [
        { netns: 'root', dev: 'eth0', ifindex: 2, kind: 'xdp', progId: 42, progName: 'xdp_drop_ping', mode: 'driver' },
        { netns: 'root', dev: 'eth0', ifindex: 2, kind: 'tc', progId: 43, direction: 'egress' },
        { netns: 'root', dev: 'eth0', ifindex: 2, kind: 'tcx', progId: 44, direction: 'ingress' },
      ],
    },
    { name: 'end_other', inode: 222, interfaces: [iface('end_other', 5, 'eth0')], attachments: [] },
  ],
};

test('network: root first, a namespace seen under two names shown once, slots per interface', () => {
  const tree = networkTree(net);
  assert.deepEqual(
    tree.map((n) => [n.name, n.aliases]),
    [
      ['root', ['end_l_h']],
      ['end_other', []],
    ],
  );
  const eth0 = tree[0].interfaces.find((i) => i.iface.name === 'eth0')!;
  assert.deepEqual(
    tree[0].interfaces.map((i) => i.iface.name),
    ['lo', 'eth0'],
    'interfaces by ifindex',
  );
  assert.deepEqual(
    eth0.slots.map((s) => [s.kind, s.attachments.map((a) => a.progId)]),
    [
      ['xdp', [42]],
      ['tc ingress', []],
      ['tc egress', [43]],
      ['tcx ingress', [44]],
    ],
  );
  const other = tree[1].interfaces[0];
  assert.deepEqual(
    other.slots.map((s) => s.kind),
    ['xdp', 'tc ingress', 'tc egress'],
    'empty xdp/tc slots are rows to attach to; tcx only when used',
  );
});

test("detach ids: the agent's own, from its listing; the tree builds none", () => {
  const xdp = net.namespaces[1].attachments[0] as NetAttachment;
  const tc = net.namespaces[1].attachments[1] as NetAttachment;
  assert.equal(detachIdFor({ ...xdp, id: 'xdp:root:eth0' }), 'xdp:root:eth0');
  assert.equal(detachIdFor({ ...tc, id: 'tc:root:eth0:egress' }), 'tc:root:eth0:egress');
  assert.equal(detachIdFor({ ...xdp, id: undefined }), undefined, 'no id from the agent: nothing to detach by');
});

test('a snapshot keeps what listed fine when one listing fails, and says which', async () => {
  const src: SnapshotSource = {
    listPrograms: async () => [prog(1, 'xdp')],
    listMaps: async () => {
      throw new Error('bpftool map show: permission denied');
    },
    netList: async () => net,
    cgroupList: async () => [{ cgroup: '/sys/fs/cgroup/unified/end_x', attachType: 'sock_ops', progId: 8 }],
    pinsList: async () => [],
    labList: async () => [],
    attachmentsList: async () => [],
  };
  const s = await takeSnapshot(src);
  assert.equal(s.programs.length, 1);
  assert.deepEqual(s.maps, []);
  assert.match(s.errors.maps, /permission denied/);
  assert.deepEqual([...attachedProgramIds(s)].sort(), [42, 43, 44, 8].sort());
});

test("the host's own namespace goes by the name the user knows it by, never a bare 'root'", () => {
  const tree = networkTree(net);
  // The agent runs in the lab host's namespace end_l_h: that is what the user connected to.
  assert.deepEqual(namespaceLabel(tree[0], 'lab'), { label: 'end_l_h', description: "lab's own namespace" });
  assert.deepEqual(namespaceLabel({ name: 'root', aliases: [], interfaces: [] }, 'web1'), {
    label: 'web1',
    description: "web1's own namespace",
  });
  assert.deepEqual(namespaceLabel(tree[1], 'lab'), { label: 'end_other', description: '' });
});
