// `bpftool -j net show` of 7.1 and 7.5: XDP modes, clsact filters, and tcx entries that only 7.5 lists.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNetShow } from '../../../remote-agent/parsers/netShow';
import { fixture, VERSIONS } from './fixtures';

for (const v of VERSIONS) {
  describe(`net show, bpftool ${v}`, () => {
    it('generic XDP and a clsact egress filter', () => {
      const att = parseNetShow(fixture(`net-show-generic-tc.${v}.json`), 'end_cap_a');
      const xdp = att.find((a) => a.kind === 'xdp');
      assert.deepEqual({ dev: xdp?.dev, mode: xdp?.mode, netns: xdp?.netns }, { dev: 'capa', mode: 'generic', netns: 'end_cap_a' });
      assert.ok(xdp!.progId > 0);
      const tc = att.find((a) => a.kind === 'tc');
      assert.equal(tc?.direction, 'egress');
      assert.equal(tc?.progName, 'tc_drop_icmp');
      assert.equal(tc?.tcDetails?.directAction, true);
      assert.ok(tc!.progId > 0);
      assert.equal(xdp?.id, 'xdp:end_cap_a:capa', 'the agent gives the id detach takes');
      assert.equal(tc?.id, 'tc:end_cap_a:capa:egress');
    });

    it('native ("driver") XDP, and tcx ingress only where bpftool shows it', () => {
      const att = parseNetShow(fixture(`net-show-driver-tcx.${v}.json`), 'end_cap_b');
      assert.equal(att.find((a) => a.kind === 'xdp')?.mode, 'driver');
      const tcx = att.find((a) => a.kind === 'tcx');
      if (v === '75') {
        assert.equal(tcx?.direction, 'ingress');
        assert.equal(tcx?.progName, 'tc_drop_icmp');
        assert.ok(tcx!.progId > 0);
      } else {
        assert.equal(tcx, undefined, '7.1 does not list tcx attachments');
      }
    });
  });
}
