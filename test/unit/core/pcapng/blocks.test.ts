// The pcapng bytes themselves, field by field against the spec (draft-ietf-opsawg-pcapng sections 3-4): what any
// reader, not only Wireshark, relies on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enhancedPacketBlock, interfaceDescriptionBlock, sectionHeaderBlock, LINKTYPE } from '../../../../extension/core/pcapng/blocks';
import { encodeOptions, stringOption, verdictOption, OPT } from '../../../../extension/core/pcapng/options';

describe('pcapng blocks', () => {
  it('Section Header Block: type, byte-order magic, version 1.0, unknown section length, lengths at both ends', () => {
    const b = sectionHeaderBlock([stringOption(OPT.shb_userappl, 'ebpf-netdebug')]);
    assert.equal(b.readUInt32LE(0), 0x0a0d0d0a);
    assert.equal(b.readUInt32LE(4), b.length);
    assert.equal(b.readUInt32LE(b.length - 4), b.length);
    assert.equal(b.readUInt32LE(8), 0x1a2b3c4d);
    assert.equal(b.readUInt16LE(12), 1);
    assert.equal(b.readUInt16LE(14), 0);
    assert.equal(b.readBigInt64LE(16), -1n);
    // shb_userappl: code 4, length 13, "ebpf-netdebug", 3 bytes of padding, then opt_endofopt.
    assert.equal(b.readUInt16LE(24), 4);
    assert.equal(b.readUInt16LE(26), 13);
    assert.equal(b.subarray(28, 41).toString(), 'ebpf-netdebug');
    assert.deepEqual([...b.subarray(41, 44)], [0, 0, 0]);
    assert.equal(b.readUInt32LE(44), 0);
    assert.equal(b.length, 52);
    assert.equal(b.length % 4, 0);
  });

  it('Interface Description Block: link type, snaplen, if_name', () => {
    const b = interfaceDescriptionBlock(LINKTYPE.RAW, 128, [stringOption(OPT.if_name, 'eth0')]);
    assert.equal(b.readUInt32LE(0), 1);
    assert.equal(b.readUInt16LE(8), 101);
    assert.equal(b.readUInt16LE(10), 0);
    assert.equal(b.readUInt32LE(12), 128);
    assert.equal(b.readUInt16LE(16), 2);
    assert.equal(b.readUInt16LE(18), 4);
    assert.equal(b.subarray(20, 24).toString(), 'eth0');
    assert.equal(b.readUInt32LE(b.length - 4), b.length);
  });

  it('Enhanced Packet Block: interface, 64-bit timestamp split high/low, captured vs original length, padded data', () => {
    const ts = 1_764_565_200_123_456_789n;
    const b = enhancedPacketBlock(3, ts, Buffer.from([1, 2, 3, 4, 5]), 1500, []);
    assert.equal(b.readUInt32LE(0), 6);
    assert.equal(b.readUInt32LE(8), 3);
    assert.equal((BigInt(b.readUInt32LE(12)) << 32n) | BigInt(b.readUInt32LE(16)), ts);
    assert.equal(b.readUInt32LE(20), 5);
    assert.equal(b.readUInt32LE(24), 1500);
    assert.deepEqual([...b.subarray(28, 36)], [1, 2, 3, 4, 5, 0, 0, 0]);
    assert.equal(b.length, 40);
    assert.equal(b.readUInt32LE(36), 40);
  });

  it('epb_verdict: code 7, length 9, type octet then a little-endian u64', () => {
    const o = encodeOptions([verdictOption('ebpf_xdp', 1)]);
    assert.equal(o.readUInt16LE(0), 7);
    assert.equal(o.readUInt16LE(2), 9);
    assert.equal(o[4], 2);
    assert.equal(o.readBigUInt64LE(5), 1n);
    assert.equal(o.length, 4 + 12 + 4);
    const tc = encodeOptions([verdictOption('ebpf_tc', -1)]);
    assert.equal(tc[4], 1);
    assert.equal(tc.readBigInt64LE(5), -1n);
  });

  it('no options means no opt_endofopt either; an option over 64 KiB is refused', () => {
    assert.equal(encodeOptions([]).length, 0);
    assert.throws(() => encodeOptions([stringOption(OPT.comment, 'x'.repeat(70_000))]), /at most 65535/);
  });
});
