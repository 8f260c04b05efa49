// What is loaded under /sys/fs/bpf/ebpf-netdebug/NAME, read back from bpffs and bpftool (never from memory).
import { existsSync, readdirSync } from 'node:fs';
import type { LoadedObject } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { notFound } from '../core/errors';
import { isReservedName, objectDir, objectMapsDir, PIN_ROOT } from '../core/paths';
import { bpftoolBatch, NoAnswer } from '../listings/batch';
import { listMaps, listPrograms } from '../listings/bpf';
import { parseMapShow } from '../parsers/mapShow';
import { parseProgShow } from '../parsers/progShow';
import type { BpfMap, BpfProgram } from '../../protocol/types';
import { readRecord } from './store';

/** Pin files directly in DIR (programs) and in DIR/maps (maps); nothing when DIR vanished meanwhile. */
function pinsOf(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

export function loadedObjectNames(): string[] {
  let entries;
  try {
    entries = readdirSync(PIN_ROOT, { withFileTypes: true });
  } catch {
    return [];
  }
  // An object dir holds program pins (files) or a maps/ dir; other tools' dirs under our root (the packet path
  // tracer's, for one) hold neither and are not objects.
  return entries
    .filter((e) => e.isDirectory() && /^[A-Za-z0-9_-]{1,64}$/.test(e.name) && !isReservedName(e.name))
    .map((e) => e.name)
    .filter((f) => existsSync(objectMapsDir(f)) || pinsOf(objectDir(f)).length > 0)
    .sort();
}

export function describeWith(ctx: AgentContext, name: string, progs: BpfProgram[], maps: BpfMap[]): LoadedObject {
  const dir = objectDir(name);
  const rec = readRecord(ctx.stateDir, name);
  const byPin = new Map<string, BpfProgram>();
  for (const p of progs) for (const pin of p.pinned) byPin.set(pin, p);
  const mapByPin = new Map<string, BpfMap>();
  for (const m of maps) for (const pin of m.pinned) mapByPin.set(pin, m);
  return {
    name,
    dir,
    programs: pinsOf(dir).map((f) => {
      const pin = `${dir}/${f}`;
      const prog = byPin.get(pin);
      const section = rec?.programs.find((x) => x.name === f)?.section ?? '';
      return { name: f, id: prog?.id ?? -1, type: prog?.type ?? 'unknown', section, pin };
    }),
    maps: pinsOf(objectMapsDir(name)).map((f) => {
      const pin = `${objectMapsDir(name)}/${f}`;
      const m = mapByPin.get(pin);
      return { name: f, id: m?.id ?? -1, type: m?.type ?? 'unknown', pin };
    }),
  };
}

/**
 * One object, asked of bpftool by its own pins (`prog show pinned PIN`, `map show pinned PIN`) rather than through
 * the host-wide listings: on a host with thousands of programs those take seconds, and this runs on every load (the
 * edit-to-attached path) and unload. All pins in one bpftool process (listings/batch.ts): a process start costs
 * more than the question. A pin the batch did not answer is asked alone; one bpftool cannot show is left out of
 * the maps and shows as id -1, as in describeWith.
 */
export async function describeObject(ctx: AgentContext, name: string): Promise<LoadedObject> {
  const dir = objectDir(name);
  if (!existsSync(dir)) throw notFound('name', `no object "${name}" is loaded (nothing at ${dir})`);
  const mapsDir = objectMapsDir(name);
  const asked = [
    ...pinsOf(dir).map((f) => ({ what: 'prog' as const, pin: `${dir}/${f}` })),
    ...pinsOf(mapsDir).map((f) => ({ what: 'map' as const, pin: `${mapsDir}/${f}` })),
  ];
  if (!asked.length) return describeWith(ctx, name, [], []);
  const answers = await bpftoolBatch(
    ctx,
    asked.map((q) => [q.what, 'show', 'pinned', q.pin]),
  ).catch((e: unknown) => asked.map(() => new NoAnswer(String(e))));
  const shown = await Promise.all(
    asked.map(async (q, i) => {
      let one: unknown = answers[i];
      if (one instanceof NoAnswer) one = await showAlone(ctx, q.what, q.pin);
      // One object, not a list; tied to its pin here (bpftool -f would walk all of bpffs to say it).
      if (!one || typeof one !== 'object' || Array.isArray(one) || one instanceof Error) return '';
      return JSON.stringify([{ ...one, pinned: [q.pin] }]);
    }),
  );
  const progs = asked.flatMap((q, i) => (q.what === 'prog' ? parseProgShow(shown[i]) : []));
  const maps = asked.flatMap((q, i) => (q.what === 'map' ? parseMapShow(shown[i]) : []));
  return describeWith(ctx, name, progs, maps);
}

async function showAlone(ctx: AgentContext, what: 'prog' | 'map', pin: string): Promise<unknown> {
  const r = await ctx.run([bpftoolPath(ctx), '-j', what, 'show', 'pinned', pin], { allowFailure: true });
  if (r.exitCode !== 0) return undefined;
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    return undefined;
  }
}

export async function listObjects(ctx: AgentContext): Promise<LoadedObject[]> {
  const names = loadedObjectNames();
  if (!names.length) return [];
  const [progs, maps] = await Promise.all([listPrograms(ctx), listMaps(ctx)]);
  return names.map((n) => describeWith(ctx, n, progs, maps));
}
