// The free of an echo reply in ping_rcv after a raw socket got a clone is the end of a delivered packet, not a drop
// (remote-agent/packetPath/deliveredFrees.ts): the decoder leaves that kfree_skb event out, and keeps every other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PacketDrop } from '../../../protocol/types';
import {
  DROP_CLONED,
  DROP_HAS_REASON,
  decodeEvent,
  EVENT_HEADER_SIZE,
  OFF,
  TRACEPOINTS,
} from '../../../remote-agent/packetPath/eventLayout';
import { deliveredEchoReply } from '../../../remote-agent/packetPath/deliveredFrees';

/** A kfree_skb record of an ICMP message from 10.0.0.2 to 10.0.0.1 (family 4) or fd00::2 -> fd00::1 (6). */
function kfreeRecord(o: { family: 4 | 6; icmpType: number; cloned: boolean }): Buffer {
  const b = Buffer.alloc(EVENT_HEADER_SIZE);
  b.writeBigUInt64LE(1000n, OFF.timestampNs);
  b.write('eth0', OFF.ifname, 'latin1');
  b[OFF.tracepoint] = TRACEPOINTS.indexOf('kfree_skb');
  b[OFF.family] = o.family;
  b[OFF.protocol] = o.family === 4 ? 1 : 58;
  b[OFF.icmpType] = o.icmpType;
  if (o.family === 4) {
    Buffer.from([10, 0, 0, 2]).copy(b, OFF.saddr);
    Buffer.from([10, 0, 0, 1]).copy(b, OFF.daddr);
  } else {
    b[OFF.saddr] = b[OFF.daddr] = 0xfd;
    b[OFF.saddr + 15] = 2;
    b[OFF.daddr + 15] = 1;
  }
  b[OFF.dropFlags] = DROP_HAS_REASON | (o.cloned ? DROP_CLONED : 0);
  return b;
}

const decode = (rec: Buffer, drop: PacketDrop) => decodeEvent(rec, undefined, { drop: () => drop });
const pingRcv: PacketDrop = { reason: 'NO_SOCKET', location: 'ping_rcv' };

describe('delivered echo replies', () => {
  it('leaves out an echo reply freed as NO_SOCKET in ping_rcv after a clone was taken (IPv4 and IPv6)', () => {
    assert.equal(decode(kfreeRecord({ family: 4, icmpType: 0, cloned: true }), pingRcv), null);
    assert.equal(decode(kfreeRecord({ family: 6, icmpType: 129, cloned: true }), pingRcv), null);
  });

  it('keeps it a drop without a clone (nobody took the reply), and keeps every other drop', () => {
    assert.deepEqual(decode(kfreeRecord({ family: 4, icmpType: 0, cloned: false }), pingRcv)?.drop, pingRcv);
    assert.deepEqual(decode(kfreeRecord({ family: 4, icmpType: 8, cloned: true }), pingRcv)?.drop, pingRcv, 'a request is no reply');
    const nft = { reason: 'NETFILTER_DROP', location: 'nft_do_chain' };
    assert.deepEqual(decode(kfreeRecord({ family: 4, icmpType: 0, cloned: true }), nft)?.drop, nft);
    const elsewhere = { reason: 'NO_SOCKET', location: 'icmp_rcv' };
    assert.deepEqual(decode(kfreeRecord({ family: 6, icmpType: 129, cloned: true }), elsewhere)?.drop, elsewhere);
    assert.equal(
      deliveredEchoReply({ protocol: 'icmp', icmp: { type: 0, code: 0, id: 1, seq: 1 }, drop: { location: 'ping_rcv' } } as never),
      false,
    );
  });
});
