// The instrumented variant of a user's XDP or tc program, as C source (docs/verdict-capture.md). The user's entry
// function loses its SEC(...) and becomes `static __attribute__((noinline)) int end_user_NAME(...)`, an ordinary
// subprogram in .text, with every other character of the file left where it was: line numbers do not move, and a
// `#line 1 "FILE"` on top makes clang's diagnostics, BTF line info and the verifier's `; code @ file:LINE`
// annotations name the user's file. After the user's last line, bpf/include/netdebug_capture.h adds an entry of the
// same section and name that calls it and reports each packet's verdict and bytes.

export type CaptureKind = 'xdp' | 'tc';

export class InstrumentError extends Error {
  override readonly name = 'InstrumentError';
}

export interface InstrumentOptions {
  /** The C source text. */
  source: string;
  /** Absolute path of the source, for #line (diagnostics and BTF line info point there). */
  path: string;
  /** The entry function (the program's name in the object). */
  program: string;
  /** Its ELF section in the plain object, e.g. "xdp", "tc", "xdp.frags", checked against the source; default: the source's. */
  section?: string;
  kind: CaptureKind;
}

/** Prefix of the user's entry once it is a subprogram. */
export const INNER_PREFIX = 'end_user_';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Comments become spaces and string/char literals keep only their quotes, at the same length (newlines kept): a
 * copy to search in where a commented-out definition or a string that looks like code does not count.
 */
export function blankCommentsAndStrings(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, (m) => {
    if (m[0] === '/') return m.replace(/[^\n]/g, ' ');
    return m[0] + ' '.repeat(m.length - 2) + m[m.length - 1];
  });
}

/** The C text of the instrumented variant. Throws InstrumentError when the entry cannot be found exactly once. */
export function instrumentSource(o: InstrumentOptions): string {
  if (!IDENT.test(o.program)) throw new InstrumentError(`"${o.program}" is not a C function name`);
  if (o.section !== undefined && /["\\\n]/.test(o.section))
    throw new InstrumentError(`section "${o.section}" cannot be written back as a C string`);
  // SEC("...") [qualifiers, return type] NAME ( : searched on a copy whose comments and strings are blanked (so a
  // commented-out definition does not count), then read and rewritten at the same offsets of the original.
  const blank = blankCommentsAndStrings(o.source);
  const hits: { start: number; end: number; between: string; paren: string }[] = [];
  // The blanked copy turned "xdp" into "   ": any blanked string matches; the section is checked on the original.
  const blankRe = new RegExp(`\\bSEC\\s*\\(\\s*"\\s*"\\s*\\)([\\w\\s*]*?)\\b${escapeRegExp(o.program)}(\\s*\\()`, 'g');
  for (let m = blankRe.exec(blank); m; m = blankRe.exec(blank)) {
    hits.push({ start: m.index, end: m.index + m[0].length, between: m[1], paren: m[2] });
  }
  if (hits.length === 0) {
    throw new InstrumentError(
      `cannot find the definition of ${o.program} (SEC("${o.section ?? '...'}") ... ${o.program}(...)) in ${o.path}`,
    );
  }
  if (hits.length > 1) throw new InstrumentError(`${o.program} is defined ${hits.length} times with SEC(...) in ${o.path}`);
  const h = hits[0];
  const original = o.source.slice(h.start, h.end);
  const secText = /^SEC\s*\(\s*"((?:\\.|[^"\\])*)"\s*\)/.exec(original);
  if (!secText) throw new InstrumentError(`cannot read the SEC(...) of ${o.program} in ${o.path}`);
  const section = secText[1];
  if (o.section !== undefined && section !== o.section) {
    throw new InstrumentError(
      `${o.program} is in section "${secText[1]}" in ${o.path}, but in "${o.section}" in the object: is the object built from this file?`,
    );
  }
  const declStart = h.start + secText[0].length;
  const nameStart = h.end - h.paren.length - o.program.length;
  const replaced =
    'static __attribute__((noinline))' +
    o.source.slice(declStart, nameStart) + // return type and anything between, unchanged (same lines)
    INNER_PREFIX +
    o.program +
    o.source.slice(nameStart + o.program.length, h.end);
  const body = o.source.slice(0, h.start) + replaced + o.source.slice(h.end);
  const macro = o.kind === 'xdp' ? 'NETDEBUG_CAPTURE_XDP' : 'NETDEBUG_CAPTURE_TC';
  return [
    `#line 1 "${cString(o.path)}"`,
    body.endsWith('\n') ? body.slice(0, -1) : body,
    // From here on, errors are ours: they must not be reported on a line of the user's file.
    '#line 1 "<ebpf-netdebug verdict capture>"',
    '#include "netdebug_capture.h"',
    `${macro}("${section}", ${o.program}, ${INNER_PREFIX}${o.program})`,
    '',
  ].join('\n');
}

function cString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
