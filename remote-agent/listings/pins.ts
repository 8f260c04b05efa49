// pins.list: everything under /sys/fs/bpf/ebpf-netdebug/, with the kind and id bpftool reports for each pin.
import { existsSync, readdirSync } from 'node:fs';
import type { PinEntry } from '../../protocol/types';
import type { AgentContext } from '../core/context';
import { PIN_ROOT } from '../core/paths';
import { listLinks, listMaps, listPrograms } from './bpf';

/** Every path under dir. Other processes pin and unpin while we walk: whatever vanishes meanwhile is skipped. */
function walk(dir: string, out: Map<string, boolean>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = `${dir}/${e.name}`;
    out.set(p, e.isDirectory());
    if (e.isDirectory()) walk(p, out);
  }
}

export async function pinsList(ctx: AgentContext): Promise<PinEntry[]> {
  if (!existsSync(PIN_ROOT)) return [];
  const paths = new Map<string, boolean>();
  walk(PIN_ROOT, paths);
  const [progs, maps, links] = await Promise.all([listPrograms(ctx, true), listMaps(ctx, true), listLinks(ctx, true).catch(() => [])]);
  const known = new Map<string, PinEntry>();
  for (const p of progs) for (const pin of p.pinned) known.set(pin, { path: pin, kind: 'prog', id: p.id });
  for (const m of maps) for (const pin of m.pinned) known.set(pin, { path: pin, kind: 'map', id: m.id });
  for (const l of links) for (const pin of l.pinned) known.set(pin, { path: pin, kind: 'link', id: l.id });
  return [...paths].map(([p, isDir]) => known.get(p) ?? { path: p, kind: isDir ? 'dir' : 'unknown' });
}
