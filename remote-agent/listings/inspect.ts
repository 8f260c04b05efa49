// map.dump (BTF-formatted when the map has BTF) and prog.dumpXlated with source lines (`linum`).
import type { MapDumpParams, MapEntry, XlatedInsn } from '../../protocol/agent';
import { bpftoolPath, type AgentContext } from '../core/context';
import { badArgument } from '../core/errors';
import { requireObject } from '../core/validate';
import { resolveMap, resolveProgram } from '../objects/refs';
import { parseMapDump } from '../parsers/mapDump';
import { parseXlated } from '../parsers/xlated';

export async function mapDump(ctx: AgentContext, raw: unknown): Promise<{ entries: MapEntry[]; truncated: boolean }> {
  const p = requireObject(raw, 'map.dump') as Partial<MapDumpParams>;
  const limit = p.limit ?? 10_000;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1_000_000) throw badArgument('limit', 'must be 1..1000000');
  const map = resolveMap(p.map);
  const r = await ctx.run([bpftoolPath(ctx), '-j', 'map', 'dump', ...map.bpftoolArgs], { timeoutMs: 60_000 });
  const entries = parseMapDump(r.stdout);
  return { entries: entries.slice(0, limit), truncated: entries.length > limit };
}

export async function progDumpXlated(ctx: AgentContext, raw: unknown): Promise<{ insns: XlatedInsn[] }> {
  const p = requireObject(raw, 'prog.dumpXlated');
  const prog = resolveProgram(p.program);
  const r = await ctx.run([bpftoolPath(ctx), '-j', 'prog', 'dump', 'xlated', ...prog.bpftoolArgs, 'linum']);
  return { insns: parseXlated(r.stdout) };
}
