// `bpftool -j map dump` -> MapEntry[]: the BTF-formatted key/value when bpftool gives them ("formatted" in 7.x),
// else the raw hex bytes. Per-CPU maps carry "values": [{cpu, value}] instead of "value".
import type { MapEntry } from '../../protocol/agent';
import { parseJsonArray, strings } from './bpftoolJson';

export function parseMapDump(stdout: string): MapEntry[] {
  return parseJsonArray(stdout).map((e) => {
    const formatted = e.formatted as { key?: unknown; value?: unknown; values?: unknown } | undefined;
    const keyHex = strings(e.key);
    const valueHex = strings(e.value);
    const entry: MapEntry = {
      key: formatted ? formatted.key : e.key,
      value: formatted ? (formatted.value ?? formatted.values) : (e.value ?? e.values),
    };
    if (keyHex.length) entry.keyHex = keyHex;
    if (valueHex.length) entry.valueHex = valueHex;
    // BTF-formatted maps without hex (bpftool prints only "key"/"value" objects then)
    if (!formatted && !keyHex.length && e.key !== undefined) entry.key = e.key;
    return entry;
  });
}
