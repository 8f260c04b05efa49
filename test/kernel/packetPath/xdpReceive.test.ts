// With an XDP program on the receiving veth, the kernel delivers through NAPI and reports the arrival as
// napi_gro_receive_entry rather than netif_rx (KERNEL-FACTS "Tracepoints"): the path must show that hop.
import './objectLoader';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createBridgeLab, type BridgeLab } from './bridgeLab';
import { runToken, sweepStale } from '../helpers/cleanup';
import { Capture, type Backend } from './scenarios';

const exec = promisify(execFile);
const SOURCE = join(__dirname, '../../fixtures/packetPath/xdp_pass.bpf.c');

describe('packet path with XDP on the receiving interface', { timeout: 120_000 }, () => {
  let lab: BridgeLab;
  let tmp: string;
  before(async () => {
    await sweepStale('ppx');
    lab = await createBridgeLab(runToken('ppx'));
    tmp = mkdtempSync(join(tmpdir(), 'ppx-'));
    const obj = join(tmp, 'xdp_pass.o');
    await exec('clang', ['-O2', '-g', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', SOURCE, '-o', obj]);
    // native (driver) mode on b's veth, inside b's namespace
    await exec('ip', ['-n', lab.ns.b, 'link', 'set', 'dev', lab.ifs.b, 'xdpdrv', 'object', obj, 'sec', 'xdp']);
  });
  after(async () => {
    // the namespace's deletion takes the veth and its XDP program with it; detach first all the same
    if (lab) await exec('ip', ['-n', lab.ns.b, 'link', 'set', 'dev', lab.ifs.b, 'xdpdrv', 'off']).catch(() => undefined);
    await lab?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const backend of ['bpftool', 'bpftrace'] as Backend[]) {
    it(`shows napi_gro_receive_entry at b (${backend})`, async () => {
      const c = await Capture.start(backend, { protocol: 'icmp', host: lab.v4.b }, [
        await lab.inodeOf(lab.ns.a),
        await lab.inodeOf(lab.ns.br),
        await lab.inodeOf(lab.ns.b),
      ]);
      try {
        await lab.run(lab.ns.a, ['ping', '-c1', '-W2', lab.v4.b]);
        const paths = await c.until((ps) => ps.some((p) => p.label === 'request' && p.src === lab.v4.a && p.hops.length >= 4));
        const request = paths.find((p) => p.label === 'request' && p.src === lab.v4.a);
        assert.deepEqual(
          request?.hops.map((h) => [h.ifname, h.tracepoint]),
          [
            [lab.ifs.a, 'net_dev_queue'],
            [lab.ifs.pa, 'netif_rx'],
            [lab.ifs.pb, 'net_dev_queue'],
            [lab.ifs.b, 'napi_gro_receive_entry'],
          ],
        );
      } finally {
        await c.tracer.stop();
      }
    });
  }
});
