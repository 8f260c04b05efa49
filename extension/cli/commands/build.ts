// `ebpf-netdebug build FILE.bpf.c [-o OUT.o] [--host H] [-D NAME=VALUE]...`: compiles for this machine, or for
// --host (its vmlinux.h and architecture). Diagnostics print as `file:line:col: severity: message` on stdout, the
// shape editors' problem matchers read; a failed build ends with one line on stderr and exit 1.
import { compileForHost, localTarget } from '../../core/compile/compileForHost';
import { formatDiagnostic } from '../../core/compile/diagnostics';
import { commonOptions, exactlyOne, hostOptions, parseAssignments, parseCommand } from '../args';
import { CliError, usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { printJson } from '../output';
import { sessionTarget } from '../../core/compile/sessionTarget';

export async function buildCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('build', argv, {
    ...commonOptions,
    ...hostOptions,
    output: { type: 'string', short: 'o' },
    define: { type: 'string', short: 'D', multiple: true },
    include: { type: 'string', short: 'I', multiple: true },
  });
  const source = exactlyOne('build', 'a .bpf.c file', positionals);
  if (!source.endsWith('.c')) throw usageError(`build: ${source} is not a C source file (expected FILE.bpf.c)`);
  const defines = parseAssignments('--define', values.define);
  const host = values.host ?? ctx.env.EBPF_NETDEBUG_HOST;
  const compile = (target = localTarget()) =>
    compileForHost({
      source,
      output: values.output,
      host: target,
      defines,
      includeDirs: values.include,
    });
  const r = host && host !== 'local' ? await withSession(ctx, host, (s) => compile(sessionTarget(s))) : await compile();
  if (values.json) {
    printJson(ctx.io, { ok: r.ok, output: r.ok ? r.output : undefined, diagnostics: r.diagnostics });
  } else {
    for (const d of r.diagnostics) ctx.io.out(`${formatDiagnostic(d)}\n`);
    if (r.ok) ctx.io.out(`built ${r.output}\n`);
  }
  if (!r.ok) {
    const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
    throw new CliError(`build failed: ${errors || 'clang reported'} error${errors === 1 ? '' : 's'} in ${source}`, 1, r.stderr);
  }
  return 0;
}
