// Drops in the packet path, on this kernel (6.18: skb:kfree_skb with reason and location): a -- r -- b, r routing.
// An nftables DROP rule in b's input, a destination r has no route for, and a TTL that runs out at r each end the
// ping's path with the reason and the function this kernel reports (seen first with bpftrace on kfree_skb):
//   NETFILTER_DROP at nft_do_chain (nf_tables drops inside its chain walk, not in nf_hook_slow),
//   IP_INNOROUTES at ip_error, IP_INHDR at ip_forward.
// Both backends (bpftool autoattach, the bpftrace fallback). Then the CLI's `trace -w` pcapng, read by tshark.
// Everything lives in namespaces named with this run's token; deleting them removes the nft table too.
import './objectLoader';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { PacketPath } from '../../../extension/core/packetPath';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { netnsInodeOf } from '../helpers/netns';
import { createRoutedLab, type RoutedLab } from '../helpers/routedLab';
import { Capture, type Backend } from './scenarios';
import { REPO } from './objectLoader';

const exec = promisify(execFile);
const TOKEN = runToken('pdr');

/** Sends one ICMP echo reply (id 0x4242, seq 1) to argv[1] through a raw socket: nobody there waits for it. */
const UNSOLICITED_ECHO_REPLY = `
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
body = struct.pack('!HH', 0x4242, 1) + bytes(range(16))
msg = struct.pack('!BBH', 0, 0, csum(struct.pack('!BBH', 0, 0, 0) + body)) + body
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(msg, (sys.argv[1], 0))
`;

describe('drops in the packet path', { timeout: 120_000 }, () => {
  let ns: RoutedLab['ns'];
  let dev: RoutedLab['dev'];
  let addr: RoutedLab['addr'];
  let inNs: RoutedLab['inNs'];
  let inodes: number[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'drops-test-'));

  before(async () => {
    await sweepStale('pdr');
    ({ ns, dev, addr, inNs } = await createRoutedLab(TOKEN));
    // b drops ICMP echo requests from a in its input hook
    await inNs(ns.b, ['nft', 'add', 'table', 'inet', 'end_drop']);
    await inNs(ns.b, ['nft', 'add', 'chain', 'inet', 'end_drop', 'in', '{ type filter hook input priority 0; }']);
    await inNs(ns.b, ['nft', 'add', 'rule', 'inet', 'end_drop', 'in', 'ip', 'saddr', addr.a, 'icmp', 'type', 'echo-request', 'drop']);
    inodes = await Promise.all(Object.values(ns).map((n) => netnsInodeOf(n)));
  });
  after(async () => {
    await sweep(TOKEN);
    rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(await leftovers(TOKEN), []);
  });

  const requestTo = (dst: string) => (p: PacketPath) => p.label === 'request' && p.src === addr.a && p.dst === dst;
  const lastHop = (p: PacketPath | undefined) => {
    const h = p?.hops[p.hops.length - 1];
    return h && [h.netnsName, h.ifname, h.tracepoint, h.drop?.reason, h.drop?.location];
  };

  for (const backend of ['bpftool', 'bpftrace'] as Backend[]) {
    it(`ends each ping where it died, with this kernel's reason and function (${backend})`, async () => {
      const c = await Capture.start(backend, { protocol: 'icmp', src: addr.a }, inodes);
      try {
        await assert.rejects(inNs(ns.a, ['ping', '-c1', '-W1', addr.b]), 'the nft rule drops the ping');
        await assert.rejects(inNs(ns.a, ['ping', '-c1', '-W1', addr.nowhere]), 'r has no route');
        await assert.rejects(inNs(ns.a, ['ping', '-c1', '-W1', '-t', '1', addr.b]), 'the TTL runs out at r');
        // an echo reply nobody asked for (r runs no ping): no socket, no clone, so a drop (deliveredFrees.ts)
        await inNs(ns.a, ['python3', '-c', UNSOLICITED_ECHO_REPLY, addr.ra]);
        const unsolicited = (p: PacketPath) => p.label === 'reply' && p.src === addr.a && p.dst === addr.ra;
        const dropped = (ps: PacketPath[], dst: string, n: number) => ps.filter((p) => requestTo(dst)(p) && p.drop).length >= n;
        const paths = await c.until(
          (ps) => dropped(ps, addr.b, 2) && dropped(ps, addr.nowhere, 1) && ps.some((p) => unsolicited(p) && p.drop),
        );
        assert.deepEqual(lastHop(paths.find(unsolicited)), [ns.r, dev.ra, 'kfree_skb', 'NO_SOCKET', 'ping_rcv']);
        const toB = paths.filter(requestTo(addr.b));
        const filtered = toB.find((p) => p.hops[0].ttl === 64);
        const expired = toB.find((p) => p.hops[0].ttl === 1);
        const unrouted = paths.find(requestTo(addr.nowhere));

        assert.deepEqual(
          filtered?.hops.map((h) => [h.netnsName, h.ifname, h.tracepoint]),
          [
            [ns.a, dev.a, 'net_dev_queue'],
            [ns.r, dev.ra, 'netif_rx'],
            [ns.r, dev.rb, 'net_dev_queue'],
            [ns.b, dev.b, 'netif_rx'],
            [ns.b, dev.b, 'kfree_skb'],
          ],
        );
        assert.deepEqual(lastHop(filtered), [ns.b, dev.b, 'kfree_skb', 'NETFILTER_DROP', 'nft_do_chain']);
        assert.deepEqual(filtered?.drop, { reason: 'NETFILTER_DROP', location: 'nft_do_chain' }, 'the packet carries its drop');
        assert.deepEqual(lastHop(unrouted), [ns.r, dev.ra, 'kfree_skb', 'IP_INNOROUTES', 'ip_error']);
        assert.deepEqual(lastHop(expired), [ns.r, dev.ra, 'kfree_skb', 'IP_INHDR', 'ip_forward']);
        assert.equal(expired?.hops.length, 3, 'a TTL of 1 goes no further than r');
        // no drop hop anywhere but at the end, and none on a packet that arrived (the ICMP errors r sent back)
        for (const p of paths)
          assert.ok(
            p.hops.every((h, i) => !h.drop || i === p.hops.length - 1),
            `drop mid-path in ${p.key}`,
          );
        if (backend === 'bpftool') {
          const bytes = Buffer.from(filtered!.hops[0].packet!.data, 'base64');
          assert.equal(filtered!.hops[0].packet!.link, 'ethernet');
          assert.equal(filtered!.hops[0].packet!.length, 98, 'Ethernet + IPv4 + ICMP + 56 bytes');
          assert.equal(bytes.readUInt16BE(12), 0x0800, 'the ethertype, then the IPv4 header');
          assert.equal(bytes.subarray(26, 30).join('.'), addr.a);
        } else {
          assert.equal(filtered!.hops[0].packet, undefined, 'bpftrace copies no bytes');
        }
      } finally {
        await c.tracer.stop();
      }
    });
  }

  it('trace -w writes pcapng that tshark reads: every hop, the drop and the hop in the comments', async () => {
    const file = join(tmp, 'drops.pcapng');
    const tracing = exec(process.execPath, [
      join(REPO, 'dist/cli.js'),
      'trace',
      '--host',
      'local',
      '--source',
      'packet-path',
      '--filter',
      `icmp and src ${addr.a}`,
      '--duration',
      '6',
      '-w',
      file,
    ]);
    // ping until the trace has seen one (it attaches within the first seconds), then let it end
    let pinged = 0;
    const child = tracing.child;
    let text = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
    });
    while (child.exitCode === null && !/DROP NETFILTER_DROP/.test(text) && pinged < 50) {
      await inNs(ns.a, ['ping', '-c1', '-W1', addr.b]).catch(() => undefined);
      pinged++;
    }
    const { stderr } = await tracing;
    assert.match(text, /kfree_skb {2}DROP NETFILTER_DROP at nft_do_chain/);
    const written = Number(/wrote (\d+) packets/.exec(stderr)?.[1]);
    const { stdout, stderr: tsharkErr } = await exec('tshark', [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-E',
      'aggregator=|',
      '-e',
      'frame.interface_name',
      '-e',
      'frame.interface_description',
      '-e',
      'ip.src',
      '-e',
      'icmp.type',
      '-e',
      'frame.comment',
    ]);
    assert.deepEqual(
      tsharkErr.split('\n').filter((l) => l && !/^Running as user "root"/.test(l)),
      [],
    );
    const rows = stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.equal(rows.length, written, 'tshark reads as many packets as the CLI wrote');
    const drops = rows.filter((r) => r[4]?.includes('DROP NETFILTER_DROP at nft_do_chain'));
    assert.ok(drops.length >= 1);
    for (const d of drops) {
      assert.deepEqual(d.slice(0, 4), [dev.b, `netns ${ns.b} (${inodes[2]})`, addr.a, '8']);
      assert.match(d[4], /^hop 5\/5 kfree_skb in end_\w+ \(\d+\) \w+: request #\d+\.\d+ /);
    }
    assert.ok(rows.some((r) => r[0] === dev.a && r[1].startsWith(`netns ${ns.a} `) && /^hop 1\/5 net_dev_queue/.test(r[4])));
  });
});
