// Program run-time statistics against the real kernel: an XDP program on a lab interface under a bounded ping
// flood shows runs/s matching the packets/s the interface counted; the statistics are off again after stats.stop
// and after the agent is killed with SIGKILL, both through the BPF_ENABLE_STATS fd and through the sysctl
// fallback. "On" is observed the way the kernel defines it: a test run of a program moves its run_cnt.
// Token: bst (lab bst<pid>, objects end_<token>_*).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  attachXdp,
  detach,
  labCreate,
  labDestroy,
  objectLoad,
  objectUnload,
  statsSample,
  statsStart,
  statsStop,
} from '../../../protocol/agent';
import { programRates } from '../../../extension/core/stats/rates';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { labEnd } from '../helpers/lab';
import { inNetnsOk } from '../helpers/netns';
import { run, runOk } from '../helpers/run';
import { REPO_ROOT } from '../helpers/agentProcess';
import { until } from '../helpers/until';

const TOKEN = runToken('bst');
const OBJECT = `end_${TOKEN}_pass`;
const BPFTOOL = '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool';

async function runCnt(progId: number): Promise<number> {
  const j = JSON.parse((await runOk([BPFTOOL, '-j', 'prog', 'show', 'id', String(progId)])).stdout) as { run_cnt?: number };
  return j.run_cnt ?? 0;
}

/** Whether the kernel collects statistics now: one test run of the program moves its run_cnt only then. */
async function statsOn(progId: number, packetFile: string): Promise<boolean> {
  const before = await runCnt(progId);
  await runOk([BPFTOOL, 'prog', 'run', 'id', String(progId), 'data_in', packetFile]);
  return (await runCnt(progId)) > before;
}

describe('program run-time statistics (stats.start / sample / stop)', () => {
  let agent: AgentProcess;
  let progId = 0;
  let packetFile = '';
  let b: ReturnType<typeof labEnd>;
  let a: ReturnType<typeof labEnd>;
  let attachment = '';

  before(async () => {
    await sweepStale('bst');
    assert.equal(readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim(), '0', 'statistics are off before the test');
    agent = await startAgent();
    const lab = await agent.request(labCreate, { name: TOKEN, topology: { kind: 'pair' } });
    a = labEnd(lab, 'a');
    b = labEnd(lab, 'b');
    const loaded = await agent.request(objectLoad, { path: shippedObject('xdp_pass_count'), name: OBJECT });
    progId = loaded.programs[0].id;
    packetFile = join(agent.stateDir, 'probe.bin');
    writeFileSync(packetFile, Buffer.alloc(64));
  });
  after(async () => {
    if (attachment) await agent?.request(detach, { attachment }).catch(() => undefined);
    await agent?.request(labDestroy, { name: TOKEN }).catch(() => undefined);
    await agent?.request(objectUnload, { name: OBJECT }).catch(() => undefined);
    await agent?.dispose();
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN, { progIds: [progId] }), []);
  });

  it('under a bounded ping flood, runs/s of the attached XDP program match the packets/s on the interface', async (t) => {
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_pass_count`, dev: b.dev, netns: b.netns, mode: 'generic' });
    // generic mode: the program runs on exactly the packets the interface counts in rx_packets
    attachment = att.id;
    assert.equal(await statsOn(progId, packetFile), false, 'off before anybody subscribes');
    const { subscription, mode } = await agent.request0(statsStart);
    // a failure below must not leave statistics on for the other tests
    t.after(() => agent.request(statsStop, { subscription }).catch(() => undefined));
    assert.equal(mode, 'fd');
    assert.equal(await statsOn(progId, packetFile), true, 'on while subscribed');
    assert.equal(readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim(), '0', 'the fd way leaves the sysctl alone');

    // `ip -s` in the namespace: /sys/class/net under nsenter --net would still show the root namespace's sysfs
    const rx = async () =>
      (
        JSON.parse((await inNetnsOk(b.netns, ['ip', '-s', '-j', 'link', 'show', 'dev', b.dev])).stdout) as {
          stats64: { rx: { packets: number } };
        }[]
      )[0].stats64.rx.packets;
    const s0 = await agent.request0(statsSample);
    const rx0 = await rx();
    const flood = await run(['nsenter', `--net=/run/netns/${a.netns}`, '--', 'ping', '-f', '-c', '3000', '-s', '56', '-q', b.ipv4], {
      timeoutMs: 60_000,
    });
    assert.equal(flood.code, 0, flood.stdout + flood.stderr);
    const rx1 = await rx();
    const s1 = await agent.request0(statsSample);
    const row = programRates(s0, s1).find((r) => r.id === progId);
    assert.ok(row, 'the program is in the sample');
    const seconds = (s1.atNs - s0.atNs) / 1e9;
    const packets = rx1 - rx0;
    assert.ok(packets >= 3000, `the interface received the flood (${packets}): ${flood.stdout}`);
    const runs = Math.round(row.runsPerSec * seconds);
    assert.ok(Math.abs(runs - packets) <= Math.max(3, packets * 0.01), `runs ${runs} vs packets ${packets} in ${seconds.toFixed(2)} s`);
    assert.ok(
      Math.abs(row.runsPerSec - packets / seconds) / (packets / seconds) < 0.01,
      `runs/s ${row.runsPerSec} vs packets/s ${(packets / seconds).toFixed(1)}`,
    );
    assert.ok(row.avgNs > 0 && row.cpuPercent > 0, JSON.stringify(row));
    assert.ok(
      row.attachedTo.some((w) => w.includes(`${b.dev} [${b.netns}]`) && w.startsWith('xdp')),
      JSON.stringify(row.attachedTo),
    );

    const stopped = await agent.request(statsStop, { subscription });
    assert.deepEqual(stopped, { stopped: true, statsOn: false });
    await until(async () => !(await statsOn(progId, packetFile)), 'statistics are off after the last viewer left', 20_000);
  });

  for (const via of ['fd', 'sysctl'] as const) {
    it(`statistics go off when the agent holding them (${via}) is killed with SIGKILL`, async () => {
      const victim = await startAgent(via === 'sysctl' ? { env: { EBPF_NETDEBUG_STATS_VIA: 'sysctl' } } : {});
      try {
        const { mode } = await victim.request0(statsStart);
        assert.equal(mode, via);
        assert.equal(await statsOn(progId, packetFile), true);
        if (via === 'sysctl') assert.equal(readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim(), '1');
        victim.child.kill('SIGKILL');
        await until(async () => !(await statsOn(progId, packetFile)), 'statistics are off after the agent died', 20_000);
        assert.equal(readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim(), '0');
      } finally {
        await victim.dispose();
      }
    });
  }

  it('`ebpf-netdebug top --json` prints one object per program per interval, and statistics are off when it ends', async () => {
    const r = await run(
      [process.execPath, join(REPO_ROOT, 'dist', 'cli.js'), 'top', '--host', 'local', '--interval', '0.5', '--duration', '1.8', '--json'],
      { timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ours = rows.filter((x) => x.id === progId);
    assert.ok(ours.length >= 2, `one row per interval for our program: ${ours.length}`);
    for (const row of ours) {
      assert.deepEqual(Object.keys(row), ['at', 'id', 'name', 'type', 'runsPerSec', 'avgNs', 'cpuPercent', 'attachedTo']);
      assert.equal(row.name, 'xdp_pass_count');
      assert.equal(row.type, 'xdp');
    }
    await until(async () => !(await statsOn(progId, packetFile)), 'statistics are off after top ended', 20_000);
  });
});
