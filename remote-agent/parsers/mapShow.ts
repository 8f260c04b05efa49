// `bpftool -j -f map show` -> BpfMap[].
import type { BpfMap } from '../../protocol/types';
import { bool, num, parseJsonArray, str, strings } from './bpftoolJson';

export function parseMapShow(stdout: string | unknown[]): BpfMap[] {
  return parseJsonArray(stdout).map((m) => ({
    id: num(m.id) ?? -1,
    type: str(m.type) ?? 'unknown',
    name: str(m.name) ?? '',
    flags: num(m.flags),
    keySize: num(m.bytes_key) ?? 0,
    valueSize: num(m.bytes_value) ?? 0,
    maxEntries: num(m.max_entries) ?? 0,
    bytesMemlock: num(m.bytes_memlock),
    btfId: num(m.btf_id),
    frozen: bool(m.frozen),
    pinned: strings(m.pinned),
  }));
}
