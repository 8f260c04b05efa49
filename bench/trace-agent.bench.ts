// Does the agent keep up with trace_pipe? A writer floods trace_marker for SECONDS (as fast as it can, or at RATE
// lines/s); the lines the agent parses and forwards (trace.start trace_pipe, JSON-RPC notifications counted by
// the client) against the lines a plain local `cat trace_pipe > FILE` gets from the same flood, one after the other
// in the same run (trace_pipe admits one reader). Lines the kernel overwrote before a reader got them are lost to
// either, but the agent reports them (the kernel's overrun counters) as `dropped` in its batches, as it does the
// lines it drops itself. Goal: ours >= 0.9x of cat.
//   node --import tsx bench/trace-agent.bench.ts [SECONDS] [RATE|max]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceEvents, traceStart, traceStop, type TraceEventsParams } from '../protocol/agent';
import type { TraceEvent } from '../protocol/types';
import { startAgent } from '../test/kernel/helpers/agentProcess';

const SECONDS = Number(process.argv[2] ?? 5);
const RATE = process.argv[3] === undefined || process.argv[3] === 'max' ? 0 : Number(process.argv[3]);
const TRACE_PIPE = '/sys/kernel/tracing/trace_pipe';

/** Writes marker lines to trace_marker for `seconds`: at `rate` lines/s, or as fast as it can when rate is 0. */
function startWriter(marker: string, rate: number, seconds: number): ChildProcess {
  const code = `
    const fs = require('fs');
    const [marker, rate, seconds] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
    const fd = fs.openSync('/sys/kernel/tracing/trace_marker', 'w');
    const t0 = Date.now(); let n = 0;
    if (!rate) {
      while (Date.now() - t0 < seconds * 1000) for (let i = 0; i < 1000; i++, n++) fs.writeSync(fd, marker + ' ' + n + ' padding-to-about-one-hundred-bytes-like-a-printk-line\\n');
      fs.closeSync(fd); process.stdout.write(String(n));
    } else {
      const tick = () => {
        const due = Math.min(Math.floor((Date.now() - t0) / 1000 * rate), rate * seconds);
        for (; n < due; n++) fs.writeSync(fd, marker + ' ' + n + ' padding-to-about-one-hundred-bytes-like-a-printk-line\\n');
        if (n >= rate * seconds) { fs.closeSync(fd); process.stdout.write(String(n)); } else setTimeout(tick, 2);
      };
      tick();
    }`;
  return spawn(process.execPath, ['-e', code, marker, String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
}
const writerDone = (w: ChildProcess) =>
  new Promise<number>((resolve) => {
    let out = '';
    w.stdout!.on('data', (d) => {
      out += d;
    });
    w.on('exit', () => resolve(Number(out)));
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function viaCat(marker: string): Promise<{ written: number; got: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'end-bench-trace-'));
  const file = join(dir, 'out');
  try {
    let cat: ChildProcess | undefined;
    for (let attempt = 0; attempt < 40 && !cat; attempt++) {
      const child = spawn('sh', ['-c', 'exec cat "$0" > "$1"', TRACE_PIPE, file], { stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = await new Promise<boolean>((r) => {
        child.once('exit', () => r(true));
        setTimeout(() => r(false), 500);
      });
      if (!exited) cat = child;
    }
    if (!cat) throw new Error('cat never got trace_pipe (another reader holds it)');
    const written = await writerDone(startWriter(marker, RATE, SECONDS));
    await sleep(1000);
    cat.kill();
    await new Promise((r) => cat!.once('exit', r));
    const got = readFileSync(file, 'latin1')
      .split('\n')
      .filter((l) => l.includes(marker)).length;
    return { written, got };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function viaAgent(marker: string): Promise<{ written: number; got: number; dropped: number }> {
  const agent = await startAgent();
  try {
    let got = 0;
    let dropped = 0;
    let seen = false;
    const probe = `${marker.replace('agent', 'probe')}`;
    // one handler (vscode-jsonrpc keeps one per notification)
    agent.connection.onNotification(traceEvents, (p: TraceEventsParams) => {
      dropped += p.dropped;
      for (const e of p.events as TraceEvent[]) {
        if (e.message.startsWith(marker)) got++;
        else if (e.message.startsWith(probe)) seen = true;
      }
    });
    const { stream } = await agent.request(traceStart, { source: 'trace_pipe' });
    // the reader may wait for another reader to let go: start once our own probe line arrives
    for (let i = 0; i < 200 && !seen; i++) {
      await writerDone(startWriter(probe, 1000, 0.01));
      await sleep(100);
    }
    if (!seen) throw new Error('the agent never got trace_pipe (another reader holds it)');
    const written = await writerDone(startWriter(marker, RATE, SECONDS));
    await sleep(1000);
    await agent.request(traceStop, { stream });
    return { written, got, dropped };
  } finally {
    await agent.dispose();
  }
}

async function main(): Promise<void> {
  const cat = await viaCat(`end-tab-${process.pid}-cat`);
  const ours = await viaAgent(`end-tab-${process.pid}-agent`);
  const catShare = cat.got / cat.written;
  const ourShare = ours.got / ours.written;
  console.log(`trace_marker flood for ${SECONDS} s (${RATE ? `${RATE.toLocaleString('en-US')} lines/s` : 'as fast as one writer can'}):`);
  console.log(
    `  cat trace_pipe > file:        ${cat.got.toLocaleString('en-US')} of ${cat.written.toLocaleString('en-US')} lines (${(cat.got / SECONDS).toFixed(0)} lines/s)`,
  );
  console.log(
    `  agent parse + forward:        ${ours.got.toLocaleString('en-US')} of ${ours.written.toLocaleString('en-US')} lines (${(ours.got / SECONDS).toFixed(0)} lines/s); reported as dropped: ${ours.dropped.toLocaleString('en-US')} (received + dropped = ${(ours.got + ours.dropped).toLocaleString('en-US')}: nothing lost silently when that is the number written)`,
  );
  console.log(`  ratio agent / cat: ${(ourShare / catShare).toFixed(3)} (goal >= 0.9)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
