// extension/core/packet (decode, build, diff) and extension/core/pcapng/reader.ts against a real capture
// (test/fixtures/packet/ping-tcp.pcapng), with tshark's reading of the same file as the expected values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildPacket, bytesToHex, PacketSpecError } from '../../../extension/core/packet/build';
import { decodePacket } from '../../../extension/core/packet/decode';
import { diffPackets, hexToBytes } from '../../../extension/core/packet/diff';
import { PcapngError, readPcapng } from '../../../extension/core/pcapng/reader';
import { buildPcapng, LINKTYPE } from '../../../extension/core/pcapng';

const capture = readFileSync(join(__dirname, '../../fixtures/packet/ping-tcp.pcapng'));
const field = (p: ReturnType<typeof decodePacket>, layer: string, name: string) =>
  p.fields.find((f) => f.layer === layer && f.name === name)?.value;

describe('pcapng reader on a tcpdump capture', () => {
  const packets = readPcapng(capture);
  it('reads every packet with its link type and length (tshark: 6 frames, 98 x4 and 74 x2 bytes)', () => {
    assert.deepEqual(
      packets.map((p) => [p.index, p.linkType, p.data.length]),
      [
        [0, 1, 98],
        [1, 1, 98],
        [2, 1, 98],
        [3, 1, 98],
        [4, 1, 74],
        [5, 1, 74],
      ],
    );
    assert.ok(
      packets.every((p) => p.timestamp! > 1.7e9),
      'timestamps in seconds since the epoch',
    );
  });
  it('reads back what our own writer wrote (ns timestamps, snaplen cuts, several interfaces)', () => {
    const frame = buildPacket({
      ip: { version: 4, source: '10.0.0.1', destination: '10.0.0.2' },
      l4: { protocol: 'icmp' },
      payload: 'x'.repeat(40),
    });
    const file = buildPcapng(
      [
        { name: 'eth0', namespace: 'end_a', linkType: LINKTYPE.ETHERNET, snaplen: 65535 },
        { name: 'eth0', namespace: 'end_b', linkType: LINKTYPE.ETHERNET, snaplen: 30 },
      ],
      [
        { interfaceId: 0, timestampNs: 1_700_000_000_123_456_789n, data: frame },
        { interfaceId: 1, timestampNs: 1_700_000_001_000_000_000n, data: frame },
      ],
    );
    const back = readPcapng(file);
    assert.deepEqual(
      back.map((p) => [p.interfaceId, p.linkType, p.data.length, p.originalLength]),
      [
        [0, 1, frame.length, frame.length],
        [1, 1, 30, frame.length],
      ],
    );
    assert.ok(Buffer.from(back[0].data).equals(Buffer.from(frame)), 'the frame comes back byte for byte');
    assert.ok(Math.abs(back[0].timestamp! - 1_700_000_000.123456789) < 1e-6, String(back[0].timestamp));
  });
  it('refuses a damaged file, saying where', () => {
    assert.throws(() => readPcapng(Buffer.from('not a capture at all')), PcapngError);
    assert.throws(() => readPcapng(capture.subarray(0, capture.length - 3)), /not a whole block|runs past the end/);
  });
});

describe('decodePacket', () => {
  const packets = readPcapng(capture);
  it('decodes ICMP echo like tshark (ttl, checksums, id, seq) and finds every checksum valid', () => {
    const req = decodePacket(packets[0].data);
    assert.deepEqual(req.layers, ['Ethernet', 'IPv4', 'ICMP', 'Payload']);
    assert.equal(field(req, 'IPv4', 'ttl'), '64');
    assert.equal(field(req, 'IPv4', 'checksum'), '0xe529');
    assert.equal(field(req, 'IPv4', 'source'), '10.200.0.1');
    assert.equal(field(req, 'ICMP', 'type'), '8 (echo-request)');
    assert.equal(field(req, 'ICMP', 'checksum'), '0xdf49');
    assert.equal(field(req, 'ICMP', 'id'), '25374');
    assert.equal(field(req, 'ICMP', 'seq'), '1');
    assert.deepEqual(
      req.checksums.map((c) => [c.name, c.valid]),
      [
        ['IPv4 header', true],
        ['ICMP', true],
      ],
    );
    assert.equal(req.summary, 'IPv4 10.200.0.1 > 10.200.0.2 ICMP echo-request id 25374 seq 1 ttl 64');
    assert.equal(field(decodePacket(packets[3].data), 'ICMP', 'type'), '0 (echo-reply)');
  });
  it('decodes TCP ports and flags like tshark; the partial checksum of a locally sent segment does not verify', () => {
    const synAck = decodePacket(packets[5].data);
    assert.equal(field(synAck, 'TCP', 'source port'), '5201');
    assert.equal(field(synAck, 'TCP', 'destination port'), '45512');
    assert.equal(field(synAck, 'TCP', 'flags'), 'SYN ACK');
    assert.equal(synAck.checksums.find((c) => c.name === 'TCP')?.valid, false);
  });
  it('survives truncated frames: decoding stops where the bytes end', () => {
    for (let n = 0; n < packets[4].data.length; n += 7) assert.ok(decodePacket(packets[4].data.subarray(0, n)).summary.length > 0);
  });
});

describe('buildPacket', () => {
  it('builds frames whose every checksum verifies (IPv4/IPv6, TCP/UDP/ICMP)', () => {
    for (const version of [4, 6] as const) {
      const [source, destination] = version === 4 ? ['10.1.2.3', '10.1.2.4'] : ['fd00::1', 'fd00:0:0:1::22'];
      for (const l4 of [
        { protocol: 'tcp', sourcePort: 1, destinationPort: 2, flags: ['SYN', 'ACK'] },
        { protocol: 'udp', sourcePort: 53, destinationPort: 5353 },
        { protocol: 'icmp', type: 'echo-reply', id: 9, seq: 4 },
      ] as const) {
        const d = decodePacket(buildPacket({ ip: { version, source, destination, ttl: 9 }, l4, payload: 'hello' }));
        assert.equal(d.checksums.length, version === 4 ? 2 : 1, JSON.stringify(d.checksums));
        assert.ok(
          d.checksums.every((c) => c.valid),
          `${version} ${l4.protocol}: ${JSON.stringify(d.checksums)}`,
        );
        assert.equal(field(d, 'IPv6', 'destination') ?? field(d, 'IPv4', 'destination'), destination);
        assert.match(d.fields.find((f) => f.layer === 'Payload')?.value ?? '', /5 bytes "hello"/);
      }
    }
  });
  it('names the field of bad input', () => {
    assert.throws(
      () => buildPacket({ ip: { version: 4, source: '10.1.2.300', destination: '10.0.0.1' }, l4: { protocol: 'icmp' } }),
      (e: unknown) => e instanceof PacketSpecError && e.field === 'ip.source',
    );
    assert.throws(
      () => buildPacket({ ip: { version: 6, source: 'fd00::1::2', destination: 'fd00::1' }, l4: { protocol: 'icmp' } }),
      /ip.source/,
    );
    assert.throws(
      () =>
        buildPacket({
          ip: { version: 4, source: '10.0.0.1', destination: '10.0.0.2' },
          l4: { protocol: 'tcp', sourcePort: 1, destinationPort: 2, flags: ['PUSH'] },
        }),
      /l4.flags/,
    );
    assert.throws(
      () =>
        buildPacket({
          ip: { version: 4, source: '10.0.0.1', destination: '10.0.0.2' },
          l4: { protocol: 'udp', sourcePort: 70000, destinationPort: 2 },
        }),
      /l4.sourcePort/,
    );
  });
});

describe('diffPackets', () => {
  const reply = buildPacket({
    ip: { version: 4, source: '10.0.0.2', destination: '10.0.0.1', ttl: 64 },
    l4: { protocol: 'icmp', type: 'echo-reply' },
  });
  it('a TTL change with the checksum fixed incrementally: "ttl 64 -> 17", checksum updated and still valid', () => {
    const out = Uint8Array.from(reply);
    out[22] = 17;
    // RFC 1624 incremental update over the ttl/protocol word
    const oldWord = (64 << 8) | out[23];
    const newWord = (17 << 8) | out[23];
    let c = (~((out[24] << 8) | out[25]) & 0xffff) + (~oldWord & 0xffff) + newWord;
    while (c > 0xffff) c = (c & 0xffff) + (c >>> 16);
    c = ~c & 0xffff;
    out[24] = c >> 8;
    out[25] = c & 0xff;
    const d = diffPackets(reply, out);
    assert.deepEqual(d.lines, [
      'IPv4 ttl: 64 -> 17',
      'IPv4 header checksum: updated, still valid (0x' + c.toString(16).padStart(4, '0') + ')',
    ]);
    assert.ok(d.changedBytes.includes(22) && d.changedBytes.every((b) => [22, 24, 25].includes(b)), `changed ${d.changedBytes.join(',')}`);
  });
  it('a TTL change without a checksum fix says the checksum is broken and what it should be', () => {
    const out = Uint8Array.from(reply);
    out[22] = 3;
    const d = diffPackets(reply, out);
    assert.equal(d.lines[0], 'IPv4 ttl: 64 -> 3');
    assert.match(d.lines[1], /^IPv4 header checksum: broken \(should be 0x[0-9a-f]{4}\)/);
  });
  it('TCP flags that gain PSH, the same packet, and hex round trips', () => {
    const ack = buildPacket({
      ip: { version: 4, source: '10.0.0.2', destination: '10.0.0.1' },
      l4: { protocol: 'tcp', sourcePort: 1, destinationPort: 2, flags: ['ACK'] },
    });
    const psh = buildPacket({
      ip: { version: 4, source: '10.0.0.2', destination: '10.0.0.1' },
      l4: { protocol: 'tcp', sourcePort: 1, destinationPort: 2, flags: ['ACK', 'PSH'] },
    });
    const d = diffPackets(ack, psh);
    assert.equal(d.lines[0], 'TCP flags: ACK -> PSH ACK');
    assert.equal(diffPackets(ack, ack).same, true);
    assert.deepEqual(hexToBytes(bytesToHex(psh)), psh);
  });
});
