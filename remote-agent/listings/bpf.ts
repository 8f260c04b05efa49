// bpf.listPrograms / listMaps / listLinks: rebuilt from bpftool JSON on every call (the kernel is the source of
// truth). Pin paths (bpftool -f) tie programs and maps to objects; pinTable.ts avoids re-walking an unchanged bpffs.
import type { BpfLink, BpfMap, BpfProgram } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { parseLinkShow } from '../parsers/linkShow';
import { parseMapShow } from '../parsers/mapShow';
import { parseProgShow } from '../parsers/progShow';
import { PinTable } from './pinTable';
import { singleFlight } from './singleFlight';

const progPins = new WeakMap<AgentContext, PinTable>();
const mapPins = new WeakMap<AgentContext, PinTable>();
const linkPins = new WeakMap<AgentContext, PinTable>();
function table(tables: WeakMap<AgentContext, PinTable>, ctx: AgentContext): PinTable {
  let t = tables.get(ctx);
  if (!t) tables.set(ctx, (t = new PinTable()));
  return t;
}

/** `shared`: may join a run in flight (read-only callers, see singleFlight.ts). */
export function listPrograms(ctx: AgentContext, shared = false): Promise<BpfProgram[]> {
  const show = (pins: string[]) => async () => parseProgShow((await ctx.run([bpftoolPath(ctx), '-j', ...pins, 'prog', 'show'])).stdout);
  const run = () => table(progPins, ctx).list(show([]), show(['-f']));
  return shared ? singleFlight(ctx, 'programs', run) : run();
}

export function listMaps(ctx: AgentContext, shared = false): Promise<BpfMap[]> {
  const show = (pins: string[]) => async () => parseMapShow((await ctx.run([bpftoolPath(ctx), '-j', ...pins, 'map', 'show'])).stdout);
  const run = () => table(mapPins, ctx).list(show([]), show(['-f']));
  return shared ? singleFlight(ctx, 'maps', run) : run();
}

export function listLinks(ctx: AgentContext, shared = false): Promise<BpfLink[]> {
  const show = (pins: string[]) => async () => parseLinkShow((await ctx.run([bpftoolPath(ctx), '-j', ...pins, 'link', 'show'])).stdout);
  const run = () => table(linkPins, ctx).list(show([]), show(['-f']));
  return shared ? singleFlight(ctx, 'links', run) : run();
}
