// The ONE reader of /sys/kernel/tracing/trace_pipe in this agent process. trace_pipe is consumed destructively, so
// two readers would each see half the lines; every trace stream subscribes here instead. The reader is a `cat`
// child (a blocked read of trace_pipe in Node's thread pool could not be cancelled), started with the first
// subscriber and killed with the last.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { TRACE_PIPE, TRACEFS } from '../core/paths';
import { splitLines } from '../parsers/tracePipe';

export type LineListener = (lines: string[]) => void;

export class TracePipeSource {
  private child: ChildProcess | null = null;
  private readonly listeners = new Set<LineListener>();
  private rest = '';

  constructor(
    private readonly path = TRACE_PIPE,
    private readonly onError: (message: string) => void = () => undefined,
    private readonly onInfo: (message: string) => void = () => undefined,
  ) {}

  get subscribers(): number {
    return this.listeners.size;
  }

  subscribe(listener: LineListener): () => void {
    this.listeners.add(listener);
    if (!this.child) this.start();
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.stop();
    };
  }

  private start(): void {
    this.expandRingBuffer();
    const child = spawn('cat', [this.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const { lines, rest } = splitLines(this.rest, chunk);
      this.rest = rest;
      if (lines.length) for (const l of this.listeners) l(lines);
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => this.onError(`trace_pipe reader failed: ${e.message}`));
    child.on('exit', (code, signal) => {
      if (this.child === child) {
        this.child = null;
        this.rest = '';
        if (this.listeners.size) this.onError(`trace_pipe reader ended (code ${code}, signal ${signal}) ${err.trim()}`);
      }
    });
  }

  /**
   * Until something uses tracing, the kernel keeps its ring buffer at a few KB per CPU ("7 (expanded: 1408)" in
   * buffer_size_kb), and a trace_marker or printk burst then overwrites almost everything before any reader sees
   * it. Grow it to the size the kernel itself would expand it to, as its own tracers do on first use.
   */
  private expandRingBuffer(): void {
    const file = `${TRACEFS}/buffer_size_kb`;
    try {
      const m = /\(expanded: (\d+)\)/.exec(readFileSync(file, 'utf8'));
      if (m) {
        writeFileSync(file, m[1]);
        this.onInfo(`expanded the trace ring buffer to the kernel's default of ${m[1]} KB per CPU`);
      }
    } catch {
      // not fatal: the reader still works with the buffer as it is
    }
  }

  private stop(): void {
    const c = this.child;
    this.child = null;
    this.rest = '';
    c?.kill('SIGTERM');
  }
}
