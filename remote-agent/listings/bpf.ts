// bpf.listPrograms / listMaps / listLinks: rebuilt from bpftool JSON on every call (the kernel is the source of
// truth). Pin paths (bpftool -f) tie programs and maps to objects; pinTable.ts avoids re-walking an unchanged bpffs.
// The JSON comes from the listing's own bpftool run, or from one entry of a batch (snapshot.ts).
import type { BpfLink, BpfMap, BpfProgram } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { parseLinkShow } from '../parsers/linkShow';
import { parseMapShow } from '../parsers/mapShow';
import { parseProgShow } from '../parsers/progShow';
import { PinTable } from './pinTable';
import { singleFlight } from './singleFlight';

/** A listing's bpftool JSON: `pins` asks for pin paths (bpftool -f). Its stdout, or the already parsed output. */
export type ListingSource = (pins: boolean) => Promise<string | unknown[]>;

/** Where a listing comes from when not from its own run: the source, and the bpffs fingerprint taken before it. */
export interface ListingVia {
  source: ListingSource;
  fingerprint: string;
}

/** The listing's own bpftool run. */
export function ownRun(ctx: AgentContext, command: string[]): ListingSource {
  return async (pins) => (await ctx.run([bpftoolPath(ctx), '-j', ...(pins ? ['-f'] : []), ...command])).stdout;
}

const tables = {
  programs: new WeakMap<AgentContext, PinTable>(),
  maps: new WeakMap<AgentContext, PinTable>(),
  links: new WeakMap<AgentContext, PinTable>(),
};
/** The pin table of one kind of listing (programs, maps, links) of this agent. */
export function pinTable(kind: keyof typeof tables, ctx: AgentContext): PinTable {
  let t = tables[kind].get(ctx);
  if (!t) tables[kind].set(ctx, (t = new PinTable()));
  return t;
}

function listing<T extends { id: number; pinned: string[] }>(
  ctx: AgentContext,
  kind: keyof typeof tables,
  command: string[],
  parse: (json: string | unknown[]) => T[],
  shared: boolean,
  via?: ListingVia,
): Promise<T[]> {
  const source = via?.source ?? ownRun(ctx, command);
  const run = () =>
    pinTable(kind, ctx).list(
      async () => parse(await source(false)),
      async () => parse(await source(true)),
      via?.fingerprint,
    );
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
