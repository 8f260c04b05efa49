// pins.list: everything under /sys/fs/bpf/ebpf-netdebug/, with the kind and id bpftool reports for each pin.
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { PinEntry } from '../../protocol/types';
import type { AgentContext } from '../core/context';
import { PIN_ROOT } from '../core/paths';
import { listLinks, listMaps, listPrograms } from './bpf';

function walk(dir: string, out: string[]): void {
  for (const f of readdirSync(dir).sort()) {
    const p = `${dir}/${f}`;
    out.push(p);
    if (statSync(p).isDirectory()) walk(p, out);
  }
}

export async function pinsList(ctx: AgentContext): Promise<PinEntry[]> {
  if (!existsSync(PIN_ROOT)) return [];
  const paths: string[] = [];
  walk(PIN_ROOT, paths);
  const [progs, maps, links] = await Promise.all([listPrograms(ctx), listMaps(ctx), listLinks(ctx).catch(() => [])]);
  const known = new Map<string, PinEntry>();
  for (const p of progs) for (const pin of p.pinned) known.set(pin, { path: pin, kind: 'prog', id: p.id });
  for (const m of maps) for (const pin of m.pinned) known.set(pin, { path: pin, kind: 'map', id: m.id });
  for (const l of links) for (const pin of l.pinned) known.set(pin, { path: pin, kind: 'link', id: l.id });
  return paths.map((p) => known.get(p) ?? { path: p, kind: statSync(p).isDirectory() ? 'dir' : 'unknown' });
}
