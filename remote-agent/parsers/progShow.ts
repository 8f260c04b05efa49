// `bpftool -j -f prog show` (7.1 and 7.5 shapes; 7.5 adds "orphaned") -> BpfProgram[].
import type { BpfProgram } from '../../protocol/types';
import { bool, num, numbers, parseJsonArray, str, strings } from './bpftoolJson';

export function parseProgShow(stdout: string | unknown[]): BpfProgram[] {
  return parseJsonArray(stdout).map((p) => {
    const prog: BpfProgram = {
      id: num(p.id) ?? -1,
      type: str(p.type) ?? 'unknown',
      name: str(p.name) ?? '',
      tag: str(p.tag) ?? '',
      gplCompatible: bool(p.gpl_compatible),
      loadedAt: num(p.loaded_at),
      uid: num(p.uid),
      bytesXlated: num(p.bytes_xlated),
      jited: bool(p.jited),
      bytesJited: num(p.bytes_jited),
      bytesMemlock: num(p.bytes_memlock),
      mapIds: numbers(p.map_ids),
      btfId: num(p.btf_id),
      pinned: strings(p.pinned),
    };
    if (num(p.run_time_ns) !== undefined) prog.runTimeNs = num(p.run_time_ns);
    if (num(p.run_cnt) !== undefined) prog.runCnt = num(p.run_cnt);
    if (p.orphaned !== undefined) prog.orphaned = bool(p.orphaned);
    return prog;
  });
}
