// bpf.listPrograms / listMaps / listLinks: rebuilt from bpftool JSON on every call (the kernel is the source of
// truth). Pin paths (bpftool -f) tie programs and maps to objects; pinTable.ts avoids re-walking an unchanged bpffs.
import type { BpfLink, BpfMap, BpfProgram } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { parseLinkShow } from '../parsers/linkShow';
import { parseMapShow } from '../parsers/mapShow';
import { parseProgShow } from '../parsers/progShow';
import { PinTable } from './pinTable';

const progPins = new WeakMap<AgentContext, PinTable>();
const mapPins = new WeakMap<AgentContext, PinTable>();
function table(tables: WeakMap<AgentContext, PinTable>, ctx: AgentContext): PinTable {
  let t = tables.get(ctx);
  if (!t) tables.set(ctx, (t = new PinTable()));
  return t;
}

export async function listPrograms(ctx: AgentContext): Promise<BpfProgram[]> {
  const show = (pins: string[]) => async () => parseProgShow((await ctx.run([bpftoolPath(ctx), '-j', ...pins, 'prog', 'show'])).stdout);
  return table(progPins, ctx).list(show([]), show(['-f']));
}

export async function listMaps(ctx: AgentContext): Promise<BpfMap[]> {
  const show = (pins: string[]) => async () => parseMapShow((await ctx.run([bpftoolPath(ctx), '-j', ...pins, 'map', 'show'])).stdout);
  return table(mapPins, ctx).list(show([]), show(['-f']));
}

export async function listLinks(ctx: AgentContext): Promise<BpfLink[]> {
  const r = await ctx.run([bpftoolPath(ctx), '-j', '-f', 'link', 'show']);
  return parseLinkShow(r.stdout);
}
