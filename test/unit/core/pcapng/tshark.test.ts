// tshark (Debian's, installed by scripts/setup.sh) reads the files PcapngWriter writes: packet counts, interfaces and
// namespaces, the eBPF verdicts in frame.verdict.ebpf_xdp / frame.verdict.ebpf_tc, the comments, the direction, and
// nothing on stderr; a 100,000-packet file streamed through writerFor() reads whole.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { buildPcapng, writerFor, LINKTYPE } from '../../../../extension/core/pcapng';
import { ethernet, icmpEchoIpv4 } from './frames';

// tshark run as root says so on stderr whatever it reads; that one line is about the user, not the file.
const ROOT_NOTICE = /^Running as user "root" and group "root"\. This could be dangerous\.$/;

function tshark(args: string[]): Promise<{ stdout: string; warnings: string[] }> {
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(
          new Error(
            missing ? 'tshark is not installed (scripts/setup.sh installs it)' : `tshark ${args.join(' ')}: ${stderr || err.message}`,
          ),
        );
        return;
      }
      resolve({ stdout, warnings: stderr.split('\n').filter((l) => l.trim() && !ROOT_NOTICE.test(l)) });
    });
  });
}

const T0 = 1_764_565_200_000_000_000n; // 2025-12-01T05:00:00Z in ns

describe('tshark reads our pcapng', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pcapng-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('interfaces per namespace, verdicts, comments, directions, lengths, nanosecond times', async () => {
    const file = join(dir, 'small.pcapng');
    writeFileSync(
      file,
      buildPcapng(
        [
          { name: 'eth0', namespace: 'end_lab_a', linkType: LINKTYPE.ETHERNET, snaplen: 128 },
          { name: 'eth0', namespace: 'end_lab_b', linkType: LINKTYPE.RAW, snaplen: 128 },
        ],
        [
          {
            interfaceId: 0,
            timestampNs: T0 + 1n,
            data: ethernet(icmpEchoIpv4('10.9.0.1', '10.9.0.2', 7, 1)),
            direction: 'outbound',
            verdict: { type: 'ebpf_tc', value: 0 },
          },
          {
            interfaceId: 1,
            timestampNs: T0 + 57_001n,
            data: icmpEchoIpv4('10.9.0.1', '10.9.0.2', 7, 1),
            direction: 'inbound',
            verdict: { type: 'ebpf_xdp', value: 1 },
            comments: ['DROP NETFILTER_DROP at nf_hook_slow', 'hop 2 of 2: netif_rx'],
          },
          {
            interfaceId: 1,
            timestampNs: T0 + 1_000_000_000n,
            data: icmpEchoIpv4('10.9.0.1', '10.9.0.2', 7, 2, 1400),
            originalLength: 1428,
            verdict: { type: 'ebpf_tc', value: 2 },
          },
        ],
        { application: 'ebpf-netdebug test' },
      ),
    );
    const { stdout, warnings } = await tshark([
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-E',
      'aggregator=;',
      '-e',
      'frame.interface_name',
      '-e',
      'frame.interface_description',
      '-e',
      'frame.verdict.ebpf_xdp',
      '-e',
      'frame.verdict.ebpf_tc',
      '-e',
      'frame.comment',
      '-e',
      'frame.packet_flags_direction',
      '-e',
      'frame.len',
      '-e',
      'frame.cap_len',
      '-e',
      'icmp.seq',
      '-e',
      'frame.time_epoch',
      '-e',
      'ip.dst',
    ]);
    assert.deepEqual(warnings, []);
    const rows = stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.equal(rows.length, 3);
    assert.deepEqual(
      rows.map((r) => r.slice(0, 4)),
      [
        ['eth0', 'netns end_lab_a', '', '0'],
        ['eth0', 'netns end_lab_b', '1', ''],
        ['eth0', 'netns end_lab_b', '', '2'],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r[4]),
      ['', 'DROP NETFILTER_DROP at nf_hook_slow;hop 2 of 2: netif_rx', ''],
    );
    assert.deepEqual(
      rows.map((r) => Number(r[5])),
      [2, 1, 0],
    );
    assert.deepEqual(
      rows.map((r) => [r[6], r[7]]),
      [
        ['98', '98'],
        ['84', '84'],
        ['1428', '128'],
      ],
    );
    assert.deepEqual(
      rows.map((r) => r[8]),
      ['1', '1', '2'],
    );
    assert.equal(rows[1]![9], '1764565200.000057001');
    assert.deepEqual(
      rows.map((r) => r[10]),
      ['10.9.0.2', '10.9.0.2', '10.9.0.2'],
    );
    // And tshark's own check of the file: no expert notes of level warning or error.
    const expert = await tshark(['-r', file, '-q', '-z', 'expert,warn']);
    assert.deepEqual(expert.warnings, []);
    assert.doesNotMatch(expert.stdout, /Warnings \(|Errors \(/);
  });

  it('a 100,000-packet file streamed to a Writable reads whole', async () => {
    const file = join(dir, 'big.pcapng');
    const out = createWriteStream(file);
    const w = writerFor(out, { application: 'ebpf-netdebug test' });
    const ifs = [0, 1, 2, 3].map((i) =>
      w.interfaceId({ name: `veth${i}`, namespace: `end_ns_${i % 2}`, linkType: LINKTYPE.RAW, snaplen: 128 }),
    );
    for (let i = 0; i < 100_000; i++) {
      const ok = w.packet({
        interfaceId: ifs[i % 4]!,
        timestampNs: T0 + BigInt(i) * 1000n,
        data: icmpEchoIpv4('10.9.0.1', '10.9.0.2', 9, i & 0xffff, 8),
        verdict: { type: i % 2 ? 'ebpf_xdp' : 'ebpf_tc', value: i % 3 },
        comments: i % 1000 === 0 ? [`mark ${i}`] : undefined,
      });
      if (!ok) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const { stdout, warnings } = await tshark(['-r', file, '-T', 'fields', '-e', 'frame.verdict.ebpf_xdp', '-e', 'frame.comment']);
    assert.deepEqual(warnings, []);
    const rows = stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t'));
    assert.equal(rows.length, 100_000);
    assert.equal(rows.filter((r) => r[0] === '1').length, [...Array(100_000).keys()].filter((i) => i % 2 && i % 3 === 1).length);
    assert.equal(rows.filter((r) => r[1]?.startsWith('mark ')).length, 100);
    assert.equal(rows[99_000]![1], 'mark 99000');
  });
});
