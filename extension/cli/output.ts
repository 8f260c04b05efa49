// Human output: tables with aligned columns and "Key: value" blocks; and the --json form (one JSON document,
// pretty-printed, so scripts and people can both read it).
import type { CliIo } from './io';

export type Cell = string | number | boolean | undefined | null;

/** Columns padded to their widest cell; numbers right-aligned; empty cells shown as "-". */
export function table(headers: string[], rows: Cell[][], opts: { indent?: string } = {}): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const numeric = headers.map(
    (_, i) =>
      rows.some((r) => typeof r[i] === 'number') && rows.every((r) => typeof r[i] === 'number' || r[i] === undefined || r[i] === null),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    (opts.indent ?? '') +
    cells
      .map((c, i) => (i === cells.length - 1 && !numeric[i] ? c : numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), ...text.map(line)].join('\n') + '\n';
}

/** "Key:   value" lines with the values aligned (like `readelf -h`). */
export function keyValues(pairs: [string, Cell][], opts: { indent?: string; width?: number } = {}): string {
  const width = opts.width ?? Math.max(...pairs.map(([k]) => k.length + 1)) + 1;
  return pairs.map(([k, v]) => `${opts.indent ?? ''}${`${k}:`.padEnd(width)}${cellText(v)}`).join('\n') + '\n';
}

export function printJson(io: CliIo, value: unknown): void {
  io.out(
    JSON.stringify(
      value,
      (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
      2,
    ) + '\n',
  );
}

function cellText(c: Cell): string {
  if (c === undefined || c === null || c === '') return '-';
  if (typeof c === 'boolean') return c ? 'yes' : 'no';
  return String(c);
}
