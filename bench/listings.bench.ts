// How much the agent adds to the listings: with 1,000 programs and 1,000 maps loaded and pinned, time
// bpf.listPrograms + bpf.listMaps through the agent (JSON-RPC over a child's stdio, bpftool -j -f, parsing) against
// `bpftool -j prog show` + `bpftool -j map show` run directly, in the same run, and print the ratio (goal <= 1.5x).
// Run: node --import tsx bench/listings.bench.ts [--programs N] [--rounds R]
import './helpers/bpffsAsFound';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as proto from '../protocol/agent';
import { type AgentProcess, BPFTOOL_75, startAgent } from '../test/kernel/helpers/agentProcess';
import { loadListingFixture, sweepStaleFixtures, type ListingFixture } from './listings-fixture';

const execFileP = promisify(execFile);
const ROOT = join(__dirname, '..');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const bpftool = existsSync(BPFTOOL_75) ? BPFTOOL_75 : '/usr/sbin/bpftool';
  const programs = arg('--programs', 1000);
  const rounds = arg('--rounds', 7);
  let fixture: ListingFixture | undefined;
  let agent: AgentProcess | undefined;
  const cleanup = () => fixture?.remove();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanup();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
  const swept = sweepStaleFixtures();
  if (swept.length) console.log(`removed pins of killed earlier runs: ${swept.join(', ')}`);
  try {
    fixture = loadListingFixture(ROOT, bpftool, programs);
    agent = await startAgent({ bpftool });
    const c = agent.connection;
    const big = { maxBuffer: 1 << 30 };
    const direct = async () => {
      await execFileP(bpftool, ['-j', 'prog', 'show'], big);
      await execFileP(bpftool, ['-j', 'map', 'show'], big);
    };
    // what the agent runs: -f adds the pin paths (bpftool walks bpffs and opens every pin), which the listings need
    // to tie programs and maps to objects; shown separately so the agent's own share is visible
    const directPinned = async () => {
      await execFileP(bpftool, ['-j', '-f', 'prog', 'show'], big);
      await execFileP(bpftool, ['-j', '-f', 'map', 'show'], big);
    };
    const viaAgent = async () => {
      await c.sendRequest(proto.listPrograms);
      await c.sendRequest(proto.listMaps);
    };
    const viaAgentConcurrent = () => Promise.all([c.sendRequest(proto.listPrograms), c.sendRequest(proto.listMaps)]);
    const progs = await c.sendRequest(proto.listPrograms);
    const mine = progs.filter((p) => p.pinned.some((x) => x.startsWith(`${fixture!.dir}/`))).length;
    if (mine !== fixture.programs) throw new Error(`the agent lists ${mine} of the ${fixture.programs} benchmark programs`);
    await direct();
    await viaAgent();
    const t = { direct: [] as number[], pinned: [] as number[], agent: [] as number[], concurrent: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      // interleaved so that drift (other work on the machine) hits both sides alike
      t.direct.push(await timeIt(direct));
      t.pinned.push(await timeIt(directPinned));
      t.agent.push(await timeIt(viaAgent));
      t.concurrent.push(await timeIt(viaAgentConcurrent));
    }
    const d = median(t.direct);
    const a = median(t.agent);
    const cc = median(t.concurrent);
    const dp = median(t.pinned);
    console.log(
      `listings with ${progs.length} programs (${fixture.programs} of the benchmark) and ${fixture.maps}+ maps, bpftool ${bpftool}, ${rounds} rounds, medians:`,
    );
    console.log(`  bpftool -j prog show + map show, direct:                ${d.toFixed(1)} ms`);
    console.log(`  bpftool -j -f prog show + map show (with pins), direct:  ${dp.toFixed(1)} ms  ratio ${(dp / d).toFixed(2)}x`);
    console.log(`  agent bpf.listPrograms then bpf.listMaps:               ${a.toFixed(1)} ms  ratio ${(a / d).toFixed(2)}x`);
    console.log(`  agent bpf.listPrograms and bpf.listMaps concurrently:   ${cc.toFixed(1)} ms  ratio ${(cc / d).toFixed(2)}x`);
    console.log(
      `goal <= 1.50x: ${a / d <= 1.5 ? 'met' : 'NOT met'} (sequential); agent vs the same bpftool commands run directly: ${(a / dp).toFixed(2)}x`,
    );
  } finally {
    await agent?.dispose();
    cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
