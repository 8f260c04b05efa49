// The bpftrace fallback's script: the filter becomes numeric comparisons as bpftrace reads memory (host order of
// network-order bytes), one probe per tracepoint, and a BEGIN that marks readiness. Its behaviour on real packets
// is tested in test/kernel/packetPath (tracer.bpftrace.test.ts). The expected numbers are those of a little-endian
// host, like every host this runs on (x86-64, arm64).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressCondition, bpftraceScript, protocolCondition, READY_MARK } from '../../../remote-agent/packetPath/bpftraceScript';

describe('bpftrace script', () => {
  it('has one probe per tracepoint and a BEGIN that says it is attached', () => {
    const s = bpftraceScript({});
    for (const tp of ['net_dev_queue', 'netif_receive_skb_entry', 'netif_rx', 'napi_gro_receive_entry']) {
      assert.equal(s.split(`tracepoint:net:${tp} {`).length, 2, tp);
    }
    assert.match(s, new RegExp(`BEGIN \\{\\s*printf\\("${READY_MARK}\\\\n"\\);`));
  });

  it('compares the protocol first, then addresses word by word, then ports in their raw form', () => {
    assert.equal(protocolCondition({ protocol: 'icmp6' }), '$proto == 58');
    assert.match(protocolCondition({}), /\$proto == 1 \|\| \$proto == 58 \|\| \$proto == 6 \|\| \$proto == 17/);
    // 10.1.0.2 read as a little-endian u32: 0x0200010a
    assert.equal(addressCondition({ src: '10.1.0.2' }), `($fam == 4 && $s3 == ${0x0200010a})`);
    assert.equal(addressCondition({ dst: 'fd00::2' }), `($fam == 6 && $d0 == ${0xfd} && $d1 == 0 && $d2 == 0 && $d3 == ${0x02000000})`);
    assert.equal(addressCondition({}), '1');
    // port 443 = bytes 01 bb, read as 0xbb01
    assert.match(bpftraceScript({ protocol: 'tcp', port: 443 }), new RegExp(`\\$a == ${0xbb01} \\|\\| \\$b == ${0xbb01}`));
  });

  it('holds nothing but numbers from the filter', () => {
    const s = bpftraceScript({ protocol: 'udp', host: 'fd00:193:104::2', port: 53 });
    assert.doesNotMatch(s, /fd00/);
  });
});
