// `bpftool -j prog dump xlated ... linum` -> XlatedInsn[] with the instruction's pc (a 64-bit immediate load,
// opcode 0x18, takes two slots) and its source line when BTF line info says.
import type { XlatedInsn } from '../../protocol/agent';
import { num, parseJsonArray, str } from './bpftoolJson';

export function parseXlated(stdout: string): XlatedInsn[] {
  let pc = 0;
  return parseJsonArray(stdout).map((i) => {
    const disasm = str(i.disasm) ?? '';
    const insn: XlatedInsn = { pc, disasm };
    const src = str(i.src);
    if (src) insn.src = src;
    if (str(i.file)) insn.file = str(i.file);
    if (num(i.line_num) !== undefined) insn.line = num(i.line_num);
    if (num(i.line_col) !== undefined) insn.col = num(i.line_col);
    pc += disasm.startsWith('(18)') ? 2 : 1;
    return insn;
  });
}
