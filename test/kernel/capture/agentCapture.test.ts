// capture.start / capture.stop through the agent: the swap is covered by the dead-man switch (an agent killed in
// the middle of a capture gets its plain program put back by the watchdog when the lease runs out), the packets
// arrive as capture.packets notifications with verdicts and bytes, and bad requests are refused with the argument
// named. Observed on the kernel: which program `bpftool net show` lists, and ping.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AgentErrorCode,
  attachXdp,
  captureStart,
  captureStop,
  capturePackets,
  labCreate,
  labDestroy,
  objectLoad,
  objectUnload,
  type CapturePacketsParams,
} from '../../../protocol/agent';
import type { CapturedPacket } from '../../../protocol/types';
import { buildInstrumented } from '../../../extension/core/capture/build';
import { localTarget } from '../../../extension/core/compile/compileForHost';
import { AgentRequestError, REPO_ROOT, startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { AGENT_PIN_ROOT, leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd, type LabEnd } from '../helpers/lab';
import { inNetns, inNetnsOk } from '../helpers/netns';
import { ping } from '../helpers/ping';
import { until } from '../helpers/until';

const TOKEN = runToken('vca');
const OBJECT = `end_${TOKEN}_drop`;
const DEADMAN_DIR = mkdtempSync(join(tmpdir(), `end_${TOKEN}_deadman_`));

async function xdpProg(netns: string): Promise<number | undefined> {
  const r = await inNetnsOk(netns, ['bpftool', '-j', 'net', 'show', 'dev', 'eth0']);
  return (JSON.parse(r.stdout) as { xdp?: { id: number }[] }[])[0]?.xdp?.[0]?.id;
}

describe('capture.start / capture.stop through the agent', () => {
  let agent: AgentProcess;
  let a: LabEnd;
  let b: LabEnd;
  let instrumented: Buffer;
  const progIds: number[] = [];
  const killedAgents: number[] = [];

  before(async () => {
    await sweepStale('vca');
    const env = { EBPF_NETDEBUG_DEADMAN_DIR: DEADMAN_DIR };
    agent = await startAgent({ env });
    const lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    a = labEnd(lab, 'a');
    b = labEnd(lab, 'b');
    const loaded = await agent.request(objectLoad, { path: shippedObject('xdp_drop_ping'), name: OBJECT });
    progIds.push(...loaded.programs.map((p) => p.id));
    const build = await buildInstrumented({
      source: join(REPO_ROOT, 'bpf', 'xdp_drop_ping.bpf.c'),
      program: 'xdp_drop_ping',
      section: 'xdp',
      kind: 'xdp',
      host: localTarget(),
    });
    assert.ok(build.ok && build.bytes, build.stderr);
    instrumented = build.bytes;
  });

  after(async () => {
    await agent?.request(labDestroy, { name: TOKEN }).catch(() => undefined);
    await agent?.request(objectUnload, { name: OBJECT }).catch(() => undefined);
    await agent?.dispose();
    // the pins of the capture whose agent was killed (a later agent's start would remove them too)
    for (const pid of killedAgents) {
      for (let n = 1; n < 5; n++) rmSync(join(AGENT_PIN_ROOT, 'verdict_captures', `vcap-${pid}-${n}`), { recursive: true, force: true });
    }
    rmSync(DEADMAN_DIR, { recursive: true, force: true });
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
  });

  it('reports each packet with its verdict and bytes, and the kernel counts', async () => {
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_drop_ping`, dev: b.dev, netns: b.netns, mode: 'native' });
    const packets: CapturedPacket[] = [];
    const sub = agent.connection.onNotification(capturePackets, (p: CapturePacketsParams) => {
      packets.push(...p.packets);
    });
    const info = await agent.request(captureStart, {
      attachment: att.id,
      object: instrumented.toString('base64'),
      filter: { protocol: 'icmp' },
      snapLength: 64,
    });
    assert.equal(info.plainProgId, att.progId);
    assert.equal(await xdpProg(b.netns), info.captureProgId, 'the instrumented program runs on the interface');
    const pinged = await ping(a.netns, b.ipv4, { count: 4, interval: 0.2, wait: 1 });
    assert.equal(pinged.received, 0);
    const summary = await agent.request(captureStop, { capture: info.capture });
    sub.dispose();
    assert.equal(await xdpProg(b.netns), att.progId, 'the plain program is back');
    assert.deepEqual(summary.verdicts, { XDP_DROP: 4 });
    assert.equal(summary.lost, 0);
    assert.equal(summary.received, 4);
    assert.equal(packets.length, 4, 'every packet arrived before the stop reply');
    for (const p of packets) {
      const bytes = Buffer.from(p.data, 'base64');
      assert.equal(p.verdict, 1);
      assert.equal(bytes.length, 64, 'snapLength bytes');
      assert.equal(p.len, 98, "Ethernet + IPv4 + ICMP echo of ping's default 56 bytes");
      assert.equal(bytes.readUInt16BE(12), 0x0800);
      assert.equal(bytes[14 + 9], 1, 'ICMP');
      assert.equal(bytes[34], 8, 'echo request');
      assert.ok(Math.abs(p.timeUs / 1000 - Date.now()) < 60_000, 'wall-clock time');
    }
  });

  it('a burst (packets less than a millisecond apart) goes out in batches; what is left in them arrives at stop, none lost', async () => {
    const att = await agent.request(attachXdp, {
      program: `${OBJECT}/xdp_drop_ping`,
      dev: b.dev,
      netns: b.netns,
      mode: 'native',
      replace: true,
    });
    const packets: CapturedPacket[] = [];
    let notifications = 0;
    const sub = agent.connection.onNotification(capturePackets, (p: CapturePacketsParams) => {
      packets.push(...p.packets);
      if (p.packets.length) notifications++;
    });
    const info = await agent.request(captureStart, {
      attachment: att.id,
      object: instrumented.toString('base64'),
      filter: { protocol: 'icmp' },
      snapLength: 128,
    });
    // 300 echo requests at once (ping's preload, the replies never come): far more than one a millisecond per CPU
    const pinged = await inNetns(a.netns, ['ping', '-n', '-q', '-c', '300', '-l', '300', '-W', '1', b.ipv4]);
    assert.match(pinged.stdout, /^300 packets transmitted, 0 received/m);
    const summary = await agent.request(captureStop, { capture: info.capture });
    sub.dispose();
    assert.deepEqual(summary.verdicts, { XDP_DROP: 300 });
    assert.equal(summary.lost, 0, `received ${summary.received} of ${summary.matched}`);
    assert.equal(packets.length, 300, "every packet, the batches' tails included");
    const seqs = packets.map((p) => Buffer.from(p.data, 'base64').readUInt16BE(14 + 20 + 6)).sort((x, y) => x - y);
    assert.deepEqual(
      seqs,
      Array.from({ length: 300 }, (_, i) => i + 1),
      'each echo request once, with its own bytes',
    );
    assert.ok(packets.every((p) => p.len === 98 && Buffer.from(p.data, 'base64').length === 98));
    assert.ok(notifications < 300, `batched: ${notifications} notifications for 300 packets`);
  });

  it('refuses what it cannot capture, naming the argument', async () => {
    const att = `xdp:${b.netns}:${b.dev}`;
    const bad = async (params: object, code: number, pattern: RegExp) => {
      await assert.rejects(agent.request(captureStart, params as never), (e: AgentRequestError) => {
        assert.equal(e.code, code, e.message);
        assert.match(e.agentMessage, pattern);
        return true;
      });
    };
    // shapes the params schema refuses (protocol/schemas.ts) are InvalidParams
    await bad({ attachment: att, object: instrumented.toString('base64'), snapLength: 5000 }, AgentErrorCode.InvalidParams, /snapLength/);
    await bad(
      { attachment: att, object: instrumented.toString('base64'), filter: { protocol: 'sctp' } },
      AgentErrorCode.InvalidParams,
      /not one of icmp/,
    );
    await bad(
      { attachment: `xdp:${a.netns}:${a.dev}`, object: instrumented.toString('base64') },
      AgentErrorCode.NotFound,
      /no XDP program/,
    );
    await bad({ attachment: `cgroup:sock_ops:/x:1`, object: instrumented.toString('base64') }, AgentErrorCode.Unsupported, /xdp and tc/);
    // tcx: no swap without a gap through bpftool 7.5 (test/kernel/capture/tcxSwap.test.ts shows why)
    await bad(
      { attachment: `tcx:${b.netns}:${b.dev}:ingress`, object: instrumented.toString('base64') },
      AgentErrorCode.Unsupported,
      /can only append to a tcx chain and detach its last program.*--via tc/,
    );
    await bad(
      { attachment: att, object: instrumented.toString('base64'), program: 'nope' },
      AgentErrorCode.BadArgument,
      /no program "nope"/,
    );
    await assert.rejects(agent.request(captureStop, { capture: 'vcap-0-0' }), (e: AgentRequestError) => e.code === AgentErrorCode.NotFound);
  });

  it('an agent that exits (agent.shutdown, the session closed) puts the plain program back before it goes', async () => {
    const env = { EBPF_NETDEBUG_DEADMAN_DIR: DEADMAN_DIR };
    const leaving = await startAgent({ env });
    const plain = await xdpProg(b.netns);
    const info = await leaving.request(captureStart, { attachment: `xdp:${b.netns}:${b.dev}`, object: instrumented.toString('base64') });
    assert.equal(await xdpProg(b.netns), info.captureProgId);
    await leaving.dispose(); // resolves once the process is gone
    assert.equal(await xdpProg(b.netns), plain, 'the plain program is back as soon as the agent is gone, no lease to wait for');
    assert.equal(existsSync(join(AGENT_PIN_ROOT, 'verdict_captures', info.capture)), false, "and the instrumented object's pins are gone");
  });

  it('an agent killed in the middle of a capture: the watchdog puts the plain program back when the lease runs out', async () => {
    const env = { EBPF_NETDEBUG_DEADMAN_DIR: DEADMAN_DIR };
    const doomed = await startAgent({ env });
    try {
      const plain = await xdpProg(b.netns);
      assert.ok(plain);
      const info = await doomed.request(captureStart, {
        attachment: `xdp:${b.netns}:${b.dev}`,
        object: instrumented.toString('base64'),
        leaseMs: 3000,
      });
      assert.equal(await xdpProg(b.netns), info.captureProgId);
      killedAgents.push(doomed.child.pid!);
      doomed.child.kill('SIGKILL');
      let back: number | undefined;
      await until(async () => (back = await xdpProg(b.netns)) === plain, 'the plain program back on eth0', 30_000);
      assert.equal(back, plain);
      const pinged = await ping(a.netns, b.ipv4, { count: 3, interval: 0.2, wait: 1 });
      assert.equal(pinged.received, 0, 'and it still drops pings');
      assert.ok(existsSync(DEADMAN_DIR));
    } finally {
      await doomed.dispose();
    }
  });
});
