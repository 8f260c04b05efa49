// The diff of two hosts on made-up snapshots: programs by type+name with the tag as the code, attachments by attach
// point whatever the program ids, maps by type+name with their shapes, contents key by key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Attachment, BpfMap, BpfProgram } from '../../../protocol/types';
import { attachPoint, diffSnapshots, formatHostDiff, mapsToCompare, type HostSnapshot } from '../../../extension/core/fleet/hostDiff';

const prog = (id: number, name: string, tag: string, type = 'xdp'): BpfProgram => ({ id, type, name, tag, mapIds: [], pinned: [] });
const map = (id: number, name: string, over: Partial<BpfMap> = {}): BpfMap => ({
  id,
  type: 'array',
  name,
  keySize: 4,
  valueSize: 8,
  maxEntries: 4,
  pinned: [],
  ...over,
});
const xdp = (progId: number, dev: string): Attachment => ({
  id: `xdp:root:${dev}`,
  kind: 'xdp',
  progId,
  dev,
  netns: 'root',
  mode: 'driver',
});

function snap(host: string, programs: BpfProgram[], maps: BpfMap[], attachments: Attachment[]): HostSnapshot {
  return { host, programs, maps, attachments, contents: new Map() };
}

describe('diffSnapshots', () => {
  it('matches by name, tag and attach point, never by id', () => {
    const a = snap('web1', [prog(10, 'drop_ping', 'aaaa'), prog(11, 'count', 'cccc')], [map(5, 'stats')], [xdp(10, 'eth0')]);
    const b = snap(
      'web2',
      [prog(90, 'drop_ping', 'aaaa'), prog(91, 'count', 'dddd'), prog(92, 'extra', 'eeee')],
      [map(7, 'stats')],
      [xdp(90, 'eth0'), xdp(92, 'eth1')],
    );
    const d = diffSnapshots(a, b);
    assert.equal(d.programs.same, 1);
    assert.deepEqual(
      d.programs.onlyB.map((p) => p.name),
      ['extra'],
    );
    assert.deepEqual(
      d.programs.differ.map((x) => x.key),
      ['xdp count'],
    );
    assert.equal(d.attachments.same, 1, 'eth0 holds the same code on both though the ids differ');
    assert.deepEqual(
      d.attachments.onlyB.map((x) => `${attachPoint(x)} ${x.progName} ${x.tag}`),
      ['xdp root/eth1 extra eeee'],
    );
    assert.equal(d.identical, false);
    const text = formatHostDiff(d);
    assert.match(text, /only on B {2}xdp root\/eth1: extra tag eeee \(prog 92\) driver/);
    assert.match(text, /differ {5}xdp count: A tag cccc, B tag dddd/);
  });

  it('another program on the same interface is a difference there', () => {
    const d = diffSnapshots(snap('a', [prog(1, 'p', 't1')], [], [xdp(1, 'eth0')]), snap('b', [prog(2, 'q', 't2')], [], [xdp(2, 'eth0')]));
    assert.equal(d.attachments.differ.length, 1);
    assert.match(formatHostDiff(d), /differ {5}xdp root\/eth0: A p tag t1 \(prog 1\) driver; B q tag t2 \(prog 2\) driver/);
  });

  it('compares map shapes, and contents key by key for maps matched one to one', () => {
    const a = snap('a', [], [map(1, 'stats'), map(2, 'cfg', { maxEntries: 8 }), map(3, 'ev', { type: 'perf_event_array' })], []);
    const b = snap('b', [], [map(4, 'stats'), map(5, 'cfg', { maxEntries: 16 }), map(6, 'ev', { type: 'perf_event_array' })], []);
    assert.deepEqual(
      mapsToCompare(a, b).map(([x, y]) => [x.id, y.id]),
      [[1, 4]],
      'not the reshaped one, not a perf buffer',
    );
    a.contents.set(1, {
      entries: [
        { key: 0, value: 1, keyHex: ['00'], valueHex: ['01'] },
        { key: 1, value: 0, keyHex: ['01'], valueHex: ['00'] },
      ],
      truncated: false,
    });
    b.contents.set(4, {
      entries: [
        { key: 0, value: 7, keyHex: ['00'], valueHex: ['07'] },
        { key: 2, value: 0, keyHex: ['02'], valueHex: ['00'] },
      ],
      truncated: false,
    });
    const d = diffSnapshots(a, b);
    assert.deepEqual(
      d.maps.differ.map((x) => x.key),
      ['array cfg'],
    );
    assert.deepEqual(d.contents, [
      { map: 'array stats', onlyA: ['01'], onlyB: ['02'], differ: [{ key: '00', a: '01', b: '07' }], truncated: false },
    ]);
  });

  it('says when two hosts are the same', () => {
    const d = diffSnapshots(
      snap('a', [prog(1, 'p', 't')], [map(1, 'm')], [xdp(1, 'eth0')]),
      snap('b', [prog(7, 'p', 't')], [map(9, 'm')], [xdp(7, 'eth0')]),
    );
    assert.equal(d.identical, true);
    assert.match(formatHostDiff(d), /the hosts are the same\n$/);
  });
});
