// What a test run changed in a program's maps: both dumps keyed by the key's bytes, an entry per key whose value
// differs, with `delta` = after - before for every number in the value. Per-CPU values (bpftool's
// [{cpu, value}, ...]) are summed over the CPUs first: a test run happens on whichever CPU the runner is on, and
// the user asks "by how much did the counter move", not "on which CPU".
import type { MapChange, MapEntry } from '../../protocol/agent';

export interface DumpedMap {
  id: number;
  name: string;
  type: string;
  entries: MapEntry[];
}

export function diffMaps(before: DumpedMap[], after: DumpedMap[]): MapChange[] {
  const changes: MapChange[] = [];
  for (const a of after) {
    const b = before.find((m) => m.id === a.id);
    if (!b) continue;
    const old = new Map(b.entries.map((e) => [keyOf(e), e]));
    const seen = new Set<string>();
    for (const e of a.entries) {
      const k = keyOf(e);
      seen.add(k);
      const prev = old.get(k);
      const afterValue = sumPerCpu(e.value);
      const beforeValue = prev ? sumPerCpu(prev.value) : null;
      if (prev && JSON.stringify(afterValue) === JSON.stringify(beforeValue)) continue;
      changes.push(change(a, e, beforeValue, afterValue));
    }
    for (const [k, e] of old) if (!seen.has(k)) changes.push(change(a, e, sumPerCpu(e.value), null));
  }
  return changes;
}

function change(m: DumpedMap, e: MapEntry, before: unknown, after: unknown): MapChange {
  const c: MapChange = { map: { id: m.id, name: m.name, type: m.type }, key: e.key, before, after };
  if (e.keyHex) c.keyHex = e.keyHex;
  const d = numericDelta(before, after);
  if (d !== undefined) c.delta = d;
  return c;
}

function keyOf(e: MapEntry): string {
  return e.keyHex ? e.keyHex.join('') : JSON.stringify(e.key);
}

function isPerCpu(v: unknown): v is { cpu: number; value: unknown }[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === 'object' && 'cpu' in x && 'value' in x);
}

/** [{cpu, value}] -> the values added field by field (numbers summed, anything else taken from CPU 0). */
export function sumPerCpu(v: unknown): unknown {
  if (!isPerCpu(v)) return v;
  return v.map((x) => x.value).reduce((acc, x) => add(acc, x));
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.map((x, i) => add(x, b[i]));
  if (isRecord(a) && isRecord(b)) return Object.fromEntries(Object.entries(a).map(([k, x]) => [k, add(x, b[k])]));
  return a;
}

/** after - before for every number; undefined when there is nothing numeric to compare (or the shapes differ). */
export function numericDelta(before: unknown, after: unknown): unknown {
  if (typeof after === 'number') return typeof before === 'number' ? after - before : before === null ? after : undefined;
  if (Array.isArray(after)) {
    const b = Array.isArray(before) && before.length === after.length ? before : before === null ? after.map(() => null) : undefined;
    if (!b) return undefined;
    const d = after.map((x, i) => numericDelta(b[i], x));
    return d.some((x) => x !== undefined) ? d : undefined;
  }
  if (isRecord(after)) {
    const b = isRecord(before) ? before : before === null ? {} : undefined;
    if (!b) return undefined;
    const d = Object.fromEntries(
      Object.entries(after)
        .map(([k, x]) => [k, numericDelta(k in b ? b[k] : null, x)])
        .filter(([, x]) => x !== undefined),
    );
    return Object.keys(d).length ? d : undefined;
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
