// `bpftool -j -f link show` -> BpfLink[]. Type-specific fields (7.5 prints "tracepoint", "cookie", tcx's
// "devname"...) stay in `details` unchanged so nothing bpftool says is lost.
import type { BpfLink } from '../../protocol/types';
import { num, parseJsonArray, str, strings } from './bpftoolJson';

export function parseLinkShow(stdout: string | unknown[]): BpfLink[] {
  return parseJsonArray(stdout).map((l) => {
    const { id, type, prog_id, pinned, ...details } = l;
    return { id: num(id) ?? -1, type: str(type) ?? 'unknown', progId: num(prog_id) ?? -1, pinned: strings(pinned), details };
  });
}
