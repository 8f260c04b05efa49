// What the packet path tracer costs the traffic it watches: throughput of one TCP stream from a to b across the
// bridge lab (dd | nc -> nc > /dev/null, all in the kernel's hands), measured in the same run
//   - without the tracer (the baseline),
//   - with the tracer attached but its filter leaving the stream out (every segment is read and rejected),
//   - with the tracer matching the stream (every segment is reported at every hop and decoded),
// for the bpftool (autoattach) and the bpftrace backends. Rounds are interleaved so drift hits every mode alike;
// medians are compared, with each mode's spread [min-max] beside them: on a busy machine (other test suites
// running) the spread tells whether a ratio means anything. Goal: >= 0.9 of the baseline when filtered out.
//   node --import tsx bench/packetPath.bench.ts [MiB per round] [rounds]
import '../test/kernel/packetPath/objectLoader';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { PacketFilter } from '../protocol/types';
import { startPacketPath, type PacketPathTracer } from '../remote-agent/packetPath';
import { backendOptions, type Backend } from '../test/kernel/packetPath/scenarios';
import { createBridgeLab, type BridgeLab } from '../test/kernel/packetPath/bridgeLab';

const MIB = Number(process.argv[2] ?? 256);
const ROUNDS = Number(process.argv[3] ?? 9);
// an unusual port, so other tests' streams running at the same time do not match the filters
const PORT = 20000 + Math.floor(Math.random() * 20000);

function waitExit(c: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', (code) => resolve(code))));
}

/** One stream of MIB MiB from a to b; returns MiB/s. */
async function stream(lab: BridgeLab): Promise<number> {
  const devnull = openSync('/dev/null', 'w');
  const server = spawn('nsenter', [`--net=/run/netns/${lab.ns.b}`, '--', 'nc', '-l', lab.v4.b, String(PORT)], { stdio: ['ignore', devnull, 'inherit'] });
  try {
    for (let i = 0; i < 200; i++) {
      const { stdout } = await lab.run(lab.ns.b, ['ss', '-Htln', `sport = :${PORT}`]);
      if (stdout.trim()) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const t0 = process.hrtime.bigint();
    const dd = spawn('dd', ['if=/dev/zero', 'bs=1M', `count=${MIB}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const client = spawn('nsenter', [`--net=/run/netns/${lab.ns.a}`, '--', 'nc', '-N', lab.v4.b, String(PORT)], { stdio: [dd.stdout, 'ignore', 'inherit'] });
    const [rc] = await Promise.all([waitExit(client), waitExit(server), waitExit(dd)]);
    if (rc !== 0) throw new Error(`nc client exited with ${rc}`);
    return MIB / (Number(process.hrtime.bigint() - t0) / 1e9);
  } finally {
    if (server.exitCode === null) server.kill();
    closeSync(devnull);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Mode { name: string; backend?: Backend; filter?: PacketFilter }

async function main() {
  const lab = await createBridgeLab('ppb');
  const modes: Mode[] = [{ name: 'no tracer (baseline)' }];
  for (const backend of ['bpftool', 'bpftrace'] as const) {
    modes.push({ name: `${backend}, filtered out`, backend, filter: { protocol: 'tcp', port: PORT + 1 } });
    modes.push({ name: `${backend}, matching`, backend, filter: { protocol: 'tcp', port: PORT } });
  }
  const results = new Map<string, number[]>(modes.map((m) => [m.name, []]));
  const events = new Map<string, number>(modes.map((m) => [m.name, 0]));
  const dropped = new Map<string, number>(modes.map((m) => [m.name, 0]));
  try {
    await stream(lab); // warm up: ARP, bridge learning, page cache
    for (let round = 0; round < ROUNDS; round++) {
      for (const m of modes) {
        let tracer: PacketPathTracer | undefined;
        if (m.backend) {
          tracer = await startPacketPath({ ...backendOptions(m.backend), filter: m.filter! }, (evs, lost) => {
            events.set(m.name, events.get(m.name)! + evs.length);
            dropped.set(m.name, dropped.get(m.name)! + lost);
          });
        }
        try {
          results.get(m.name)!.push(await stream(lab));
        } finally {
          await tracer?.stop();
        }
      }
    }
  } finally {
    await lab.destroy();
  }
  const baseline = results.get(modes[0].name)!;
  const base = median(baseline);
  console.log(`packet path tracer: TCP stream a -> b across the bridge lab, ${MIB} MiB per round, ${ROUNDS} interleaved rounds`);
  console.log('mode                    median MiB/s [min-max]    ratio of medians  median of per-round ratios');
  for (const m of modes) {
    const all = results.get(m.name)!;
    const v = median(all);
    // each round's ratio against the baseline of the same round: slow drift of the machine's load cancels out
    const paired = median(all.map((x, i) => x / baseline[i]));
    const ev = events.get(m.name)! / ROUNDS;
    const lost = dropped.get(m.name)! / ROUNDS;
    const goal = m.name.endsWith('filtered out') ? (paired >= 0.9 ? '  goal >= 0.9: met' : '  goal >= 0.9: NOT met') : '';
    const spread = `[${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)}]`;
    console.log(`${m.name.padEnd(22)} ${v.toFixed(0).padStart(7)} ${spread.padEnd(11)}        ${(v / base).toFixed(3)}             ${paired.toFixed(3)}`
      + `${ev ? `  ${ev.toFixed(0)} events/round` : ''}${lost ? ` (+${lost.toFixed(0)} lost)` : ''}${goal}`);
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average at the end: ${load} (${cpus().length} CPUs): with other work running, read the spread before the ratios`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
