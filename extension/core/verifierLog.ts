// From a verifier rejection (the agent parses bpftool's log into protocol's VerifierRejection) to what a user
// needs: the C line it is about, in the file they edit, and the log with the failing instruction marked.
// The log names only a basename ("@ xdp_broken.bpf.c:17"), so the file is resolved against the source that was
// compiled and the include directories that compile used.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { VerifierRejection } from '../../protocol/agent';

export interface VerifierDiagnostic {
  /** Absolute path when resolved; otherwise the name as the log gave it. */
  file: string;
  resolved: boolean;
  /** 1-based. */
  line: number;
  severity: 'error';
  /** The verifier's words, with the failing instruction. */
  message: string;
  /** The C code the log quotes for that line. */
  code?: string;
}

export interface ResolveContext {
  /** The .bpf.c that was compiled into the refused object. */
  compiledSource?: string;
  /** The -I directories of that compile (bpf/include, vmlinux dir, user's). */
  includeDirs?: string[];
  /** Test seam for file lookups. */
  exists?: (path: string) => boolean;
}

/** The source location of a rejection, or undefined when the log carries none (object built without -g). */
export function verifierDiagnostic(rej: VerifierRejection, ctx: ResolveContext = {}): VerifierDiagnostic | undefined {
  if (!rej.source) return undefined;
  const { file, resolved } = resolveSourceFile(rej.source.file, ctx);
  const message = rej.instruction ? `${rej.message.split('\n')[0]} (at insn ${rej.instruction})` : rej.message.split('\n')[0];
  return { file, resolved, line: rej.source.line, severity: 'error', message, code: rej.source.code };
}

export function resolveSourceFile(name: string, ctx: ResolveContext): { file: string; resolved: boolean } {
  const exists = ctx.exists ?? existsSync;
  const base = basename(name);
  if (ctx.compiledSource && basename(ctx.compiledSource) === base) return { file: ctx.compiledSource, resolved: true };
  // A line inside a header: look where the compiler did, in its order (source dir first, like #include "...").
  const dirs = [...(ctx.compiledSource ? [dirname(ctx.compiledSource)] : []), ...(ctx.includeDirs ?? [])];
  for (const d of dirs) {
    const p = join(d, name);
    if (exists(p)) return { file: p, resolved: true };
  }
  return { file: name, resolved: false };
}

export interface FormatOptions {
  /** Show at most this many log lines before the failure (default: all). */
  contextLines?: number;
  /** Marker for the failing instruction and message lines (default "> "); others get the same width of spaces. */
  marker?: string;
}

/**
 * The log as text with the failing instruction, the verifier's message after it, and the source annotation they
 * belong to marked; the first line says what failed and where.
 */
export function formatVerifierLog(rej: VerifierRejection, ctx: ResolveContext & FormatOptions = {}): string {
  const marker = ctx.marker ?? '> ';
  const pad = ' '.repeat(marker.length);
  const lines = rej.log.split('\n');
  const failing = findFailingInstruction(lines, rej.instruction);
  const marked = new Set<number>();
  if (failing >= 0) {
    marked.add(failing);
    for (let i = failing + 1; i < lines.length && !/^processed \d+ insns/.test(lines[i]) && !/^\d+: /.test(lines[i]); i++) {
      if (lines[i].trim()) marked.add(i);
    }
    for (let i = failing - 1; i >= 0; i--) {
      if (/^; .* @ \S+:\d+$/.test(lines[i])) {
        marked.add(i);
        break;
      }
    }
  }
  let from = 0;
  if (ctx.contextLines !== undefined && failing >= 0) from = Math.max(0, failing - ctx.contextLines);
  const body = lines.slice(from).map((l, k) => (marked.has(from + k) ? marker : pad) + l);
  if (from > 0) body.unshift(`${pad}... ${from} earlier line${from === 1 ? '' : 's'} of the log omitted`);
  const d = verifierDiagnostic(rej, ctx);
  const head = `verifier rejected${rej.program ? ` program ${rej.program}` : ''}${d ? ` at ${d.file}:${d.line}` : ''}: ${rej.message.split('\n')[0]}`;
  return [head, ...body].join('\n').trimEnd();
}

/** Index of the failing instruction line: the one the rejection names, else the last instruction in the log. */
function findFailingInstruction(lines: string[], instruction: string | undefined): number {
  let last = -1;
  for (let i = 0; i < lines.length; i++) {
    if (instruction && lines[i].trim().startsWith(instruction)) last = i;
  }
  if (last >= 0) return last;
  for (let i = 0; i < lines.length; i++) if (/^\d+: \([0-9a-f]{2}\) /.test(lines[i])) last = i;
  return last;
}
