// bpf.listPrograms / listMaps / listLinks: rebuilt from bpftool JSON on every call (the kernel is the source of
// truth). `-f` makes bpftool report pin paths, which is how objects and attachments are matched to programs.
import type { BpfLink, BpfMap, BpfProgram } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { parseLinkShow } from '../parsers/linkShow';
import { parseMapShow } from '../parsers/mapShow';
import { parseProgShow } from '../parsers/progShow';

export async function listPrograms(ctx: AgentContext): Promise<BpfProgram[]> {
  const r = await ctx.run([bpftoolPath(ctx), '-j', '-f', 'prog', 'show']);
  return parseProgShow(r.stdout);
}

export async function listMaps(ctx: AgentContext): Promise<BpfMap[]> {
  const r = await ctx.run([bpftoolPath(ctx), '-j', '-f', 'map', 'show']);
  return parseMapShow(r.stdout);
}

export async function listLinks(ctx: AgentContext): Promise<BpfLink[]> {
  const r = await ctx.run([bpftoolPath(ctx), '-j', '-f', 'link', 'show']);
  return parseLinkShow(r.stdout);
}
