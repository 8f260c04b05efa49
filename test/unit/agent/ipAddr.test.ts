import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseIpAddr } from '../../../remote-agent/parsers/ipAddr';
import { fixture } from './fixtures';

it('ip -j -d addr of a lab host: eth0 is a veth with its IPv4 and IPv6 addresses', () => {
  const ifs = parseIpAddr(fixture('ip-addr-host.json'), 'end_cap_a');
  const eth0 = ifs.find((i) => i.name === 'eth0');
  assert.equal(eth0?.kind, 'veth');
  assert.ok(eth0?.addresses.includes('10.250.1.1/24'));
  assert.ok(eth0?.addresses.includes('fd00:e0d:1::1/64'));
  assert.equal(eth0?.netns, 'end_cap_a');
  assert.equal(ifs.find((i) => i.name === 'lo')?.kind, 'loopback');
});

it('ip -j -d addr of a bridge namespace: the port names its master', () => {
  const ifs = parseIpAddr(fixture('ip-addr-bridge.json'), 'end_cap_br');
  assert.equal(ifs.find((i) => i.name === 'br0')?.kind, 'bridge');
  assert.equal(ifs.find((i) => i.name === 'veth_a')?.master, 'br0');
});
