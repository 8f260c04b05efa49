// The agent under the hostile run (test/hostile/helpers: malformed params from every schema, crafted ELF objects,
// 1,000 requests at once): peak RSS of the agent process (VmHWM) against its RSS after start-up, and the time of each
// case against an agent.hello round trip measured in the same run. Goals: peak RSS <= 200 MB, no case over 1 s.
//   node --import tsx bench/hostile.bench.ts
import './helpers/bpffsAsFound';
import { readFileSync } from 'node:fs';
import * as proto from '../protocol/agent';
import { startAgent } from '../test/kernel/helpers/agentProcess';
import { craftedObjects } from '../test/hostile/helpers/craftedElf';
import { malformedCases } from '../test/hostile/helpers/malformed';

const client = { clientName: 'bench', clientVersion: '0' };

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function main(): Promise<void> {
  const agent = await startAgent();
  const c = agent.connection;
  const pid = agent.child.pid!;
  try {
    await c.sendRequest(proto.hello, client);
    const startRss = statusKb(pid, 'VmRSS');
    // baseline: the cheapest round trip
    const hellos: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await c.sendRequest(proto.hello, client);
      hellos.push(performance.now() - t);
    }
    hellos.sort((a, b) => a - b);
    const helloMs = hellos[Math.floor(hellos.length / 2)];

    const times: { label: string; ms: number }[] = [];
    const timed = async (label: string, p: () => Promise<unknown>) => {
      const t = performance.now();
      await p().catch(() => undefined);
      times.push({ label, ms: performance.now() - t });
    };
    for (const k of malformedCases()) await timed(`${k.method} (${k.label})`, () => c.sendRequest(k.method, k.params));
    for (const [label, bytes] of Object.entries(craftedObjects())) {
      await timed(`object.load ${label} (${bytes.length} bytes)`, () =>
        c.sendRequest(proto.objectLoad, { name: 'end_hbench_elf', object: bytes.toString('base64') }),
      );
    }
    await timed('1,000 requests at once', () =>
      Promise.all(Array.from({ length: 1000 }, () => c.sendRequest(proto.rollbacksList).catch(() => undefined))),
    );
    await c.sendRequest(proto.hello, client);
    const peakRss = statusKb(pid, 'VmHWM');

    times.sort((a, b) => b.ms - a.ms);
    const total = times.reduce((n, x) => n + x.ms, 0);
    console.log(
      `hostile cases: ${times.length}, ${(total / 1000).toFixed(1)} s in all; agent.hello round trip (median of 50): ${helloMs.toFixed(2)} ms`,
    );
    console.log(`slowest cases (x hello):`);
    for (const x of times.slice(0, 5)) console.log(`  ${x.ms.toFixed(1)} ms (${(x.ms / helloMs).toFixed(1)}x)  ${x.label.slice(0, 100)}`);
    const over = times.filter((x) => x.ms > 1000).length;
    console.log(`cases over 1 s: ${over} (goal: 0)`);
    console.log(
      `agent RSS: ${(startRss / 1024).toFixed(1)} MB after start-up, peak ${(peakRss / 1024).toFixed(1)} MB over the run (${(peakRss / startRss).toFixed(2)}x; goal: peak <= 200 MB)`,
    );
  } finally {
    await agent.dispose();
  }
}

void main();
