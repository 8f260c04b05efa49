// The packet path tracer with bpftool >= 7.2: `prog loadall ... autoattach` attaches the five tracepoint programs
// of tracepkt.o and pins their links; `map event_pipe` streams the perf event array; the filter goes into the
// pinned `tp_filter` map once the reader is listening, so no matching packet is missed or sent to nobody.
import { mkdtempSync, readdirSync, readlinkSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PacketFilter, PacketPathEvent } from '../../protocol/types';
import { AgentErrorCode } from '../../protocol/agent';
import { AgentError } from '../core/errors';
import { run, type Runner } from '../core/runner';
import { recordSize } from './eventLayout';
import { EventPipeParser } from './eventPipeParser';
import { encodePacketFilter, hexWords } from './filterEncoding';
import type { NetnsNamer } from './netnsNames';
import { spawnTied, stopChild } from './tiedSpawn';
import { cleanStaleTracerDirs, createTracerDir, removeTracerDir, TRACERS_DIR } from './tracerDirs';

export interface BpftoolTracerOptions {
  bpftool: string;
  object: Uint8Array;
  filter: PacketFilter;
  /** Packet bytes to copy into each event (0-256). */
  packetBytes: number;
  /** A record's bytes into an event (eventLayout.ts decodeEvent with drop names and the wall clock). */
  decode: (rec: Buffer) => PacketPathEvent | null;
  namer: NetnsNamer;
  emit: (events: PacketPathEvent[], dropped: number) => void;
  /** The reader ended on its own (killed, crashed) after start: no more events will come. */
  onFailure?: (err: Error) => void;
  tracersDir?: string;
  runner?: Runner;
}

export interface RunningTracer {
  /** The pin directory of this tracer (links/ and maps/); '' when nothing is pinned. */
  dir: string;
  /** The helper process that reads the events (bpftool event_pipe, or bpftrace). */
  pid?: number;
  stop(): Promise<void>;
}

/** CPUs the kernel lists as online ("0-1,4"): libbpf opens one perf buffer for each. */
export function onlineCpuCount(text = readFileSync('/sys/devices/system/cpu/online', 'utf8')): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a + 1;
  }
  return n;
}

function perfEventFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[perf_event]';
      } catch {
        return false;
      }
    }).length;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The programs behind the links pinned in `linksDir` (bpftool -f lists each link's pins). */
async function pinnedProgramIds(runner: Runner, bpftool: string, linksDir: string): Promise<number[]> {
  const r = await runner([bpftool, '-j', '-f', 'link', 'show'], { allowFailure: true });
  try {
    const links = JSON.parse(r.stdout) as { prog_id?: number; pinned?: string[] }[];
    return links
      .filter((l) => l.pinned?.some((p) => p.startsWith(`${linksDir}/`)))
      .map((l) => l.prog_id ?? 0)
      .filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The kernel frees an unpinned link's program a moment later (deferred work), so stop() waits, within bounds,
 * until `bpftool prog show` no longer lists them: a caller that lists programs after stop() sees them gone.
 */
async function programsGone(runner: Runner, bpftool: string, ids: number[], limitMs = 5000): Promise<void> {
  for (let waited = 0; ids.length && waited < limitMs; waited += 50) {
    const r = await runner([bpftool, '-j', 'prog', 'show'], { allowFailure: true });
    let live: number[] = [];
    try {
      live = (JSON.parse(r.stdout) as { id: number }[]).map((p) => p.id);
    } catch {
      return; // cannot tell: do not hold stop() up
    }
    if (!ids.some((id) => live.includes(id))) return;
    await sleep(50);
  }
}

export async function startBpftoolTracer(o: BpftoolTracerOptions): Promise<RunningTracer> {
  const runner = o.runner ?? run;
  const parent = o.tracersDir ?? TRACERS_DIR;
  cleanStaleTracerDirs(parent);
  let dir;
  try {
    dir = createTracerDir(parent);
  } catch (err) {
    throw new AgentError(
      AgentErrorCode.Unsupported,
      `cannot create the tracer's pin directory under ${parent} (is bpffs mounted at /sys/fs/bpf?): ${(err as Error).message}`,
    );
  }
  const tmp = mkdtempSync(join(tmpdir(), 'ebpf-netdebug-tracepkt-'));
  let reader: ReturnType<typeof spawnTied> | undefined;
  try {
    const objPath = join(tmp, 'tracepkt.o');
    writeFileSync(objPath, o.object);
    await runner([o.bpftool, 'prog', 'loadall', objPath, dir.links, 'pinmaps', dir.maps, 'autoattach'], { timeoutMs: 60_000 });

    const progIds = await pinnedProgramIds(runner, o.bpftool, dir.links);
    const eventsMap = join(dir.maps, 'tp_events');
    reader = spawnTied([o.bpftool, 'map', 'event_pipe', 'pinned', eventsMap]);
    const child = reader;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    let dropped = 0;
    let batch: PacketPathEvent[] = [];
    const parser = new EventPipeParser((head) => recordSize(head), {
      record: (bytes) => {
        const ev = o.decode(bytes);
        if (!ev) return void dropped++;
        const name = o.namer.nameOf(ev.netnsInode);
        if (name !== undefined) ev.netnsName = name;
        batch.push(ev);
      },
      lost: (n) => {
        dropped += n;
      },
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      parser.push(chunk);
      // one batch per chunk read: events that arrived together leave together
      if (batch.length || dropped) {
        const events = batch;
        const d = dropped;
        batch = [];
        dropped = 0;
        o.emit(events, d);
      }
    });

    // The reader listens once it holds a perf buffer per online CPU (it puts each in the map as it opens it).
    const want = onlineCpuCount();
    for (let waited = 0; perfEventFds(child.pid ?? 0) < want; waited += 10) {
      if (child.exitCode !== null || child.signalCode !== null || waited > 10_000) {
        throw new AgentError(AgentErrorCode.ToolFailed, `bpftool map event_pipe did not start: ${stderr.trim() || 'no output'}`, {
          tool: 'bpftool',
          argv: child.spawnargs,
          stderr,
        });
      }
      await sleep(10);
    }
    await runner([
      o.bpftool,
      'map',
      'update',
      'pinned',
      join(dir.maps, 'tp_filter'),
      'key',
      'hex',
      '00',
      '00',
      '00',
      '00',
      'value',
      'hex',
      ...hexWords(encodePacketFilter(o.filter, o.packetBytes)),
    ]);

    const pinDir = dir.root;
    let stopping: Promise<void> | undefined;
    child.once('exit', (code, signal) => {
      if (stopping) return;
      o.onFailure?.(
        new AgentError(
          AgentErrorCode.ToolFailed,
          `the packet path reader (bpftool map event_pipe) ended by itself (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no output'}`,
          { tool: 'bpftool', argv: child.spawnargs, exitCode: code, stderr },
        ),
      );
    });
    return {
      dir: pinDir,
      pid: child.pid,
      stop: () => {
        stopping ??= (async () => {
          // detach first (unpin the links), let the reader print what is still in flight, then end it
          removeTracerDir(join(pinDir, 'links'));
          await sleep(50);
          await stopChild(child);
          removeTracerDir(pinDir);
          // the last tracer out leaves no empty parent behind (another tracer's mkdir recreates it if needed)
          try {
            rmdirSync(parent);
          } catch {
            /* not empty: other tracers are running */
          }
          await programsGone(runner, o.bpftool, progIds);
        })();
        return stopping;
      },
    };
  } catch (err) {
    if (reader) await stopChild(reader);
    removeTracerDir(dir.root);
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
