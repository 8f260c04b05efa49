// Address bytes and text: the filter's 16-byte form and the decoder's text, checked against the WHATWG URL
// parser's own IPv6 canonicalisation (RFC 5952) as an independent reference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressBytes, filterAddressBytes, formatIPv4, formatIPv6 } from '../../../remote-agent/packetPath/addresses';

const canonical = (a: string) => new URL(`http://[${a}]/`).hostname.slice(1, -1);

describe('addresses', () => {
  it('IPv6 round trips to the canonical text', () => {
    for (const a of [
      'fd00::2',
      'fd00:193:104::1',
      '::1',
      '::',
      'fe80::1:0:0:1',
      '2001:db8:0:0:1:0:0:1',
      '1:0:0:2:0:0:0:3',
      '::ffff:10.0.0.1',
      '2001:db8::a:b:c:d:e',
      '1:2:3:4:5:6:7:8',
      'FD00:0:0:0:0:0:0:2',
    ]) {
      const b = addressBytes(a);
      assert.equal(b?.family, 6, a);
      assert.equal(formatIPv6(b!.bytes), canonical(a), a);
    }
  });

  it('IPv4 bytes and text', () => {
    assert.deepEqual([...addressBytes('10.1.0.2')!.bytes], [10, 1, 0, 2]);
    assert.equal(formatIPv4(Buffer.from([192, 168, 0, 1])), '192.168.0.1');
    assert.deepEqual([...filterAddressBytes('10.1.0.2')!.subarray(10)], [0xff, 0xff, 10, 1, 0, 2]);
  });

  it('refuses what is not an address', () => {
    for (const a of ['10.0.0', '10.0.0.256', 'fe80::1%eth0', 'host', '', '1::2::3']) assert.equal(addressBytes(a), null, a);
  });
});
