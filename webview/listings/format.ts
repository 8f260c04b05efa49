// How listing cells read: sizes, times and map keys/values in the words a bpftool user expects.
import type { MapEntry } from '../../protocol/agent';

export function loadedAt(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  return new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export const bytes = (n: number | undefined) => (n === undefined ? '' : `${n.toLocaleString('en-US')} B`);

const isHexBytes = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string' && /^0x[0-9a-f]{2}$/.test(x));

/** BTF-formatted data the way a C programmer reads it: `packets=3 bytes=270`, nested structs in braces. */
function readable(v: unknown): string {
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) {
    // Per-CPU maps: [{cpu, value}] -> one group per CPU.
    if (v.every((x) => x && typeof x === 'object' && 'cpu' in x && 'value' in x)) {
      return (v as { cpu: number; value: unknown }[]).map((c) => `cpu${c.cpu}: ${readable(c.value)}`).join(' | ');
    }
    return `[${v.map(readable).join(', ')}]`;
  }
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => (x && typeof x === 'object' && !Array.isArray(x) ? `${k}={${readable(x)}}` : `${k}=${readable(x)}`))
    .join(' ');
}

/** A BTF-formatted key or value; the raw hex bytes when the map has no BTF. */
export function formatValue(formatted: unknown, hex?: string[]): string {
  if (formatted !== undefined && !isHexBytes(formatted)) return readable(formatted);
  const raw = hex ?? (formatted as string[] | undefined) ?? [];
  return raw.map((b) => b.replace(/^0x/, '')).join(' ');
}

export const entryKey = (e: MapEntry) => formatValue(e.key, e.keyHex);
export const entryValue = (e: MapEntry) => formatValue(e.value, e.valueHex);

/** Average run time per run, when BPF stats are on. */
export function avgRunNs(runTimeNs?: number, runCnt?: number): number | undefined {
  if (runTimeNs === undefined || !runCnt) return undefined;
  return Math.round(runTimeNs / runCnt);
}
