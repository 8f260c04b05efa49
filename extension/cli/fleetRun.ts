// A single-host command run on every host of a fleet: each host's run gets its own `--host` and its own captured
// output, at most --parallel at once (core/fleet/bounded.ts). Text output comes grouped by host (`== NAME ==`
// blocks, in the order the hosts were given); --json prints one JSON object per line, each with a `host` field.
// A host that fails does not stop the others; the summary on stderr names each failure and why, and the exit
// status is 1 when any host failed.
import { forEachHost, type HostResult } from '../core/fleet/bounded';
import type { FleetHost } from '../core/fleet/inventory';
import type { CliContext, CliIo } from './io';

export type Command = (argv: string[], ctx: CliContext) => Promise<number>;
export type DescribeFailure = (e: unknown) => { line: string; code: number };

export interface HostRun {
  code: number;
  out: string;
  err: string;
}

export function captureIo(): CliIo & { outText: () => string; errText: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    outText: () => out,
    errText: () => err,
  };
}

/** Runs `command` with `argv` + `--host SPEC` on each host; never throws for one host. */
export async function runOnHosts(
  command: Command,
  argv: string[],
  hosts: FleetHost[],
  ctx: CliContext,
  bounds: { concurrency?: number; staggerMs?: number },
  describe: DescribeFailure,
): Promise<HostResult<HostRun>[]> {
  return forEachHost(
    hosts.map((h) => h.name),
    bounds,
    async (_name, i) => {
      const io = captureIo();
      try {
        const code = await command([...argv, '--host', hosts[i].spec], { ...ctx, io });
        return { code, out: io.outText(), err: io.errText() };
      } catch (e) {
        const f = describe(e);
        // A failed host is a failure with its reason: rethrown so the result says so.
        throw Object.assign(new Error(f.line), { exitCode: f.code, partialOut: io.outText() });
      }
    },
  );
}

/** The key a JSON array result goes under in the per-host line (`list programs` -> "programs"). */
function arrayKey(commandName: string, argv: string[]): string {
  return commandName === 'list' && argv[0] && !argv[0].startsWith('-') ? argv[0] : 'items';
}

/** Several JSON documents (pretty-printed, or one per line) in a command's output -> values. */
export function parseJsonDocuments(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return docs;
}

export function failedResult(r: HostResult<HostRun>): string | undefined {
  if (!r.ok) return r.error.message;
  if (r.value.code !== 0) return r.value.err.trim().split('\n').pop() || `exit status ${r.value.code}`;
  return undefined;
}

/** Prints the grouped (or JSON-lines) output and the summary; returns the exit status. */
export function printFleetResults(commandName: string, argv: string[], results: HostResult<HostRun>[], io: CliIo, json: boolean): number {
  for (const r of results) {
    const failure = failedResult(r);
    if (json) {
      if (r.ok) {
        for (const doc of parseJsonDocuments(r.value.out)) {
          const body = Array.isArray(doc) ? { [arrayKey(commandName, argv)]: doc } : (doc as Record<string, unknown>);
          // `host` is the fleet's name for it; a command's own `host` (what it connected to) stays as `spec`.
          const spec = typeof body.host === 'string' && body.host !== r.host ? { spec: body.host } : {};
          io.out(`${JSON.stringify({ ...body, host: r.host, ...spec })}\n`);
        }
      }
      if (failure) io.out(`${JSON.stringify({ host: r.host, ok: false, error: failure })}\n`);
      continue;
    }
    io.out(`== ${r.host}${failure ? ' (FAILED)' : ''} ==\n`);
    const text = r.ok ? r.value.out : ((r.error as Error & { partialOut?: string }).partialOut ?? '');
    if (text) io.out(text.endsWith('\n') ? text : `${text}\n`);
    if (r.ok && r.value.err) io.out(r.value.err.replace(/^/gm, '  ').replace(/ +$/, ''));
    if (failure) io.out(`  failed: ${failure}\n`);
    io.out('\n');
  }
  return printSummary(
    results.map((r) => ({ host: r.host, failure: failedResult(r) })),
    io,
  );
}

/** `3 hosts: 2 ok, 1 failed` and one line per failure, on stderr; returns the exit status (1 when any failed). */
export function printSummary(items: { host: string; failure?: string }[], io: CliIo): number {
  const failed = items.filter((i) => i.failure);
  io.err(`${items.length} host${items.length === 1 ? '' : 's'}: ${items.length - failed.length} ok, ${failed.length} failed\n`);
  for (const f of failed) io.err(`  ${f.host}: ${f.failure}\n`);
  return failed.length ? 1 : 0;
}
