// A prog.run result as people read it: the verdict, the time per run, each distinct output's differences from the
// input (decoded: "IPv4 ttl: 64 -> 17", "IPv4 header checksum: updated, still valid"), and the map changes as
// "drop_stats[0] packets +7". Shared by the CLI's `run` and the editor's result view.
import type { MapChange, ProgRunResult } from '../../../protocol/agent';
import type { RunReport } from '../../../protocol/webview';
import { decodePacket } from './decode';
import { diffPackets, hexToBytes } from './diff';

export type { RunReport } from '../../../protocol/webview';

export function runReport(inputHex: string, r: ProgRunResult): RunReport {
  const input = hexToBytes(inputHex);
  return {
    inputSummary: decodePacket(input).summary,
    outcomes: r.outputs.map((o) => {
      const d = diffPackets(input, hexToBytes(o.output));
      return { verdict: o.verdict, retval: o.retval, count: o.count, output: o.output, same: d.same, changes: d.lines };
    }),
    maps: r.mapChanges.map(mapChangeLine),
  };
}

function keyText(key: unknown): string {
  return typeof key === 'object' && key !== null ? JSON.stringify(key) : String(key);
}

export function mapChangeLine(c: MapChange): string {
  const where = `${c.map.name || `map ${c.map.id}`}[${keyText(c.key)}]`;
  if (c.before === null) return `${where} created: ${JSON.stringify(c.after)}`;
  if (c.after === null) return `${where} deleted (was ${JSON.stringify(c.before)})`;
  if (typeof c.delta === 'number') return `${where} ${signed(c.delta)}`;
  if (c.delta && typeof c.delta === 'object' && !Array.isArray(c.delta)) {
    const parts = flatten(c.delta as Record<string, unknown>)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${signed(v)}`);
    if (parts.length) return `${where} ${parts.join(', ')}`;
  }
  return `${where}: ${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`;
}

function flatten(o: Record<string, unknown>, prefix = ''): [string, number][] {
  return Object.entries(o).flatMap(([k, v]): [string, number][] =>
    typeof v === 'number'
      ? [[prefix + k, v]]
      : v && typeof v === 'object' && !Array.isArray(v)
        ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
        : [],
  );
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}
