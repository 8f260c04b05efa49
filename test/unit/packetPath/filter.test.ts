// The CLI's filter language (`--filter 'icmp and host 10.1.0.2'`) and the agent's check of what arrives over RPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPacketFilter, parsePacketFilter, PacketFilterError } from '../../../extension/core/packetPath';
import { encodePacketFilter, validatePacketFilter } from '../../../remote-agent/packetPath/filterEncoding';
import { AgentError } from '../../../remote-agent/core/errors';
import { AgentErrorCode } from '../../../protocol/agent';

describe('parsePacketFilter', () => {
  it('reads the pcap-like subset', () => {
    assert.deepEqual(parsePacketFilter('icmp and host 10.1.0.2'), { protocol: 'icmp', host: '10.1.0.2' });
    assert.deepEqual(parsePacketFilter('tcp and src 10.0.0.1 and dst host 10.0.0.2 and port 80'), {
      protocol: 'tcp',
      src: '10.0.0.1',
      dst: '10.0.0.2',
      port: 80,
    });
    assert.deepEqual(parsePacketFilter('icmp6 && host fd00::2'), { protocol: 'icmp6', host: 'fd00::2' });
    assert.deepEqual(parsePacketFilter('  UDP  and  port 53 '), { protocol: 'udp', port: 53 });
    assert.deepEqual(parsePacketFilter(''), {});
  });

  it('prints back what it read', () => {
    const text = 'tcp and host 10.0.0.2 and port 443';
    assert.equal(formatPacketFilter(parsePacketFilter(text)), text);
  });

  const refused: [string, RegExp][] = [
    ['icmp or tcp', /"or" is not supported/],
    ['not icmp', /"not" is not supported/],
    ['host', /"host" needs an address/],
    ['host 10.0.0.300', /"10.0.0.300" is not an IPv4 or IPv6 address/],
    ['port 70000', /"70000" is not a port number/],
    ['port http', /"http" is not a port number/],
    ['icmp host 10.0.0.1', /expected "and" between terms, found "host"/],
    ['icmp and', /needs a term after it/],
    ['and icmp', /must stand between two terms/],
    ['(icmp)', /parentheses are not supported/],
    ['sctp', /unknown word "sctp"/],
    ['net 10.0.0.0/8', /"net" \(address ranges\) is not supported/],
    ['icmp and port 7', /port 7 cannot match icmp packets/],
    ['icmp and host fd00::1', /IPv6 address, which icmp packets never carry/],
    ['tcp and udp', /protocol is given twice/],
    ['src port 80', /"src port" is not supported/],
  ];
  for (const [text, message] of refused) {
    it(`refuses "${text}" saying why`, () => {
      assert.throws(
        () => parsePacketFilter(text),
        (err: unknown) => err instanceof PacketFilterError && message.test(err.message),
      );
    });
  }

  it('names the column of the word it refuses', () => {
    assert.throws(() => parsePacketFilter('icmp and hots 10.0.0.1'), /unknown word "hots".*column 10/);
  });
});

describe('validatePacketFilter (agent side)', () => {
  const badArg = (value: unknown, argument: string) =>
    assert.throws(
      () => validatePacketFilter(value),
      (err: unknown) => err instanceof AgentError && err.code === AgentErrorCode.BadArgument && err.data.argument === argument,
    );

  it('accepts what the parser makes, and nothing', () => {
    assert.deepEqual(validatePacketFilter({ protocol: 'tcp', host: 'fd00::2', port: 22 }), { protocol: 'tcp', host: 'fd00::2', port: 22 });
    assert.deepEqual(validatePacketFilter(undefined), {});
  });

  it('names the bad field', () => {
    badArg({ protocol: 'sctp' }, 'packetFilter.protocol');
    badArg({ host: '10.0.0.1; reboot' }, 'packetFilter.host');
    badArg({ src: 42 }, 'packetFilter.src');
    badArg({ port: 0 }, 'packetFilter.port');
    badArg({ port: 1.5 }, 'packetFilter.port');
    badArg({ protocol: 'icmp', port: 1 }, 'packetFilter.port');
    badArg({ proto: 'tcp' }, 'packetFilter.proto');
    badArg('icmp', 'packetFilter');
    badArg({ protocol: 'icmp6', host: '10.0.0.1' }, 'packetFilter');
  });
});

describe('encodePacketFilter (struct tracepkt_filter)', () => {
  it('lays the fields out as tracepkt.h says', () => {
    const b = encodePacketFilter({ protocol: 'tcp', host: '10.1.0.2', dst: 'fd00::2', port: 443 });
    assert.equal(b.length, 64);
    assert.equal(b.readUInt16LE(56), 128, 'snaplen: 128 packet bytes by default (host order)');
    assert.equal(encodePacketFilter({}, 0).readUInt16LE(56), 0);
    assert.equal(b[0], 1, 'enabled');
    assert.equal(b[1], 6, 'IPPROTO_TCP');
    assert.equal(b[2], 0x01 | 0x04 | 0x08, 'host, dst and port flags');
    assert.deepEqual([...b.subarray(4, 6)], [0x01, 0xbb], 'port in network order');
    assert.deepEqual([...b.subarray(8, 24)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 0, 2], 'IPv4 mapped');
    assert.deepEqual([...b.subarray(24, 40)], new Array(16).fill(0), 'no src');
    assert.deepEqual([...b.subarray(40, 56)], [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  });

  it('matches everything but stays enabled when empty', () => {
    const b = encodePacketFilter({});
    assert.equal(b[0], 1);
    assert.equal(b[1] + b[2], 0);
  });
});
