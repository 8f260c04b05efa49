// Several bpftool listings in one bpftool process (`bpftool -j batch file -`, commands on stdin). With 1,000
// programs most of a tree refresh was process start-up, not listing: the agent forks once per tool run, and its
// event loop waits until the child has exec'd (0.7 ms at best, a median of 6 ms at load 9: docs/design.md).
// bpftool answers a JSON batch with one [{command, output}] array; it stops at the first command that fails (whose
// output is then {error}), so each command's result is its own: a list (an object for `show pinned PATH`), or an
// Error for that command alone; a command that got no answer has a NoAnswer (the caller runs it on its own).
import { bpftoolPath, type AgentContext } from '../core/context';
import { asArray } from '../parsers/bpftoolJson';

export type BatchResult = unknown[] | Record<string, unknown> | Error;

/** A command bpftool did not run (an earlier one failed, or the batch printed no JSON): ask it again. */
export class NoAnswer extends Error {}

/** `commands`: argument lists without the global options (e.g. ['prog', 'show']); `options` go before `batch`. */
export async function bpftoolBatch(ctx: AgentContext, commands: string[][], options: string[] = []): Promise<BatchResult[]> {
  for (const c of commands) {
    // a batch line is split on whitespace by bpftool: an argument must not carry any (ours never do)
    if (c.some((a) => a === '' || /[\s"'\\#]/.test(a)))
      throw new Error(`bpftool batch: argument not safe in a batch line: ${JSON.stringify(c)}`);
  }
  const r = await ctx.run([bpftoolPath(ctx), '-j', ...options, 'batch', 'file', '-'], {
    input: commands.map((c) => c.join(' ')).join('\n') + '\n',
    allowFailure: true,
  });
  return batchOutputs(r.stdout, commands.length, r.stderr);
}

/** Splits a JSON batch's stdout into one result per command (exported for the unit tier). */
export function batchOutputs(stdout: string, count: number, stderr = ''): BatchResult[] {
  let entries: Record<string, unknown>[] = [];
  try {
    entries = asArray(JSON.parse(stdout.trim() || '[]'));
  } catch (e) {
    const why = new NoAnswer(`bpftool batch printed no JSON: ${(e as Error).message}${stderr ? ` (${stderr.trim().slice(0, 200)})` : ''}`);
    return Array.from({ length: count }, () => why);
  }
  return Array.from({ length: count }, (_, i) => {
    const out = entries[i]?.output;
    // a failure is {error} or, from some commands (cgroup tree), [{error}]
    const failed = Array.isArray(out) ? (out.length === 1 ? errorOf(out[0]) : undefined) : errorOf(out);
    if (failed !== undefined) return new Error(failed);
    if (Array.isArray(out)) return out;
    if (out && typeof out === 'object') return out as Record<string, unknown>;
    return new NoAnswer(`bpftool batch gave no answer for command ${i + 1}`);
  });
}

function errorOf(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  const e = (v as { error?: unknown }).error;
  return keys.length === 1 && typeof e === 'string' ? e : undefined;
}
