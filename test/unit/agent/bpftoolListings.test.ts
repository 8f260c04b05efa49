// The listing parsers against real `bpftool -j` output of bpftool 7.1 and 7.5 captured on this kind of machine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLinkShow } from '../../../remote-agent/parsers/linkShow';
import { parseMapShow } from '../../../remote-agent/parsers/mapShow';
import { parseProgShow } from '../../../remote-agent/parsers/progShow';
import { fixture, VERSIONS } from './fixtures';

for (const v of VERSIONS) {
  describe(`bpftool ${v[0]}.${v[1]} listings`, () => {
    it('prog show: the captured XDP, tc, sock_ops and sk_msg programs with their pins and maps', () => {
      const progs = parseProgShow(fixture(`prog-show.${v}.json`));
      const xdp = progs.find((p) => p.name === 'xdp_pass_prog');
      assert.ok(xdp, 'xdp_pass_prog listed');
      assert.equal(xdp.type, 'xdp');
      assert.deepEqual(xdp.pinned, ['/sys/fs/bpf/end_cap/xp/xdp_pass_prog']);
      assert.equal(xdp.mapIds.length, 1);
      assert.match(xdp.tag, /^[0-9a-f]{16}$/);
      assert.equal(xdp.gplCompatible, true);
      assert.ok(xdp.loadedAt! > 1_600_000_000);
      assert.equal(progs.find((p) => p.name === 'tc_drop_icmp')?.type, 'sched_cls');
      assert.equal(progs.find((p) => p.name === 'min_sockops')?.type, 'sock_ops');
      assert.equal(progs.find((p) => p.name === 'min_skmsg')?.type, 'sk_msg');
      // 7.5 adds "orphaned"; 7.1 does not know it
      assert.equal(xdp.orphaned, v === '75' ? false : undefined);
    });

    it('map show: sizes, types and pins', () => {
      const maps = parseMapShow(fixture(`map-show.${v}.json`));
      const pc = maps.find((m) => m.name === 'pass_count');
      assert.ok(pc);
      assert.deepEqual([pc.type, pc.keySize, pc.valueSize, pc.maxEntries], ['array', 4, 8, 256]);
      assert.deepEqual(pc.pinned, ['/sys/fs/bpf/end_cap/xp_maps/pass_count']);
      assert.equal(maps.find((m) => m.name === 'min_sock_hash')?.type, 'sockhash');
      assert.equal(pc.frozen, false);
    });

    it('link show: the tracepoint links autoattach pinned, with the type-specific rest kept in details', () => {
      const links = parseLinkShow(fixture(`link-show.${v}.json`));
      const mine = links.find((l) => l.pinned.includes('/sys/fs/bpf/end_cap/tp/tp_net_dev_queue'));
      assert.ok(mine);
      assert.equal(mine.type, 'perf_event');
      assert.ok(mine.progId > 0);
      if (v === '75') assert.equal(mine.details.tracepoint, 'net_dev_queue');
      else assert.equal(mine.details.tracepoint, undefined);
    });
  });
}

describe('empty listings', () => {
  it('an empty output or [] is an empty list', () => {
    assert.deepEqual(parseProgShow(''), []);
    assert.deepEqual(parseMapShow('[]'), []);
  });
});
