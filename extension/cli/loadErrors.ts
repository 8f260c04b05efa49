// A load the kernel refused, said the way a compiler would: the verifier's complaint at the user's C line
// (file:line:col: error: ..., for problem matchers) and the log around the failing instruction.
import { AgentError } from '../core/agentError';
import { AgentErrorCode } from '../../protocol/agent';
import { formatVerifierLog, verifierDiagnostic } from '../core/verifierLog';
import { CliError } from './cliError';
import type { CliIo } from './io';

/** How many log lines before the failing instruction the CLI shows (the whole log is in --verbose). */
const LOG_CONTEXT_LINES = 20;

export function explainLoadFailure(e: unknown, ctx: { command: string; source?: string; includeDirs: string[]; io: CliIo }): never {
  if (e instanceof AgentError && e.code === AgentErrorCode.VerifierRejected && e.data.verifier) {
    const v = e.data.verifier;
    const resolve = { compiledSource: ctx.source, includeDirs: ctx.includeDirs };
    const d = verifierDiagnostic(v, resolve);
    if (d) ctx.io.out(`${d.file}:${d.line}:1: error: ${d.message}\n`);
    ctx.io.out(`${formatVerifierLog(v, { ...resolve, contextLines: LOG_CONTEXT_LINES })}\n`);
    const where = d ? ` at ${d.file}:${d.line}` : '';
    throw new CliError(
      `${ctx.command}: verifier rejected program ${v.program ?? ''}${where}: ${v.message.split('\n')[0]}`.replace(
        'program  at',
        'program at',
      ),
      1,
      e.details(),
    );
  }
  throw e;
}
