// Small helpers to read bpftool's JSON defensively: field sets differ between bpftool 7.1 and 7.5 and between
// program/map/link types, so every reader tolerates missing fields instead of trusting one shape.
export type Json = Record<string, unknown>;

export function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === 'object') as Json[]) : [];
}
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return undefined;
}
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
export function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}
/**
 * Parses bpftool's stdout; an empty output (some versions print nothing for "no objects") is an empty list. Also
 * takes a command's output already parsed (one entry of a `bpftool batch`, listings/batch.ts).
 */
export function parseJsonArray(stdout: string | unknown[]): Json[] {
  if (typeof stdout !== 'string') return asArray(stdout);
  const t = stdout.trim();
  if (!t) return [];
  return asArray(JSON.parse(t));
}
