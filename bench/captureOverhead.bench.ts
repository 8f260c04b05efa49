// What a verdict capture costs the traffic it watches (docs/verdict-capture.md): one TCP stream from a to b of a
// lab pair (bench/helpers/ncStream.ts: dd | nc -> nc > /dev/null) with the seed xdp_pass_count on b's eth0,
// measured in the same run
//   - with the plain program (the baseline),
//   - with the instrumented program recording every packet's first 128 bytes (through the agent: bpftool
//     event_pipe, the agent's parser, capture.packets notifications to this process),
//   - with the instrumented program and a filter that leaves the stream out (`udp`).
// Each capture stream is paired with a baseline stream right next to it (A B A B: plain, capture, plain, capture;
// the order inside a pair flips every round), so machine noise and drift hit both sides of a ratio alike. Per mode,
// over the pairs: the median ratio to its baseline and the spread (min-max, and the middle half), for
//   throughput  MiB/s of wall time;
//   efficiency  baseline CPU seconds per MiB / this mode's (user + system of both nc processes, GNU time; softirq
//               work that runs in ksoftirqd instead is not in it);
//   machine     baseline busy CPU seconds of the whole machine per MiB (/proc/stat: the stream, its softirqs, the
//               reader, and whatever else runs) / this mode's;
// and the capture's own CPU per MiB (the agent and its bpftool reader). Goals: >= 0.8 recording every packet,
// >= 0.95 with the stream filtered out. The load average is printed before and after (2 cores, shared).
// Then the event rate the capture sustains before it counts losses: the same stream paced by a tbf qdisc on a's
// eth0 at rising rates, recording every packet; the highest packet rate with nothing lost.
//   node --import tsx bench/captureOverhead.bench.ts [MiB per stream] [rounds]
import './helpers/bpffsAsFound';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachXdp, capturePackets, captureStart, captureStop, labCreate, labDestroy, objectLoad, objectUnload } from '../protocol/agent';
import type { CapturedPacket, PacketFilter } from '../protocol/types';
import { CaptureEventReader } from '../remote-agent/capture/eventReader';
import { decodeEventHeader } from '../remote-agent/capture/layout';
import type { AgentClient } from '../extension/core/agentClient';
import { buildInstrumented } from '../extension/core/capture/build';
import { CaptureRun } from '../extension/core/capture/run';
import { localTarget } from '../extension/core/compile/compileForHost';
import { REPO_ROOT, startAgent, type AgentProcess } from '../test/kernel/helpers/agentProcess';
import { labEnd, type LabEnd } from '../test/kernel/helpers/lab';
import { inNetnsOk } from '../test/kernel/helpers/netns';
import { median, ncStream } from './helpers/ncStream';

const MIB = Number(process.argv[2] ?? 64);
const ROUNDS = Number(process.argv[3] ?? 9);
const PORT = 20000 + Math.floor(Math.random() * 20000);
const LAB = `cb${process.pid.toString(36)}`.slice(0, 8);
const OBJECT = `end_${LAB}_pass`;
const CLK_TCK = 100;

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Busy CPU seconds of the whole machine so far: every field of /proc/stat's "cpu" line but idle and iowait. */
function machineBusy(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / CLK_TCK;
}

/** utime + stime (seconds) of a process and all its descendants (the agent and its bpftool reader), and of the agent alone. */
function treeCpu(pid: number): { all: number; agent: number } {
  let total = 0;
  let agent = 0;
  const visit = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
      total += cpu;
      if (p === pid) agent = cpu;
      for (const t of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) visit(Number(c));
      }
    } catch {
      /* gone */
    }
  };
  visit(pid);
  return { all: total, agent };
}

/**
 * The agent's own reading cost, apart from bpftool's and the machine's load: CaptureEventReader (the agent's parser
 * of event_pipe output) plus the base64 and JSON of capture.packets, on output shaped like bpftool's for 128-byte
 * records in full batches (what the wrapper sends at full speed). Returns records per CPU second of this process.
 */
function agentReadRate(records = 200_000): number {
  const rec = Buffer.alloc(32 + 128);
  rec.writeBigUInt64LE(1n, 0);
  rec.writeUInt32LE(128, 16);
  for (let i = 32; i < rec.length; i++) rec[i] = (i * 7) & 0xff; // bytes of all sizes, not just zeros
  const sampleBytes = Buffer.concat(Array.from({ length: 25 }, () => rec));
  const sample = Buffer.from(`{"type":9,"cpu":1,"index":1,"timestamp":340910939749,"data":[${[...sampleBytes].join(',')}]},`);
  let batch: CapturedPacket[] = [];
  let n = 0;
  const reader = new CaptureEventReader({
    record: (h, d) => {
      const e = decodeEventHeader(h);
      batch.push({
        timeUs: Math.floor(e.timestampNs / 1000),
        verdict: e.verdict,
        ifindex: e.ifindex,
        len: e.len,
        data: d.toString('base64'),
      });
    },
    lost: () => undefined,
    malformed: () => undefined,
  });
  reader.push(Buffer.from('['));
  const u0 = process.cpuUsage();
  while (n < records) {
    reader.push(sample);
    n += batch.length;
    JSON.stringify({ jsonrpc: '2.0', method: 'capture.packets', params: { capture: 'x', packets: batch, lost: 0 } });
    batch = [];
  }
  const used = process.cpuUsage(u0);
  return n / ((used.user + used.system) / 1e6);
}

interface Sample {
  mibPerS: number;
  cpuPerMib: number;
  machinePerMib: number;
  captureCpuPerMib: number;
  agentCpuPerMib: number;
  packets: number;
  lost: number;
  seconds: number;
}

async function stream(a: LabEnd, b: LabEnd, tmp: string, mib: number, agentPid: number): Promise<Omit<Sample, 'packets' | 'lost'>> {
  let cpu0 = { all: 0, agent: 0 };
  let busy0 = 0;
  const s = await ncStream({
    client: { netns: a.netns },
    server: { netns: b.netns, address: b.ipv4 },
    port: PORT,
    mib,
    tmp,
    onStart: () => {
      cpu0 = treeCpu(agentPid);
      busy0 = machineBusy();
    },
  });
  const busy = machineBusy() - busy0;
  const cpu1 = treeCpu(agentPid);
  return {
    ...s,
    machinePerMib: busy / mib,
    captureCpuPerMib: (cpu1.all - cpu0.all) / mib,
    agentCpuPerMib: (cpu1.agent - cpu0.agent) / mib,
  };
}

/** The value at fraction q of the sorted values (nearest rank). */
const quantile = (xs: number[], q: number) => [...xs].sort((x, y) => x - y)[Math.round(q * (xs.length - 1))];

interface Mode {
  name: string;
  filter?: PacketFilter;
  goal: number;
}

async function main() {
  const loadBefore = loadavg();
  const agent: AgentProcess = await startAgent();
  const client = {
    onCapturePackets: (l: never) => agent.connection.onNotification(capturePackets, l),
    captureStart: (p: never) => agent.request(captureStart, p),
    captureStop: (p: never) => agent.request(captureStop, p),
  } as unknown as AgentClient;
  const tmp = mkdtempSync(join(tmpdir(), 'capture-bench-'));
  const modes: Mode[] = [
    { name: 'capture, every packet', goal: 0.8 },
    { name: 'capture, stream filtered out', filter: { protocol: 'udp' }, goal: 0.95 },
  ];
  // per mode: [baseline, capture] pairs measured next to each other
  const pairs = new Map<string, [Sample, Sample][]>(modes.map((m) => [m.name, []]));
  const ramp: { mbit: number; pps: number; packets: number; lost: number }[] = [];
  try {
    const lab = await agent.request(labCreate, { name: LAB, topology: { kind: 'pair' } });
    const a = labEnd(lab, 'a');
    const b = labEnd(lab, 'b');
    await agent.request(objectLoad, { path: join(REPO_ROOT, 'dist', 'bpf', 'xdp_pass_count.o'), name: OBJECT });
    const att = await agent.request(attachXdp, { program: `${OBJECT}/xdp_pass_count`, dev: b.dev, netns: b.netns });
    const build = await buildInstrumented({
      source: join(REPO_ROOT, 'bpf', 'xdp_pass_count.bpf.c'),
      program: 'xdp_pass_count',
      kind: 'xdp',
      host: localTarget(),
    });
    if (!build.ok || !build.bytes) throw new Error(build.stderr);
    const plain = async (): Promise<Sample> => ({ packets: 0, lost: 0, ...(await stream(a, b, tmp, MIB, agent.child.pid!)) });
    const captured = async (m: Mode): Promise<Sample> => {
      const run = await CaptureRun.start(client, { attachment: att.id, object: build.bytes!, filter: m.filter, snapLength: 128 });
      let s;
      try {
        s = await stream(a, b, tmp, MIB, agent.child.pid!);
      } finally {
        // the stop (the drain of what the stream left in the perf buffers) is not in the stream's figures
        const summary = await run.stop();
        if (s) Object.assign(s, { packets: summary.received, lost: summary.lost });
      }
      return { packets: 0, lost: 0, ...s };
    };

    await stream(a, b, tmp, 16, agent.child.pid!); // warm up: ARP, page cache
    for (let round = 0; round < ROUNDS; round++) {
      for (const m of modes) {
        // plain first in even rounds, capture first in odd ones: a trend over the run favours neither side
        if (round % 2 === 0) {
          const p = await plain();
          pairs.get(m.name)!.push([p, await captured(m)]);
        } else {
          const c = await captured(m);
          pairs.get(m.name)!.push([await plain(), c]);
        }
      }
    }

    // the rate the capture keeps up with: pace the stream and look for the first losses
    for (const mbit of [10, 25, 50, 100, 200, 400, 800, 1600]) {
      await inNetnsOk(a.netns, [
        'tc',
        'qdisc',
        'replace',
        'dev',
        a.dev,
        'root',
        'tbf',
        'rate',
        `${mbit}mbit`,
        'burst',
        '256kb',
        'latency',
        '50ms',
      ]);
      const run = await CaptureRun.start(client, { attachment: att.id, object: build.bytes, snapLength: 128 });
      const s = await stream(a, b, tmp, Math.max(4, Math.round(mbit / 25)), agent.child.pid!);
      const summary = await run.stop();
      ramp.push({ mbit, pps: summary.matched / s.seconds, packets: summary.received, lost: summary.lost });
      if (summary.lost > 0) break;
    }
    await inNetnsOk(a.netns, ['tc', 'qdisc', 'del', 'dev', a.dev, 'root']).catch(() => undefined);
  } finally {
    await agent.request(labDestroy, { name: LAB }).catch(() => undefined);
    await agent.request(objectUnload, { name: OBJECT }).catch(() => undefined);
    await agent.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }

  console.log(
    `verdict capture: TCP stream a -> b of a lab pair, xdp_pass_count on b's eth0, ${MIB} MiB per stream, ${ROUNDS} (plain, capture) pairs per mode, order flipped every round`,
  );
  console.log(`load average before: ${loadBefore}, after: ${loadavg()} (${cpus().length} CPUs)`);
  const base = [...pairs.values()].flatMap((ps) => ps.map(([p]) => p));
  const baseTput = base.map((p) => p.mibPerS);
  console.log(
    `plain program (baseline): ${median(baseTput).toFixed(0)} MiB/s median (${Math.min(...baseTput).toFixed(0)}-${Math.max(...baseTput).toFixed(0)} over ${baseTput.length} streams), machine ${(median(base.map((p) => p.machinePerMib)) * 1000).toFixed(2)} CPU ms/MiB`,
  );
  const span = (xs: number[], lo: number, hi: number) => `${quantile(xs, lo).toFixed(2)}-${quantile(xs, hi).toFixed(2)}`;
  const ratios = (label: string, xs: number[]) =>
    `${label} ${median(xs).toFixed(3)} [${span(xs, 0, 1)}, middle half ${span(xs, 0.25, 0.75)}]`;
  for (const m of modes) {
    const ps = pairs.get(m.name)!;
    const tput = ps.map(([p, c]) => c.mibPerS / p.mibPerS);
    const met = tput.filter((r) => r >= m.goal).length;
    console.log(`${m.name}: ${median(ps.map(([, c]) => c.mibPerS)).toFixed(0)} MiB/s median`);
    console.log(`  ${ratios('throughput', tput)}`);
    console.log(
      `  ${ratios(
        'efficiency (nc CPU/MiB)',
        ps.map(([p, c]) => p.cpuPerMib / c.cpuPerMib),
      )}`,
    );
    console.log(
      `  ${ratios(
        'machine CPU/MiB',
        ps.map(([p, c]) => p.machinePerMib / c.machinePerMib),
      )}`,
    );
    console.log(
      `  agent + bpftool ${(median(ps.map(([, c]) => c.agentCpuPerMib)) * 1000).toFixed(2)} + ${(median(ps.map(([, c]) => c.captureCpuPerMib - c.agentCpuPerMib)) * 1000).toFixed(2)} CPU ms/MiB; packets received ${median(ps.map(([, c]) => c.packets))}, lost ${median(ps.map(([, c]) => c.lost))} (median a stream)`,
    );
    console.log(
      `  goal >= ${m.goal} (throughput, median of ${ps.length} pairs): ${median(tput) >= m.goal ? 'met' : 'NOT met'}; ${met} of ${ps.length} pairs at or above it`,
    );
  }
  console.log("sustained event rate (every packet, 128 bytes each; the stream paced by tbf on a's eth0):");
  for (const r of ramp)
    console.log(
      `  ${String(r.mbit).padStart(5)} Mbit/s: ${r.pps.toFixed(0).padStart(7)} packets/s recorded, ${r.packets} received, ${r.lost} lost`,
    );
  const ok = ramp.filter((r) => r.lost === 0);
  console.log(
    ok.length
      ? `the capture kept up without a loss up to ${Math.max(...ok.map((r) => r.pps)).toFixed(0)} packets/s${ok.length === ramp.length ? ' (the fastest rate tried)' : ''}`
      : 'losses even at the slowest rate tried',
  );
  const rate = agentReadRate();
  console.log(
    `the agent's own reading cost (its event_pipe parser + base64 + JSON of the notifications, in this process, no bpftool): ${Math.round(rate)} records per CPU second (${(1e6 / rate).toFixed(2)} µs a record)`,
  );
  console.log(`load average at the end: ${loadavg()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
