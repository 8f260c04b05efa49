// What the kernel's run-time statistics cost a program: the same packet through xdp_pass_count with the kernel's
// test run (prog.run, repeat 1,000,000 per round: the kernel's own average per run), with statistics off and with
// statistics on (stats.start: the BPF_ENABLE_STATS fd), rounds alternating, medians and the difference in ns per
// run printed. Also checks what `ebpf-netdebug top` costs: one stats.sample through the agent against
// `bpftool -j prog show` run directly. Reported, no goal (the issue names ~20 ns per run as the price).
// Run: node --import tsx bench/stats-cost.bench.ts [--rounds R] [--repeat N]
import './helpers/bpffsAsFound';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { objectLoad, objectUnload, progRun, statsSample, statsStart, statsStop } from '../protocol/agent';
import { buildPacket, bytesToHex } from '../extension/core/packet/build';
import { startAgent } from '../test/kernel/helpers/agentProcess';

const execFileP = promisify(execFile);
const BPFTOOL = '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const rounds = arg('--rounds', 7);
  const repeat = arg('--repeat', 1_000_000);
  const agent = await startAgent({ bpftool: BPFTOOL });
  const name = `end_bench_stats_${process.pid}`;
  try {
    await agent.request(objectLoad, { name, path: join(__dirname, '..', 'dist', 'bpf', 'xdp_pass_count.o') });
    const packet = bytesToHex(
      buildPacket({
        ip: { version: 4, source: '10.0.0.1', destination: '10.0.0.2' },
        l4: { protocol: 'udp', sourcePort: 1, destinationPort: 2 },
        payload: 'x'.repeat(32),
      }),
    );
    const once = async () => (await agent.request(progRun, { program: `${name}/xdp_pass_count`, packet, repeat })).durationNs;
    const off: number[] = [];
    const on: number[] = [];
    await once(); // warm up
    for (let i = 0; i < rounds; i++) {
      off.push(await once());
      const { subscription } = await agent.request0(statsStart);
      on.push(await once());
      await agent.request(statsStop, { subscription });
    }
    const [mOff, mOn] = [median(off), median(on)];
    console.log(`xdp_pass_count, ${repeat} runs per round, ${rounds} rounds (kernel test-run average per run):`);
    console.log(`  statistics off: ${mOff} ns/run   (rounds: ${off.join(' ')})`);
    console.log(`  statistics on:  ${mOn} ns/run   (rounds: ${on.join(' ')})`);
    console.log(`  cost of statistics: ${mOn - mOff} ns per run (${(mOn / mOff).toFixed(2)}x)`);

    const sampleMs: number[] = [];
    const directMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t = process.hrtime.bigint();
      await agent.request0(statsSample);
      sampleMs.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      await execFileP(BPFTOOL, ['-j', 'prog', 'show'], { maxBuffer: 1 << 30 });
      directMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(
      `stats.sample through the agent: ${median(sampleMs).toFixed(1)} ms vs bpftool -j prog show ${median(directMs).toFixed(1)} ms (${(median(sampleMs) / median(directMs)).toFixed(2)}x; attachments cached 5 s)`,
    );
  } finally {
    await agent.request(objectUnload, { name }).catch(() => undefined);
    await agent.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
