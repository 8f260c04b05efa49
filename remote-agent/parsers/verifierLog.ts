// bpftool/libbpf's output of a refused program load -> VerifierRejection: which program, the failing instruction,
// the verifier's words, and the C source line from the nearest `; code @ file.c:LINE` annotation before the failing
// instruction (objects built with -g carry them). Pure; tested against real logs in test/fixtures/agent/.
import type { VerifierRejection } from '../../protocol/agent';

const BEGIN = '-- BEGIN PROG LOAD LOG --';
const END = '-- END PROG LOAD LOG --';
const INSN = /^(\d+): \([0-9a-f]{2}\) /;
const ANNOTATION = /^; (.*) @ ([^\s:]+):(\d+)$/;
/** Lines the verifier prints about itself, not about the failure. */
const BOOKKEEPING =
  /^(processed \d+ insns|verification time|stack depth|mark_precise|from \d+ to \d+:|\d+: R\d|\d+: \(|;|func#|last_idx|parent |regs=|Func#|Validating|stack=)/;

/** True when the output holds a verifier log (and not some other load failure such as a bad ELF). */
export function hasVerifierLog(output: string): boolean {
  return output.includes(BEGIN);
}

/** Strips libbpf's "libbpf: prog 'x': " prefix that 7.1 puts on every log line when printing through its logger. */
function logBody(output: string): { program?: string; lines: string[] } {
  const prog = /prog '([^']+)': (?:BPF program load failed|-- BEGIN PROG LOAD LOG)/.exec(output);
  const start = output.indexOf(BEGIN);
  const end = output.indexOf(END, start);
  const body = start >= 0 ? output.slice(output.indexOf('\n', start) + 1, end >= 0 ? end : undefined) : output;
  const lines = body.split('\n').map((l) => l.replace(/\r$/, ''));
  return { program: prog?.[1], lines };
}

export function parseVerifierLog(output: string): VerifierRejection {
  const { program, lines } = logBody(output);
  let lastInsn = -1;
  for (let i = 0; i < lines.length; i++) if (INSN.test(lines[i])) lastInsn = i;

  const messageLines: string[] = [];
  for (let i = lastInsn + 1; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    if (BOOKKEEPING.test(l)) {
      if (messageLines.length) break;
      continue;
    }
    messageLines.push(l);
  }

  const rejection: VerifierRejection = {
    message: messageLines.join('\n') || lastMeaningfulLine(output),
    log: lines.join('\n').trim(),
  };
  if (program) rejection.program = program;
  if (lastInsn >= 0) {
    // The instruction as printed, without the register-state comment the verifier appends after it.
    rejection.instruction = lines[lastInsn].replace(/\s{2,};.*$/, '').trim();
    for (let i = lastInsn - 1; i >= 0; i--) {
      const m = ANNOTATION.exec(lines[i].trim());
      if (m) {
        rejection.source = { file: m[2], line: Number(m[3]), code: m[1] };
        break;
      }
    }
  }
  return rejection;
}

function lastMeaningfulLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('libbpf:') && !l.startsWith('Error:'));
  return lines[lines.length - 1] ?? 'the verifier refused the program';
}
