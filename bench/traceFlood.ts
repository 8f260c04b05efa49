// A trace_pipe flood at a given rate that a loaded 2-CPU machine can sustain, for the trace benchmarks. Writing
// trace_marker from Node costs a system call and a JS loop turn per line (one CPU's worth at ~200,000 lines/s
// once a reader competes for the buffer), and on a shared machine that writer fell short of the rate it was
// asked for. Here the kernel writes the lines itself: bench/traceFlood.bpf.c prints one line per run of the
// kernel's test run (`bpftool prog run ... repeat N`), and a small pacer process feeds one long-lived
// `bpftool batch file -` a command every few milliseconds for the lines due by then (catching up after a stall).
// A line costs ~0.5 us of kernel time and no system call. The lines produced and the time they took are counted,
// so a benchmark reports the rate it really got.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileBpf } from '../extension/core/compile/clang';

const BPFTOOL_75 = '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool';
const TRACE_MARKER = '/sys/kernel/tracing/trace_marker';

export interface FloodResult {
  /** Lines the kernel was made to print (runs completed). */
  lines: number;
  /** Wall-clock start and end of the flood (ms since the epoch; the end is when the last run returned). */
  startedAt: number;
  endedAt: number;
}

export interface FloodRun {
  /** Every line of this run contains this text (`end-tfl MARKER N padding...`). */
  readonly prefix: string;
  readonly done: Promise<FloodResult>;
}

export interface TraceFlood {
  /** Prints `rate` lines/s for `seconds`; the lines carry a fresh marker. */
  start(rate: number, seconds: number): FloodRun;
  dispose(): void;
}

function bpftool(): string {
  return existsSync(BPFTOOL_75) ? BPFTOOL_75 : 'bpftool';
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${out}`))));
  });
}

/** The pacer: a child process of its own, so a busy benchmark process (the extension host stand-in) cannot delay it. */
const PACER = `
  const { spawn } = require('child_process');
  const [bpftool, pinned, packet, rate, seconds] = process.argv.slice(1);
  const total = Math.round(Number(rate) * Number(seconds));
  const tool = spawn(bpftool, ['batch', 'file', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  tool.stdout.on('data', (d) => (out += d));
  let sent = 0;
  const startedAt = Date.now();
  const tick = () => {
    const due = Math.min(total, Math.floor(((Date.now() - startedAt) / 1000) * Number(rate)));
    if (due > sent) {
      tool.stdin.write('prog run pinned ' + pinned + ' data_in ' + packet + ' repeat ' + (due - sent) + '\\n');
      sent = due;
    }
    if (sent < total) setTimeout(tick, 4);
    else tool.stdin.end();
  };
  tool.on('exit', (code) => {
    const endedAt = Date.now();
    const runs = (out.match(/^Return value: 0/gm) || []).length;
    process.stdout.write(JSON.stringify({ code, runs, lines: code === 0 ? total : -1, startedAt, endedAt, out: code === 0 ? '' : out.slice(-2000) }));
  });
  tick();`;

export async function prepareTraceFlood(): Promise<TraceFlood> {
  const dir = mkdtempSync(join(tmpdir(), 'end-trace-flood-'));
  const pinned = `/sys/fs/bpf/end_tfl_${process.pid}`;
  const object = join(dir, 'traceFlood.o');
  const compiled = await compileBpf({ source: join(__dirname, 'traceFlood.bpf.c'), output: object });
  if (!compiled.ok) throw new Error(`compiling bench/traceFlood.bpf.c failed:\n${compiled.stderr}`);
  if (existsSync(pinned)) unlinkSync(pinned);
  await run(bpftool(), ['prog', 'load', object, pinned]);
  let n = 0;
  return {
    start(rate, seconds) {
      const marker = (process.pid * 1000 + ++n) >>> 0;
      const packet = join(dir, `packet-${n}`);
      const bytes = Buffer.alloc(64);
      bytes.writeUInt32LE(marker, 14);
      writeFileSync(packet, bytes);
      const child = spawn(process.execPath, ['-e', PACER, bpftool(), pinned, packet, String(rate), String(seconds)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const done = new Promise<FloodResult>((resolve, reject) => {
        child.on('exit', () => {
          try {
            const r = JSON.parse(out) as FloodResult & { code: number; out: string };
            if (r.code !== 0) reject(new Error(`bpftool batch failed (${r.code}): ${r.out}`));
            else resolve({ lines: r.lines, startedAt: r.startedAt, endedAt: r.endedAt });
          } catch (e) {
            reject(new Error(`the flood pacer said ${JSON.stringify(out)}: ${(e as Error).message}`));
          }
        });
      });
      return { prefix: `end-tfl ${marker} `, done };
    },
    dispose() {
      try {
        unlinkSync(pinned);
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One line to trace_marker (e.g. the sentinel after a flood, to tell when a reader has seen everything before it). */
export function writeTraceMarker(text: string): void {
  const fd = openSync(TRACE_MARKER, 'w');
  try {
    writeSync(fd, text + '\n');
  } finally {
    closeSync(fd);
  }
}
