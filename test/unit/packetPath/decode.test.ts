// The agent's decoders on real captures: bpftool event_pipe's hex records and the bpftrace fallback's lines
// become the same PacketPathEvents (bpf/include/tracepkt.h <-> remote-agent/packetPath/eventLayout.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEvent, EVENT_HEADER_SIZE, OFF, recordSize, tcpFlagsText } from '../../../remote-agent/packetPath/eventLayout';
import { bpftraceLineToRecord } from '../../../remote-agent/packetPath/bpftraceEvents';
import { EventPipeParser } from '../../../remote-agent/packetPath/eventPipeParser';
import { decodeBpftraceCapture, decodeEventPipe, eventPipeText, lab } from './fixtures';

describe('event_pipe records', () => {
  it('decode the ping request and reply, hop by hop', () => {
    const { events, lost } = decodeEventPipe();
    assert.equal(lost, 0);
    assert.equal(events.length, 8);
    assert.deepEqual(
      events.map((e) => [e.tracepoint, e.netnsInode, e.ifname]),
      [
        ['net_dev_queue', lab.ino.a, lab.ifs.a],
        ['netif_rx', lab.ino.br, lab.ifs.pa],
        ['net_dev_queue', lab.ino.br, lab.ifs.pb],
        ['netif_rx', lab.ino.b, lab.ifs.b],
        ['net_dev_queue', lab.ino.b, lab.ifs.b],
        ['netif_rx', lab.ino.br, lab.ifs.pb],
        ['net_dev_queue', lab.ino.br, lab.ifs.pa],
        ['netif_rx', lab.ino.a, lab.ifs.a],
      ],
    );
    const [first] = events;
    assert.equal(first.family, 4);
    assert.equal(first.src, lab.v4.a);
    assert.equal(first.dst, lab.v4.b);
    assert.equal(first.protocol, 'icmp');
    assert.equal(first.icmp?.type, 8);
    assert.equal(first.icmp?.seq, 1);
    assert.equal(first.ttl, 64);
    assert.match(first.skb, /^0xffff[0-9a-f]+$/);
    assert.equal(events[4].icmp?.type, 0);
    assert.equal(events[4].icmp?.id, first.icmp?.id);
    assert.ok(events.every((e, i) => i === 0 || e.timestampNs > events[i - 1].timestampNs));
  });

  it('decode the same whatever way the pipe cuts the text', () => {
    const whole = decodeEventPipe();
    for (const chunk of [1, 7, 48, 101]) assert.deepEqual(decodeEventPipe(eventPipeText(), chunk), whole);
  });

  it('count the records the kernel says it lost, and hand a record over once all its bytes are in', () => {
    const got: Buffer[] = [];
    let lost = 0;
    const p = new EventPipeParser((head) => recordSize(head), {
      record: (b) => got.push(b),
      lost: (n) => {
        lost += n;
      },
    });
    const [, firstRecord] = eventPipeText().split(/(?=== @)/);
    p.push('lost 12 events\n');
    p.push(firstRecord.split('\n').slice(0, 7).join('\n') + '\n'); // header + 6 rows (96 bytes): not whole yet
    assert.equal(got.length, 0);
    p.push(firstRecord.split('\n').slice(7, 9).join('\n') + '\n'); // the last 24 bytes: whole, no next header yet
    assert.equal(lost, 12);
    assert.equal(got.length, 1, 'the record is not held back until the next one');
  });

  it('refuse records that are short or not from tracepkt', () => {
    assert.equal(decodeEvent(Buffer.alloc(EVENT_HEADER_SIZE - 1)), null);
    const b = Buffer.alloc(EVENT_HEADER_SIZE);
    b[OFF.tracepoint] = 9;
    b[OFF.family] = 4;
    assert.equal(decodeEvent(b), null);
  });

  it('name TCP flags in header order', () => {
    assert.equal(tcpFlagsText(0x12), 'SYN|ACK');
    assert.equal(tcpFlagsText(0x02), 'SYN');
    assert.equal(tcpFlagsText(0x18), 'PSH|ACK');
    assert.equal(tcpFlagsText(0), '');
  });
});

describe('bpftrace lines', () => {
  it('become the same events as the BPF object would send (IPv6 ping)', () => {
    const events = decodeBpftraceCapture();
    assert.equal(events.length, 8);
    assert.deepEqual(
      events.map((e) => [e.tracepoint, e.netnsInode, e.ifname]),
      [
        ['net_dev_queue', lab.ino.a, lab.ifs.a],
        ['netif_rx', lab.ino.br, lab.ifs.pa],
        ['net_dev_queue', lab.ino.br, lab.ifs.pb],
        ['netif_rx', lab.ino.b, lab.ifs.b],
        ['net_dev_queue', lab.ino.b, lab.ifs.b],
        ['netif_rx', lab.ino.br, lab.ifs.pb],
        ['net_dev_queue', lab.ino.br, lab.ifs.pa],
        ['netif_rx', lab.ino.a, lab.ifs.a],
      ],
    );
    assert.equal(events[0].family, 6);
    assert.equal(events[0].src, lab.v6.a);
    assert.equal(events[0].dst, lab.v6.b);
    assert.equal(events[0].protocol, 'icmp6');
    assert.deepEqual(events[0].icmp && [events[0].icmp.type, events[0].icmp.seq], [128, 1]);
    assert.deepEqual(events[4].icmp && [events[4].icmp.type, events[4].icmp.seq], [129, 1]);
    assert.equal(events[0].ipId, undefined, 'IPv6 has no IP id');
  });

  it('are refused when they are not ours or are cut short', () => {
    assert.equal(bpftraceLineToRecord('TPKT_READY'), null);
    assert.equal(bpftraceLineToRecord('TPKT 1 2 3'), null);
    assert.equal(bpftraceLineToRecord('something else entirely'), null);
  });
});
