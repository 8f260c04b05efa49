// The ONE reader of /sys/kernel/tracing/trace_pipe in this agent process. trace_pipe is consumed destructively, so
// two readers would each see half the lines; every trace stream subscribes here instead. The reader is a `cat`
// child (a blocked read of trace_pipe in Node's thread pool could not be cancelled), started with the first
// subscriber and killed with the last. The kernel lets only one process at a time open trace_pipe (EBUSY for the
// next): while another holds it, the reader says who (agent.log) and retries until it gets it or nobody listens.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { TRACE_PIPE, TRACEFS } from '../core/paths';
import { spawnTied } from '../packetPath/tiedSpawn';
import { splitLines } from '../parsers/tracePipe';
import { kernelLostEvents } from './overrun';

/** `lost`: lines the kernel overwrote before this reader got them, since the previous call. */
export type LineListener = (lines: string[], lost?: number) => void;

export class TracePipeSource {
  private child: ChildProcess | null = null;
  private readonly listeners = new Set<LineListener>();
  private rest = '';
  private retry: NodeJS.Timeout | null = null;
  private busySaid = false;
  private lostTimer: NodeJS.Timeout | null = null;
  private lostBase: number | undefined;
  static readonly RETRY_MS = 250;
  static readonly LOST_POLL_MS = 500;

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
    // tied to the agent (pdeathsig): a reader orphaned by a killed agent would hold trace_pipe, which admits one
    // reader, against everybody for good
    const child = spawnTied(['cat', this.path]);
    child.stdin.end();
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
    child.stdout.once('data', () => (this.busySaid = false));
    this.watchLost();
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.rest = '';
      if (!this.listeners.size) return;
      if (/busy/i.test(err)) {
        if (!this.busySaid)
          this.onInfo(
            `trace_pipe is busy (the kernel allows one reader): held by ${this.holders()}; retrying every ${TracePipeSource.RETRY_MS} ms`,
          );
        this.busySaid = true;
      } else {
        this.onError(`trace_pipe reader ended (code ${code}, signal ${signal}) ${err.trim()}; restarting`);
      }
      this.retry = setTimeout(() => {
        this.retry = null;
        if (this.listeners.size && !this.child) this.start();
      }, TracePipeSource.RETRY_MS);
    });
  }

  /** Which processes hold trace_pipe open, e.g. "pid 1234 (cat)", so a user can tell who competes. */
  private holders(): string {
    const found: string[] = [];
    for (const pid of readdirSafe('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      for (const fd of readdirSafe(`/proc/${pid}/fd`)) {
        let target = '';
        try {
          target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (target === this.path || target.endsWith('/tracing/trace_pipe')) {
          let comm = '?';
          try {
            comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          } catch {
            // the process ended meanwhile
          }
          found.push(`pid ${pid} (${comm})`);
          break;
        }
      }
    }
    return found.length ? found.join(', ') : 'another process';
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

  /** Polls the kernel's lost-event counters while reading; growth is handed to the listeners as `lost`. */
  private watchLost(): void {
    if (this.lostTimer || this.path !== TRACE_PIPE) return;
    this.lostBase = kernelLostEvents();
    this.lostTimer = setInterval(() => {
      const now = kernelLostEvents();
      if (now === undefined || this.lostBase === undefined) return;
      const lost = now - this.lostBase;
      this.lostBase = now;
      if (lost > 0) for (const l of this.listeners) l([], lost);
    }, TracePipeSource.LOST_POLL_MS);
    this.lostTimer.unref();
  }

  private stop(): void {
    if (this.lostTimer) clearInterval(this.lostTimer);
    this.lostTimer = null;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.busySaid = false;
    const c = this.child;
    this.child = null;
    this.rest = '';
    c?.kill('SIGTERM');
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
