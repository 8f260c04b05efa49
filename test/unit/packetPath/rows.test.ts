// A packet path trace as packet list rows (extension/core/packetPath/rows.ts) and the pcapng of the rows a list
// shows, on the real trace of test/fixtures/webview/packet_path_drop.json (a ping dropped by nftables, one answered),
// read back by tshark.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PacketPath } from '../../../protocol/types';
import { PacketPathRows, hopRow } from '../../../extension/core/packetPath/rows';
import { packetPathsToPcapng } from '../../../extension/core/packetPath/pcapng';

const fixture = join(__dirname, '../../fixtures/webview/packet_path_drop.json');
const load = () => (JSON.parse(readFileSync(fixture, 'utf8')) as { packets: PacketPath[] }).packets;

describe('packet path rows', () => {
  it('numbers hops once, in time order, and keeps the numbers while packets gain hops', () => {
    const paths = load();
    const rows = new PacketPathRows();
    // the first packet arrives with its first hop only, then everything
    const partial = { ...paths[0], hops: paths[0].hops.slice(0, 1) };
    const a = rows.add([partial]);
    assert.deepEqual(
      a.map((r) => [r.no, r.verdict]),
      [[1, 'net_dev_queue']],
    );
    paths[0].hops[0] = partial.hops[0];
    const b = rows.add(paths);
    assert.equal(b[0].no, 2);
    assert.equal(
      a.length + b.length,
      paths.reduce((n, p) => n + p.hops.length, 0),
    );
    assert.deepEqual(rows.add(paths), [], 'nothing twice');
    const all = rows.all(paths);
    assert.deepEqual(
      all.map((r) => r.no),
      all.map((_, i) => i + 1),
    );
    const drop = all.find((r) => r.reason?.startsWith('NETFILTER_DROP'))!;
    assert.deepEqual(
      { verdict: drop.verdict, cls: drop.verdictClass, reason: drop.reason, direction: drop.direction, dev: drop.dev, netns: drop.netns },
      {
        verdict: 'DROP',
        cls: 'drop',
        reason: 'NETFILTER_DROP at nft_do_chain',
        direction: 'unknown',
        dev: 'wvdropb',
        netns: 'end_wvdrop_b',
      },
    );
    const sent = all.find((r) => r.verdict === 'net_dev_queue')!;
    assert.equal(sent.direction, 'egress');
    assert.equal(sent.verdictClass, 'pass');
    assert.equal(sent.timeUs, Number(BigInt(paths[0].hops[0].epochNs!) / 1000n), 'wall clock of the hop');
  });

  it('leaves hops without bytes out and counts them', () => {
    const paths = load().map((p) => ({ ...p, hops: p.hops.map(({ packet: _packet, ...h }) => h) }));
    const rows = new PacketPathRows();
    assert.deepEqual(rows.add(paths), []);
    assert.equal(
      rows.withoutBytes,
      paths.reduce((n, p) => n + p.hops.length, 0),
    );
    assert.equal(hopRow(paths[0], 0, 1), undefined);
  });

  it('saves the rows a list shows as pcapng that tshark reads: their frames, interfaces, hop and drop comments', () => {
    const paths = load();
    const rows = new PacketPathRows();
    const all = rows.add(paths);
    const wanted = new Set(all.filter((r) => r.netns === 'end_wvdrop_b').map((r) => r.no));
    const { bytes, packets } = packetPathsToPcapng(paths, 128, (h) => wanted.has(rows.numberOf(h) ?? 0));
    assert.equal(packets, wanted.size);
    const dir = mkdtempSync(join(tmpdir(), 'pathrows-'));
    try {
      const file = join(dir, 'rows.pcapng');
      writeFileSync(file, bytes);
      const out = execFileSync(
        'tshark',
        ['-r', file, '-T', 'fields', '-e', 'frame.interface_name', '-e', 'frame.comment', '-e', 'ip.src'],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const lines = out.trim().split('\n');
      assert.equal(lines.length, wanted.size);
      assert.ok(lines.every((l) => l.startsWith('wvdropb\t')));
      assert.ok(lines.some((l) => l.includes('DROP NETFILTER_DROP at nft_do_chain')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
