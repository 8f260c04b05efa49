// prog.run: a packet through a loaded program with the kernel's test run (BPF_PROG_TEST_RUN, `bpftool prog run`),
// never on a real interface. The program's maps (its map_ids) are dumped before and after, so the reply says what
// the run changed in them. Several independent runs go through one `bpftool batch` (one process, each run on a
// fresh copy of the input), because the kernel's own repeat runs the program on one buffer cumulatively.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MapEntry, ProgRunOutput, ProgRunParams, ProgRunResult } from '../../protocol/agent';
import { bpftoolPath, type AgentContext } from '../core/context';
import { AgentError, badArgument, unsupported } from '../core/errors';
import { runJson } from '../core/runner';
import { requireObject } from '../core/validate';
import { resolveProgram } from '../objects/refs';
import { num, str } from '../parsers/bpftoolJson';
import { parseMapDump } from '../parsers/mapDump';
import { diffMaps, type DumpedMap } from './mapDiff';
import { RUNNABLE_TYPES, signedRetval, verdictName } from './verdicts';
import { AgentErrorCode } from '../../protocol/agent';

const MAX_PACKET = 65_535;
/** Maps with more entries than this are not dumped around a run (a dump of a million entries takes seconds). */
const MAX_DIFF_ENTRIES = 65_536;
/** Room for a program that grows the packet (bpf_xdp_adjust_tail, bpf_skb_change_tail). */
const OUTPUT_ROOM = 4096;
/** Paths inside a `bpftool batch` line: no quoting needed for these characters. */
const BATCH_SAFE = /^[A-Za-z0-9_./@-]+$/;

interface ProgInfo {
  id: number;
  name: string;
  type: string;
  mapIds: number[];
}
interface MapInfo {
  id: number;
  name: string;
  type: string;
  maxEntries: number;
  frozen: boolean;
}

function intParam(v: unknown, name: string, max: number): number {
  if (v === undefined || v === null) return 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) throw badArgument(name, `must be an integer 1..${max}`);
  return v;
}

export function parsePacketHex(v: unknown): Buffer {
  if (typeof v !== 'string') throw badArgument('packet', 'the packet is required, as hex');
  const hex = v.replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2) throw badArgument('packet', 'must be hex digits, two per byte');
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length < 14) throw badArgument('packet', `${bytes.length} bytes is shorter than an Ethernet header (14)`);
  if (bytes.length > MAX_PACKET) throw badArgument('packet', `${bytes.length} bytes is more than ${MAX_PACKET}`);
  return bytes;
}

export async function progRun(ctx: AgentContext, raw: unknown): Promise<ProgRunResult> {
  const p = requireObject(raw, 'prog.run') as Partial<ProgRunParams>;
  const prog = resolveProgram(p.program);
  const packet = parsePacketHex(p.packet);
  const repeat = intParam(p.repeat, 'repeat', 1_000_000);
  const runs = intParam(p.runs, 'runs', 10_000);
  const bpftool = bpftoolPath(ctx);

  const info = await programInfo(ctx, bpftool, prog.bpftoolArgs);
  if (!(RUNNABLE_TYPES as readonly string[]).includes(info.type)) {
    throw unsupported(`prog.run runs XDP and tc programs on a packet; program ${info.id} (${info.name}) is ${info.type}`);
  }
  const maps = await Promise.all(info.mapIds.map((id) => mapInfo(ctx, bpftool, id)));
  const watched = maps.filter((m) => !m.frozen && m.maxEntries <= MAX_DIFF_ENTRIES);
  const mapsSkipped = maps
    .filter((m) => !watched.includes(m))
    .map((m) => ({
      id: m.id,
      name: m.name,
      reason: m.frozen ? 'frozen (read-only)' : `${m.maxEntries} entries is more than ${MAX_DIFF_ENTRIES}`,
    }));

  const dir = await mkdtemp(join(BATCH_SAFE.test(ctx.stateDir) ? ctx.stateDir : tmpdir(), 'run-'));
  try {
    const before = await dumpMaps(ctx, bpftool, watched, mapsSkipped);
    const input = join(dir, 'in.bin');
    await writeFile(input, packet);
    const progArgs = ['id', String(info.id)];
    const runArgs = (i: number) => [
      'prog',
      'run',
      ...progArgs,
      'data_in',
      input,
      'data_out',
      join(dir, `out${i}.bin`),
      'data_size_out',
      String(packet.length + OUTPUT_ROOM),
      'repeat',
      String(repeat),
    ];
    let results: { retval: number; duration: number }[];
    if (runs === 1) {
      results = [await testRun(ctx, [bpftool, '-j', ...runArgs(0)])];
    } else {
      if (!BATCH_SAFE.test(dir)) throw badArgument('runs', `the agent's temporary directory ${dir} cannot be named in a bpftool batch`);
      const batch = join(dir, 'batch');
      await writeFile(batch, Array.from({ length: runs }, (_, i) => runArgs(i).join(' ')).join('\n') + '\n');
      results = await batchRun(ctx, [bpftool, '-j', 'batch', 'file', batch], runs);
    }
    const after = await dumpMaps(ctx, bpftool, watched, mapsSkipped);

    const outputs = new Map<string, ProgRunOutput>();
    let last: ProgRunOutput | undefined;
    for (let i = 0; i < results.length; i++) {
      const retval = signedRetval(info.type, results[i].retval);
      const output = (await readFile(join(dir, `out${i}.bin`))).toString('hex');
      const k = `${retval}:${output}`;
      let o = outputs.get(k);
      if (!o) outputs.set(k, (o = { verdict: verdictName(info.type, retval), retval, output, count: 0 }));
      o.count++;
      last = o;
    }
    const durationNs = Math.round(results.reduce((s, r) => s + r.duration, 0) / results.length);
    return {
      program: { id: info.id, name: info.name, type: info.type },
      verdict: last!.verdict,
      retval: last!.retval,
      output: last!.output,
      durationNs,
      repeat,
      runs,
      outputs: [...outputs.values()].sort((a, b) => b.count - a.count),
      mapChanges: diffMaps(
        before.filter((m) => after.some((a) => a.id === m.id)),
        after,
      ),
      mapsSkipped,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function programInfo(ctx: AgentContext, bpftool: string, progArgs: string[]): Promise<ProgInfo> {
  const j = await runJson<Record<string, unknown>>(ctx.run, [bpftool, '-j', 'prog', 'show', ...progArgs]);
  return {
    id: num(j.id) ?? -1,
    name: str(j.name) ?? '',
    type: str(j.type) ?? 'unknown',
    mapIds: Array.isArray(j.map_ids) ? j.map_ids.filter((x): x is number => typeof x === 'number') : [],
  };
}

async function mapInfo(ctx: AgentContext, bpftool: string, id: number): Promise<MapInfo> {
  const j = await runJson<Record<string, unknown>>(ctx.run, [bpftool, '-j', 'map', 'show', 'id', String(id)]);
  return {
    id,
    name: str(j.name) ?? '',
    type: str(j.type) ?? 'unknown',
    maxEntries: num(j.max_entries) ?? 0,
    frozen: j.frozen === 1 || j.frozen === true,
  };
}

/** Dumps each map; one that cannot be dumped (a ring buffer, a queue) moves to `skipped` with bpftool's words. */
async function dumpMaps(ctx: AgentContext, bpftool: string, maps: MapInfo[], skipped: ProgRunResult['mapsSkipped']): Promise<DumpedMap[]> {
  const out: DumpedMap[] = [];
  for (const m of maps) {
    if (skipped.some((s) => s.id === m.id)) continue;
    const r = await ctx.run([bpftool, '-j', 'map', 'dump', 'id', String(m.id)], { allowFailure: true, timeoutMs: 60_000 });
    let entries: MapEntry[] | undefined;
    if (r.exitCode === 0) {
      try {
        entries = parseMapDump(r.stdout);
      } catch {
        /* reported below */
      }
    }
    if (!entries) {
      skipped.push({ id: m.id, name: m.name, reason: `bpftool cannot dump it: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}` });
      continue;
    }
    out.push({ id: m.id, name: m.name, type: m.type, entries });
  }
  return out;
}

function runFailed(argv: string[], stdout: string, stderr: string, exitCode: number | null): AgentError {
  const said = (stderr.trim() || stdout.trim()).split('\n').slice(-2).join(' | ');
  return new AgentError(AgentErrorCode.ToolFailed, `the kernel's test run failed: ${said}`, {
    tool: 'bpftool',
    argv,
    exitCode,
    stdout,
    stderr,
  });
}

async function testRun(ctx: AgentContext, argv: string[]): Promise<{ retval: number; duration: number }> {
  const r = await ctx.run(argv, { allowFailure: true, timeoutMs: 120_000 });
  const j = r.exitCode === 0 ? (safeJson(r.stdout) as { retval?: unknown; duration?: unknown } | undefined) : undefined;
  if (!j || typeof j.retval !== 'number') throw runFailed(r.argv, r.stdout, r.stderr, r.exitCode);
  return { retval: j.retval, duration: num(j.duration) ?? 0 };
}

async function batchRun(ctx: AgentContext, argv: string[], runs: number): Promise<{ retval: number; duration: number }[]> {
  const r = await ctx.run(argv, { allowFailure: true, timeoutMs: 300_000 });
  const j = safeJson(r.stdout);
  const items = Array.isArray(j) ? (j as { output?: { retval?: unknown; duration?: unknown; error?: unknown } }[]) : [];
  if (r.exitCode !== 0 || items.length !== runs || items.some((x) => typeof x.output?.retval !== 'number')) {
    throw runFailed(r.argv, r.stdout.slice(0, 2000), r.stderr, r.exitCode);
  }
  return items.map((x) => ({ retval: x.output!.retval as number, duration: num(x.output!.duration) ?? 0 }));
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
