// What a verdict capture costs the traffic it watches (docs/verdict-capture.md): one TCP stream from a to b of a
// lab pair (dd | nc -> nc > /dev/null) with the seed xdp_pass_count on b's eth0, measured in the same run
//   - with the plain program (the baseline),
//   - with the instrumented program recording every packet's first 128 bytes (through the agent: bpftool
//     event_pipe, the agent's parser, capture.packets notifications to this process),
//   - with the instrumented program and a filter that leaves the stream out (`udp`).
// Rounds are interleaved so drift hits every mode alike. Ratios to the baseline of the same round (median):
//   throughput  MiB/s of wall time;
//   efficiency  baseline CPU seconds per MiB / this mode's (user + system of both nc processes, GNU time);
// and the capture's own CPU per MiB (the agent and its bpftool reader). Goals: >= 0.8 recording every packet,
// >= 0.95 with the stream filtered out.
// Then the event rate the capture sustains before it counts losses: the same stream paced by a tbf qdisc on a's
// eth0 at rising rates, recording every packet; the highest packet rate with nothing lost.
//   node --import tsx bench/captureOverhead.bench.ts [MiB per round] [rounds]
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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

const MIB = Number(process.argv[2] ?? 128);
const ROUNDS = Number(process.argv[3] ?? 5);
const PORT = 20000 + Math.floor(Math.random() * 20000);
const TIME = '/usr/bin/time';
const LAB = `cb${process.pid.toString(36)}`.slice(0, 8);
const OBJECT = `end_${LAB}_pass`;
const CLK_TCK = 100;

function waitExit(c: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', (code) => resolve(code))));
}

function timed(ns: string, out: string, argv: string[]): string[] {
  return [TIME, '-f', '%U %S', '-o', out, 'nsenter', `--net=/run/netns/${ns}`, '--', ...argv];
}

function cpuSeconds(file: string): number {
  const [u, s] = readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return u + s;
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
 * of event_pipe text) plus the base64 and JSON of capture.packets, on text shaped like bpftool's for 128-byte records
 * in batches of 23 (what the wrapper sends at full speed). Returns records per CPU second of this process.
 */
function agentReadRate(records = 200_000): number {
  const rec = Buffer.alloc(32 + 128);
  rec.writeUInt32LE(128, 16);
  const sampleBytes = Buffer.concat(Array.from({ length: 23 }, () => rec));
  const rows: string[] = [];
  for (let i = 0; i < sampleBytes.length; i += 16) {
    const r = [...sampleBytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0'));
    rows.push(`${r.slice(0, 8).join(' ')}  ${r.slice(8).join(' ')}`);
  }
  const sample = `== @340.910939749 CPU: 1 index: 1 =====\n${rows.join('\n')}\n`;
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
  captureCpuPerMib: number;
  agentCpuPerMib: number;
  packets: number;
  lost: number;
  seconds: number;
}

async function stream(a: LabEnd, b: LabEnd, tmp: string, mib: number, agentPid: number): Promise<Omit<Sample, 'packets' | 'lost'>> {
  const devnull = openSync('/dev/null', 'w');
  const serverTime = join(tmp, 'server.time');
  const clientTime = join(tmp, 'client.time');
  const sArgv = timed(b.netns, serverTime, ['nc', '-l', b.ipv4, String(PORT)]);
  const server = spawn(sArgv[0], sArgv.slice(1), { stdio: ['ignore', devnull, 'inherit'] });
  try {
    for (let i = 0; i < 200; i++) {
      const { stdout } = await inNetnsOk(b.netns, ['ss', '-Htln', `sport = :${PORT}`]);
      if (stdout.trim()) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const cpu0 = treeCpu(agentPid);
    const t0 = process.hrtime.bigint();
    const dd = spawn('dd', ['if=/dev/zero', 'bs=1M', `count=${mib}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const cArgv = timed(a.netns, clientTime, ['nc', '-N', b.ipv4, String(PORT)]);
    const client = spawn(cArgv[0], cArgv.slice(1), { stdio: [dd.stdout, 'ignore', 'inherit'] });
    const [rc] = await Promise.all([waitExit(client), waitExit(server), waitExit(dd)]);
    if (rc !== 0) throw new Error(`nc client exited with ${rc}`);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      seconds,
      mibPerS: mib / seconds,
      cpuPerMib: (cpuSeconds(serverTime) + cpuSeconds(clientTime)) / mib,
      captureCpuPerMib: (treeCpu(agentPid).all - cpu0.all) / mib,
      agentCpuPerMib: (treeCpu(agentPid).agent - cpu0.agent) / mib,
    };
  } finally {
    if (server.exitCode === null) server.kill();
    closeSync(devnull);
  }
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

interface Mode {
  name: string;
  filter?: PacketFilter;
  capture: boolean;
  goal?: number;
}

async function main() {
  const agent: AgentProcess = await startAgent();
  const client = {
    onCapturePackets: (l: never) => agent.connection.onNotification(capturePackets, l),
    captureStart: (p: never) => agent.request(captureStart, p),
    captureStop: (p: never) => agent.request(captureStop, p),
  } as unknown as AgentClient;
  const tmp = mkdtempSync(join(tmpdir(), 'capture-bench-'));
  const modes: Mode[] = [
    { name: 'plain program (baseline)', capture: false },
    { name: 'capture, every packet', capture: true, goal: 0.8 },
    { name: 'capture, stream filtered out', capture: true, filter: { protocol: 'udp' }, goal: 0.95 },
  ];
  const samples = new Map<string, Sample[]>(modes.map((m) => [m.name, []]));
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
    const measure = async (m: Mode, mib: number): Promise<Sample> => {
      const run = m.capture
        ? await CaptureRun.start(client, { attachment: att.id, object: build.bytes!, filter: m.filter, snapLength: 128 })
        : undefined;
      let s;
      try {
        s = await stream(a, b, tmp, mib, agent.child.pid!);
      } finally {
        // the capture's CPU includes draining what the stream left in the perf buffers
        const summary = await run?.stop();
        if (s && summary) Object.assign(s, { packets: summary.received, lost: summary.lost });
      }
      return { packets: 0, lost: 0, ...s };
    };

    await stream(a, b, tmp, 16, agent.child.pid!); // warm up: ARP, page cache
    for (let round = 0; round < ROUNDS; round++) {
      for (const m of modes) samples.get(m.name)!.push(await measure(m, MIB));
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

  const base = samples.get(modes[0].name)!;
  console.log(
    `verdict capture: TCP stream a -> b of a lab pair, xdp_pass_count on b's eth0, ${MIB} MiB per round, ${ROUNDS} interleaved rounds`,
  );
  const row = (cells: string[]) =>
    console.log(
      cells
        .map((c, i) => (i === 0 ? c.padEnd(30) : c.padStart([0, 7, 11, 11, 11, 11, 20, 16][i] ?? 10)))
        .join('  ')
        .trimEnd(),
    );
  row(['mode', 'MiB/s', '[min-max]', 'tput ratio', 'nc ms/MiB', 'eff. ratio', 'agent+bpftool ms/MiB', 'packets (lost)']);
  for (const m of modes) {
    const s = samples.get(m.name)!;
    const tput = s.map((x) => x.mibPerS);
    const tputRatio = median(s.map((x, i) => x.mibPerS / base[i].mibPerS));
    const effRatio = median(s.map((x, i) => base[i].cpuPerMib / x.cpuPerMib));
    const note = m.goal ? `goal >= ${m.goal} (throughput): ${tputRatio >= m.goal ? 'met' : 'NOT met'}` : '';
    row([
      m.name,
      median(tput).toFixed(0),
      `[${Math.min(...tput).toFixed(0)}-${Math.max(...tput).toFixed(0)}]`,
      tputRatio.toFixed(3),
      (median(s.map((x) => x.cpuPerMib)) * 1000).toFixed(2),
      effRatio.toFixed(3),
      m.capture
        ? `${(median(s.map((x) => x.agentCpuPerMib)) * 1000).toFixed(2)}+${(median(s.map((x) => x.captureCpuPerMib - x.agentCpuPerMib)) * 1000).toFixed(2)}`
        : '-',
      m.capture ? `${median(s.map((x) => x.packets))} (${median(s.map((x) => x.lost))})` : '-',
      note ? `  ${note}` : '',
    ]);
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
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average at the end: ${load} (${cpus().length} CPUs)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
