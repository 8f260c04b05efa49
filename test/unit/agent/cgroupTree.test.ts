import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachTypeName, parseCgroupShow, parseCgroupTree } from '../../../remote-agent/parsers/cgroupTree';
import { fixture, VERSIONS } from './fixtures';

for (const v of VERSIONS) {
  describe(`cgroup listings, bpftool ${v}`, () => {
    it('tree: the sock_ops program on the test cgroup, attach type spelled as bpftool attach wants it', () => {
      const all = parseCgroupTree(fixture(`cgroup-tree.${v}.json`));
      const mine = all.find((a) => a.cgroup === '/sys/fs/cgroup/unified/end_cap_cg');
      assert.deepEqual({ type: mine?.attachType, name: mine?.progName }, { type: 'sock_ops', name: 'min_sockops' });
      assert.ok(mine!.progId > 0);
    });
    it('show of one cgroup', () => {
      const one = parseCgroupShow(fixture(`cgroup-show.${v}.json`), '/sys/fs/cgroup/unified/end_cap_cg');
      assert.equal(one.length, 1);
      assert.equal(one[0].attachType, 'sock_ops');
      assert.equal(one[0].cgroup, '/sys/fs/cgroup/unified/end_cap_cg');
    });
  });
}

it('unknown attach types pass through unchanged', () => {
  assert.equal(attachTypeName('cgroup_inet_egress'), 'egress');
  assert.equal(attachTypeName('something_new'), 'something_new');
});
