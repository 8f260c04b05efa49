// bpf.listPrograms / listMaps / listLinks: rebuilt from bpftool JSON on every call (the kernel is the source of
// truth). Pin paths tie programs and maps to objects: they come from the agent's index of bpffs (pinTable.ts), so
// a listing runs bpftool's own pin walk (-f) only when the index cannot place many pinned files (the first listing).
// The JSON comes from the listing's own bpftool run, or from one entry of a batch (snapshot.ts).
import type { BpfLink, BpfMap, BpfProgram } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { parseLinkShow } from '../parsers/linkShow';
import { parseMapShow } from '../parsers/mapShow';
import { parseProgShow } from '../parsers/progShow';
import { bpftoolBatch, type BatchResult } from './batch';
import { answerPinQuestions, askable } from './pinQuestions';
import { PinIndex, pinCommand, type PinKind, type PinScan } from './pinTable';
import { singleFlight } from './singleFlight';

/** A listing's bpftool JSON: `pins` asks for pin paths (bpftool -f). Its stdout, or the already parsed output. */
export type ListingSource = (pins: boolean) => Promise<string | unknown[]>;

/** Where a listing comes from when not from its own run (snapshot.ts). */
export interface ListingVia {
  source: ListingSource;
  /** bpffs as walked before the source ran. */
  scan: PinScan;
  /** The source lists with -f: the index learns every pin of the listing's kind from it. */
  full: boolean;
  /** Resolves once the files the index could not place were asked about (never rejects). */
  placed: Promise<void>;
}

/** The listing's own bpftool run. */
export function ownRun(ctx: AgentContext, command: string[]): ListingSource {
  return async (pins) => (await ctx.run([bpftoolPath(ctx), '-j', ...(pins ? ['-f'] : []), ...command])).stdout;
}

const indexes = new WeakMap<AgentContext, PinIndex>();
/** This agent's index of bpffs (one for programs, maps and links). */
export function pinIndex(ctx: AgentContext): PinIndex {
  let t = indexes.get(ctx);
  if (!t) indexes.set(ctx, (t = new PinIndex()));
  return t;
}

/**
 * A listing run of its own: plain when the index places every pinned file, one batch of the listing and a line per
 * file to place when there are few, else with -f.
 */
function ownVia(ctx: AgentContext, index: PinIndex, kind: PinKind, command: string[]): ListingVia {
  const scan = index.scan();
  const questions = index.unknown(scan, [kind]);
  const plain = { source: ownRun(ctx, command), scan, placed: Promise.resolve() };
  if (!questions.length) return { ...plain, full: false };
  if (!askable(questions)) return { ...plain, full: true };
  const batch = bpftoolBatch(ctx, [command, ...questions.map(pinCommand)]).catch((e: Error): BatchResult[] => [e]);
  return {
    source: async (pins) => {
      const r = (await batch)[0];
      return Array.isArray(r) && !pins ? r : ownRun(ctx, command)(pins);
    },
    scan,
    full: false,
    placed: batch.then((r) => answerPinQuestions(ctx, index, questions, r.slice(1))).catch(() => undefined),
  };
}

function listing<T extends { id: number; pinned: string[] }>(
  ctx: AgentContext,
  kind: PinKind,
  command: string[],
  parse: (json: string | unknown[]) => T[],
  shared: boolean,
  via?: ListingVia,
): Promise<T[]> {
  const run = async () => {
    const index = pinIndex(ctx);
    const from = via ?? ownVia(ctx, index, kind, command);
    const items = parse(await from.source(from.full));
    if (!from.full) {
      await from.placed;
      if (index.place(from.scan, kind, items)) return items;
    }
    // bpftool's own pin walk: from this run, or (the index could not place a file) a run of its own with -f
    const scan = from.full ? from.scan : index.scan();
    const full = from.full ? items : parse(await ownRun(ctx, command)(true));
    index.learnFull(scan, kind, full);
    for (const i of full) i.pinned.sort();
    return full;
  };
  return shared ? singleFlight(ctx, kind, run) : run();
}

/** `shared`: may join a run in flight (read-only callers, see singleFlight.ts). */
export function listPrograms(ctx: AgentContext, shared = false, via?: ListingVia): Promise<BpfProgram[]> {
  return listing(ctx, 'programs', ['prog', 'show'], parseProgShow, shared, via);
}

export function listMaps(ctx: AgentContext, shared = false, via?: ListingVia): Promise<BpfMap[]> {
  return listing(ctx, 'maps', ['map', 'show'], parseMapShow, shared, via);
}

export function listLinks(ctx: AgentContext, shared = false, via?: ListingVia): Promise<BpfLink[]> {
  return listing(ctx, 'links', ['link', 'show'], parseLinkShow, shared, via);
}
