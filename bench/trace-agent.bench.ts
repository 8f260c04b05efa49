// Does the agent keep up with trace_pipe? A BPF program prints RATE lines/s for SECONDS (bench/traceFlood.ts:
// the kernel's test run, so the writer sustains the rate on a loaded machine; 'max' asks for 2,000,000 lines/s and
// gets what the kernel makes); the lines the agent parses and forwards (trace.start trace_pipe, JSON-RPC
// notifications counted by the client), as events and as columns (what the live trace view asks for), against
// the lines a plain local `cat trace_pipe > FILE` gets from the same flood, one after the other in the same run
// (trace_pipe admits one reader). Lines the kernel overwrote before a reader got them are lost to either, but the
// agent reports them (the kernel's overrun counters) as `dropped` in its batches, as it does the lines it drops
// itself. Goal: ours >= 0.9x of cat.
//   node --import tsx bench/trace-agent.bench.ts [SECONDS] [RATE|max]
import './helpers/bpffsAsFound';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceEvents, traceStart, traceStop, type TraceEventsParams } from '../protocol/agent';
import type { TraceEvent } from '../protocol/types';
import { startAgent } from '../test/kernel/helpers/agentProcess';
import { prepareTraceFlood, writeTraceMarker, type TraceFlood } from './traceFlood';

const SECONDS = Number(process.argv[2] ?? 5);
const RATE = process.argv[3] === undefined || process.argv[3] === 'max' ? 2_000_000 : Number(process.argv[3]);
const TRACE_PIPE = '/sys/kernel/tracing/trace_pipe';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  written: number;
  /** The rate the flood really produced. */
  rate: number;
  got: number;
  dropped: number;
}

async function viaCat(flood: TraceFlood): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'end-bench-trace-'));
  const file = join(dir, 'out');
  try {
    let cat: ChildProcess | undefined;
    for (let attempt = 0; attempt < 240 && !cat; attempt++) {
      const child = spawn('sh', ['-c', 'exec cat "$0" > "$1"', TRACE_PIPE, file], { stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = await new Promise<boolean>((r) => {
        child.once('exit', () => r(true));
        setTimeout(() => r(false), 500);
      });
      if (!exited) cat = child;
    }
    if (!cat) throw new Error('cat never got trace_pipe (another reader holds it)');
    const run = flood.start(RATE, SECONDS);
    const r = await run.done;
    await sleep(1000);
    cat.kill();
    await new Promise((res) => cat!.once('exit', res));
    // grep, not readFileSync: at full speed the file outgrows the longest string V8 makes
    const counted = spawnSync('grep', ['-c', '-F', '--', run.prefix, file], { encoding: 'utf8' });
    const got = Number(counted.stdout.trim() || 0);
    return { written: r.lines, rate: r.lines / ((r.endedAt - r.startedAt) / 1000), got, dropped: 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function viaAgent(flood: TraceFlood, columns: boolean): Promise<Run> {
  const agent = await startAgent();
  try {
    let got = 0;
    let dropped = 0;
    let seen = false;
    let prefix = '\0';
    const probe = `end-tab-probe ${process.pid}`;
    const count = (m: string) => {
      if (m.startsWith(prefix)) got++;
      else if (m.startsWith(probe)) seen = true;
    };
    // one handler (vscode-jsonrpc keeps one per notification)
    agent.connection.onNotification(traceEvents, (p: TraceEventsParams) => {
      dropped += p.dropped;
      const c = p.columns;
      if (c) for (let i = 0; i < c.count; i++) count(c.text.slice(i ? c.end[i - 1] : 0, c.end[i]));
      else for (const e of p.events as TraceEvent[]) count(e.message);
    });
    const { stream } = await agent.request(traceStart, { source: 'trace_pipe', columns });
    // the reader may wait for another reader to let go: start once our own probe line arrives
    for (let i = 0; i < 200 && !seen; i++) {
      writeTraceMarker(probe);
      await sleep(100);
    }
    if (!seen) throw new Error('the agent never got trace_pipe (another reader holds it)');
    const run = flood.start(RATE, SECONDS);
    prefix = run.prefix;
    const r = await run.done;
    await sleep(1000);
    await agent.request(traceStop, { stream });
    return { written: r.lines, rate: r.lines / ((r.endedAt - r.startedAt) / 1000), got, dropped };
  } finally {
    await agent.dispose();
  }
}

async function main(): Promise<void> {
  const flood = await prepareTraceFlood();
  try {
    const load = () =>
      loadavg()
        .map((x) => x.toFixed(1))
        .join(' ');
    const loadBefore = load();
    const cat = await viaCat(flood);
    const events = await viaAgent(flood, false);
    const columns = await viaAgent(flood, true);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const share = (r: Run) => r.got / r.written;
    console.log(
      `BPF flood (bench/traceFlood.ts) for ${SECONDS} s at ${fmt(RATE)} lines/s asked (load average ${loadBefore} -> ${load()}):`,
    );
    const line = (name: string, r: Run) =>
      `  ${name.padEnd(30)}${fmt(r.got)} of ${fmt(r.written)} lines printed at ${fmt(r.rate)} lines/s (${fmt(r.got / SECONDS)} lines/s received)`;
    console.log(line('cat trace_pipe > file:', cat));
    for (const [name, r] of [
      ['agent, events:', events],
      ['agent, columns (live trace):', columns],
    ] as const) {
      console.log(
        `${line(name, r)}; reported as dropped: ${fmt(r.dropped)} (received + dropped = ${fmt(r.got + r.dropped)}: nothing lost silently when that is the number printed)`,
      );
    }
    console.log(
      `  ratio agent / cat: events ${(share(events) / share(cat)).toFixed(3)}, columns ${(share(columns) / share(cat)).toFixed(3)} (goal >= 0.9)`,
    );
  } finally {
    flood.dispose();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
