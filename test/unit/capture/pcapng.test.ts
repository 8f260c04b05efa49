// Captured packets as pcapng, read back by tshark: one interface per capture named after its device with its
// namespace, the direction, and the verdict in epb_verdict as Wireshark shows it (eBPF XDP / eBPF TC).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CaptureInfo, CapturedPacket } from '../../../protocol/types';
import { capturesToPcapng } from '../../../extension/core/capture/pcapng';

function tshark(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile('tshark', args, (e, stdout, stderr) => (e ? reject(new Error(stderr || e.message)) : resolve({ stdout, stderr }))),
  );
}

const info = (kind: 'xdp' | 'tc', dev: string, direction: 'ingress' | 'egress'): CaptureInfo => ({
  capture: 'vcap-1-1',
  attachment: `${kind}:end_x_b:${dev}`,
  kind,
  netns: 'end_x_b',
  dev,
  ifindex: 2,
  direction,
  plainProgId: 1,
  captureProgId: 2,
  program: 'p',
  snapLength: 64,
  startedAt: 0,
});

/** Ethernet + IPv4 + ICMP echo request, 98 bytes. */
function echo(seq: number): Buffer {
  const b = Buffer.alloc(98);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(84, 16);
  b[22] = 64;
  b[23] = 1;
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(b, 26);
  b[34] = 8;
  b.writeUInt16BE(seq, 40);
  return b;
}

describe('capturesToPcapng', () => {
  it('tshark shows the verdicts, directions, interfaces and the cut length', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcap-pcapng-'));
    try {
      const x = info('xdp', 'eth0', 'ingress');
      const t = info('tc', 'eth1', 'egress');
      const p = (seq: number, verdict: number): CapturedPacket => ({
        timeUs: 1_764_565_200_000_000 + seq,
        verdict,
        ifindex: 2,
        len: 98,
        data: echo(seq).subarray(0, 64).toString('base64'),
      });
      const file = join(dir, 'c.pcapng');
      writeFileSync(
        file,
        capturesToPcapng([
          { info: x, packet: p(1, 1) },
          { info: x, packet: p(2, 2) },
          { info: t, packet: p(3, 2) },
          { info: t, packet: p(4, -1) },
        ]),
      );
      const r = await tshark([
        '-r',
        file,
        '-T',
        'fields',
        '-e',
        'frame.interface_name',
        '-e',
        'frame.interface_description',
        '-e',
        'frame.verdict.ebpf_xdp',
        '-e',
        'frame.verdict.ebpf_tc',
        '-e',
        'pkt_comment',
        '-e',
        'frame.len',
        '-e',
        'frame.cap_len',
        '-e',
        'icmp.seq',
        '-e',
        'frame.p2p_dir',
        '-e',
        'frame.packet_flags_direction',
      ]);
      const rows = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      assert.deepEqual(
        rows.map((f) => [f[0], f[1], f[2], f[3], f[5], f[6], f[7], f[9]]),
        [
          ['eth0', 'netns end_x_b', '1', '', '98', '64', '1', '0x00000001'],
          ['eth0', 'netns end_x_b', '2', '', '98', '64', '2', '0x00000001'],
          ['eth1', 'netns end_x_b', '', '2', '98', '64', '3', '0x00000002'],
          ['eth1', 'netns end_x_b', '', '-1', '98', '64', '4', '0x00000002'],
        ],
      );
      assert.equal(r.stderr.replace(/Running as user "root".*\n?/, '').trim(), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
