// clang's diagnostics (`file:line:col: severity: message [-Wflag]`) as data, for the CLI's file:line:col lines,
// VS Code's Problems panel, and the task problem matcher. Notes stay separate diagnostics (clang attaches them to
// the error before, but they point at their own location, e.g. where a suggested name was declared).

export type Severity = 'error' | 'warning' | 'note';

export interface CompileDiagnostic {
  /** As clang printed it (absolute with -fdiagnostics-absolute-paths); undefined for driver errors. */
  file?: string;
  line?: number;
  col?: number;
  severity: Severity;
  message: string;
  /** The warning flag clang names, e.g. "-Wimplicit-function-declaration". */
  flag?: string;
  /** "In file included from X:N" chain, outermost first, when the location is inside a header. */
  includedFrom?: { file: string; line: number }[];
}

const located = /^(.+?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$/;
const unlocated = /^(?:clang(?:-\d+)?|<unknown>(?::\d+:\d+)?|error|warning):? ?(fatal error|error|warning|note)?:? (.*)$/;
const includeLine = /^(?:In file included from|\s+from) (.+?):(\d+)[:,]?$/;

export function parseClangDiagnostics(stderr: string): CompileDiagnostic[] {
  const out: CompileDiagnostic[] = [];
  let includes: { file: string; line: number }[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
    const inc = includeLine.exec(line);
    if (inc) {
      includes.push({ file: inc[1], line: Number(inc[2]) });
      continue;
    }
    const m = located.exec(line);
    if (m && m[1] !== '<unknown>') {
      const { message, flag } = splitFlag(m[5]);
      const d: CompileDiagnostic = { file: m[1], line: Number(m[2]), col: Number(m[3]), severity: severity(m[4]), message };
      if (flag) d.flag = flag;
      if (includes.length) d.includedFrom = includes;
      out.push(d);
      includes = [];
      continue;
    }
    // Driver and backend errors carry no usable location ("clang: error: no such file", "<unknown>:0:0: error:").
    if (/^(clang(-\d+)?: |<unknown>:\d+:\d+: |error: |warning: |fatal error: )/.test(line)) {
      const u = unlocated.exec(line);
      const sev = /(fatal error|error|warning|note):/.exec(line)?.[1] ?? u?.[1] ?? 'error';
      const text = line.replace(/^(clang(-\d+)?: |<unknown>:\d+:\d+: )/, '').replace(/^(fatal error|error|warning|note): /, '');
      const { message, flag } = splitFlag(text);
      const d: CompileDiagnostic = { severity: severity(sev), message };
      if (flag) d.flag = flag;
      out.push(d);
      includes = [];
    }
  }
  return out;
}

/** `file:line:col: severity: message`, the shape compilers and editors' problem matchers agree on. */
export function formatDiagnostic(d: CompileDiagnostic): string {
  const where = d.file ? `${d.file}:${d.line ?? 0}:${d.col ?? 0}: ` : '';
  return `${where}${d.severity}: ${d.message}${d.flag ? ` [${d.flag}]` : ''}`;
}

function severity(s: string): Severity {
  return s === 'warning' ? 'warning' : s === 'note' ? 'note' : 'error';
}

function splitFlag(text: string): { message: string; flag?: string } {
  const m = /^(.*) \[(-W[^\]]+)\]$/.exec(text);
  if (!m) return { message: text };
  // "-Werror,-Wimplicit-function-declaration": the second names the actual warning.
  const flags = m[2].split(',');
  return { message: m[1], flag: flags.find((f) => f !== '-Werror') ?? flags[0] };
}
