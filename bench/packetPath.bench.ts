// What the packet path tracer costs the traffic it watches: one TCP stream from a to b across the bridge lab
// (dd | nc -> nc > /dev/null), measured in the same run
//   - without the tracer (the baseline),
//   - with the tracer attached but its filter leaving the stream out (every segment is read and rejected at every
//     hop: `tcp and port <another>`),
//   - with the tracer matching the stream (every segment is reported at every hop and decoded),
// for the bpftool (autoattach) and the bpftrace backends. Rounds are interleaved so drift hits every mode alike.
// Two measures, each as a ratio to the baseline of the same round (median over rounds):
//   throughput  MiB/s of wall time: what a user sees, but at the mercy of whatever else runs on the machine;
//   efficiency  baseline CPU seconds per MiB / this mode's (user + system time of both nc processes, from
//               /usr/bin/time; the veth and tracepoint work runs in their context): steadier on a busy machine.
// Goal: >= 0.9 with the stream filtered out.
//   node --import tsx bench/packetPath.bench.ts [MiB per round] [rounds]
import './helpers/bpffsAsFound';
import '../test/kernel/packetPath/objectLoader';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PacketFilter } from '../protocol/types';
import { startPacketPath, type PacketPathTracer } from '../remote-agent/packetPath';
import { backendOptions, type Backend } from '../test/kernel/packetPath/scenarios';
import { createBridgeLab, type BridgeLab } from '../test/kernel/packetPath/bridgeLab';
import { runToken } from '../test/kernel/helpers/cleanup';
import { median, ncStream } from './helpers/ncStream';

const MIB = Number(process.argv[2] ?? 256);
const ROUNDS = Number(process.argv[3] ?? 9);
// an unusual port, so other tests' streams running at the same time do not match the filters
const PORT = 20000 + Math.floor(Math.random() * 20000);

interface Sample {
  mibPerS: number;
  cpuPerMib: number;
}

/** One stream of MIB MiB from a to b. */
const stream = (lab: BridgeLab, tmp: string): Promise<Sample> =>
  ncStream({ client: { netns: lab.ns.a }, server: { netns: lab.ns.b, address: lab.v4.b }, port: PORT, mib: MIB, tmp });

interface Mode {
  name: string;
  backend?: Backend;
  filter?: PacketFilter;
}

async function main() {
  const lab = await createBridgeLab(runToken('ppb'));
  const tmp = mkdtempSync(join(tmpdir(), 'packetpath-bench-'));
  const modes: Mode[] = [{ name: 'no tracer (baseline)' }];
  for (const backend of ['bpftool', 'bpftrace'] as const) {
    modes.push({ name: `${backend}, filtered out`, backend, filter: { protocol: 'tcp', port: PORT + 1 } });
    modes.push({ name: `${backend}, matching`, backend, filter: { protocol: 'tcp', port: PORT } });
  }
  const samples = new Map<string, Sample[]>(modes.map((m) => [m.name, []]));
  const events = new Map<string, number>(modes.map((m) => [m.name, 0]));
  const dropped = new Map<string, number>(modes.map((m) => [m.name, 0]));
  try {
    await stream(lab, tmp); // warm up: ARP, bridge learning, page cache
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
          samples.get(m.name)!.push(await stream(lab, tmp));
        } finally {
          await tracer?.stop();
        }
      }
    }
  } finally {
    await lab.destroy();
    rmSync(tmp, { recursive: true, force: true });
  }

  const base = samples.get(modes[0].name)!;
  console.log(`packet path tracer: TCP stream a -> b across the bridge lab, ${MIB} MiB per round, ${ROUNDS} interleaved rounds`);
  const row = (cells: string[]) =>
    console.log(
      cells
        .map((c, i) => (i === 0 ? c.padEnd(22) : c.padStart([0, 8, 13, 12, 12, 12][i])))
        .join('  ')
        .trimEnd(),
    );
  row(['mode', 'MiB/s', '[min-max]', 'tput ratio', 'CPU ms/MiB', 'eff. ratio']);
  for (const m of modes) {
    const s = samples.get(m.name)!;
    const tput = s.map((x) => x.mibPerS);
    // each round against the baseline of the same round: slow drift of the machine's load cancels out
    const tputRatio = median(s.map((x, i) => x.mibPerS / base[i].mibPerS));
    const effRatio = median(s.map((x, i) => base[i].cpuPerMib / x.cpuPerMib));
    const ev = events.get(m.name)! / ROUNDS;
    const lost = dropped.get(m.name)! / ROUNDS;
    const notes = [
      m.name.endsWith('filtered out') ? `goal >= 0.9: ${effRatio >= 0.9 ? 'met' : 'NOT met'}` : '',
      ev ? `${ev.toFixed(0)} events/round${lost ? ` (+${lost.toFixed(0)} lost)` : ''}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    row([
      m.name,
      median(tput).toFixed(0),
      `[${Math.min(...tput).toFixed(0)}-${Math.max(...tput).toFixed(0)}]`,
      tputRatio.toFixed(3),
      (median(s.map((x) => x.cpuPerMib)) * 1000).toFixed(2),
      effRatio.toFixed(3),
      notes ? `  ${notes}` : '',
    ]);
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average at the end: ${load} (${cpus().length} CPUs)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
