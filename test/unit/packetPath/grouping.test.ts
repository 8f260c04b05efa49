// Grouping hop events into packets and printing them, on real captures (test/fixtures/packetPath/).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  formatPacketPaths,
  groupPacketPaths,
  PacketPathGrouper,
  packetPathsJson,
  SAME_PACKET_WINDOW_NS,
} from '../../../extension/core/packetPath';
import { decodeBpftraceCapture, decodeEventPipe, FIXTURES, lab, named } from './fixtures';

const golden = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

describe('groupPacketPaths', () => {
  it('makes a request and a reply of the ping, hops in time order', () => {
    const paths = groupPacketPaths(decodeEventPipe().events);
    assert.deepEqual(
      paths.map((p) => p.label),
      ['request', 'reply'],
    );
    const [req, rep] = paths;
    assert.equal(req.exchange, rep.exchange);
    assert.match(req.exchange, /^#\d+\.001$/);
    assert.deepEqual(
      req.hops.map((h) => h.ifname),
      [lab.ifs.a, lab.ifs.pa, lab.ifs.pb, lab.ifs.b],
    );
    assert.deepEqual(
      rep.hops.map((h) => h.ifname),
      [lab.ifs.b, lab.ifs.pb, lab.ifs.pa, lab.ifs.a],
    );
    assert.equal(req.hops[0].sinceFirstNs, 0);
    assert.ok(req.hops.every((h, i) => i === 0 || h.sinceFirstNs > req.hops[i - 1].sinceFirstNs));
  });

  it('gives the same packets whatever order the per-CPU buffers deliver the events in', () => {
    const events = decodeEventPipe().events;
    const shuffled = [events[5], events[2], events[7], events[0], events[3], events[6], events[1], events[4]];
    assert.deepEqual(groupPacketPaths(shuffled), groupPacketPaths(events));
    const live = new PacketPathGrouper();
    live.add(shuffled.slice(0, 3));
    live.add(shuffled.slice(3));
    assert.deepEqual(live.paths(), groupPacketPaths(events));
  });

  it('keeps one packet across a change of buffer (skb)', () => {
    const events = decodeEventPipe()
      .events.slice(0, 4)
      .map((e, i) => (i >= 2 ? { ...e, skb: '0xffff888100000000' } : e));
    const paths = groupPacketPaths(events);
    assert.equal(paths.length, 1);
    assert.equal(paths[0].hops.length, 4);
    assert.deepEqual(new Set(paths[0].hops.map((h) => h.skb)).size, 2);
  });

  it('makes a new packet of the same id/seq seen again much later', () => {
    const events = decodeEventPipe().events.slice(0, 4);
    const later = events.map((e) => ({ ...e, timestampNs: e.timestampNs + 2 * SAME_PACKET_WINDOW_NS }));
    assert.equal(groupPacketPaths([...events, ...later]).length, 2);
  });

  it('keeps grouping right over a long live trace (thousands of pings, batch by batch)', () => {
    const request = decodeEventPipe().events.slice(0, 4);
    const g = new PacketPathGrouper();
    for (let seq = 1; seq <= 3000; seq++) {
      // one ping every 10 ms, its hops in two batches as the per-CPU buffers might deliver them
      const hops = request.map((e) => ({ ...e, icmp: { ...e.icmp!, seq }, timestampNs: e.timestampNs + seq * 10_000_000 }));
      g.add(hops.slice(2));
      g.add(hops.slice(0, 2));
    }
    const paths = g.paths();
    assert.equal(paths.length, 3000);
    assert.ok(paths.every((p, i) => p.icmp!.seq === i + 1 && p.hops.length === 4 && p.hops[0].tracepoint === 'net_dev_queue'));
  });

  it('follows a TCP connection segment by segment', () => {
    const t = lab.tcpCapture!;
    const { events } = decodeEventPipe(golden('event-pipe-tcp.txt'));
    const paths = groupPacketPaths(events);
    assert.deepEqual(
      paths.map((p) => `${p.src}>${p.dst} ${p.label}`),
      [
        `${t.v4.a}>${t.v4.b} SYN`,
        `${t.v4.b}>${t.v4.a} SYN|ACK`,
        `${t.v4.a}>${t.v4.b} ACK`,
        `${t.v4.a}>${t.v4.b} FIN|ACK`,
        `${t.v4.b}>${t.v4.a} FIN|ACK`,
        `${t.v4.a}>${t.v4.b} ACK`,
      ],
    );
    assert.ok(paths.every((p) => p.hops.length === 4));
    assert.deepEqual(
      paths[0].hops.map((h) => h.netnsInode),
      [t.ino.a, t.ino.br, t.ino.br, t.ino.b],
    );
    assert.deepEqual(
      paths[1].hops.map((h) => h.netnsInode),
      [t.ino.b, t.ino.br, t.ino.br, t.ino.a],
    );
    assert.equal(paths[1].tcp!.ack, (paths[0].tcp!.seq + 1) >>> 0);
    assert.equal(paths[0].tcp!.dport, t.port);
  });
});

describe('formatPacketPaths', () => {
  it('prints one line per hop, packets apart, as the golden files show (IPv4 via bpftool, IPv6 via bpftrace)', () => {
    assert.equal(formatPacketPaths(groupPacketPaths(named(decodeEventPipe().events))), golden('ping4.formatted.txt'));
    assert.equal(formatPacketPaths(groupPacketPaths(named(decodeBpftraceCapture()))), golden('ping6.formatted.txt'));
  });

  it('shows TCP flags, endpoints and sequence numbers', () => {
    const text = formatPacketPaths(groupPacketPaths(decodeEventPipe(golden('event-pipe-tcp.txt')).events));
    const t = lab.tcpCapture!;
    const ip = (a: string) => a.replace(/\./g, '\\.');
    // the lab of the capture had token "cap": a's interface is capa
    assert.match(text, new RegExp(`\\] +capa +SYN ${ip(t.v4.a)}:\\d+ > ${ip(t.v4.b)}:8080 seq \\d+ +\\+0\\.000 ms  net_dev_queue`));
    assert.match(text, /SYN\|ACK .* seq \d+ ack \d+/);
  });

  it('says so when nothing matched', () => {
    assert.equal(formatPacketPaths([]), 'no packets matched\n');
  });

  it('gives scripts a JSON shape that survives a round trip', () => {
    const paths = groupPacketPaths(decodeEventPipe().events);
    const json = packetPathsJson(paths);
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
    assert.equal(json.packets.length, 2);
    assert.deepEqual(Object.keys(json.packets[0].hops[0]).sort(), [
      'ifindex',
      'ifname',
      'netnsInode',
      'sinceFirstNs',
      'skb',
      'timestampNs',
      'tracepoint',
      'ttl',
    ]);
  });
});
