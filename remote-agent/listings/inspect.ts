// map.dump (BTF-formatted when the map has BTF) and prog.dumpXlated with source lines (`linum`). map.dump reads
// bpftool's output as it comes and stops bpftool once `limit` entries (and one more, to know there are more) have
// arrived: the cost follows the limit, not the size of the map.
import { spawn } from 'node:child_process';
import type { MapDumpParams, MapEntry, XlatedInsn } from '../../protocol/agent';
import { bpftoolPath, type AgentContext } from '../core/context';
import { badArgument, toolMissing } from '../core/errors';
import { clipOutput, toolFailed } from '../core/runner';
import { requireObject } from '../core/validate';
import { resolveMap, resolveProgram } from '../objects/refs';
import { JsonArrayStream } from '../parsers/jsonArrayStream';
import { parseMapDump } from '../parsers/mapDump';
import { parseXlated } from '../parsers/xlated';

const DUMP_TIMEOUT_MS = 60_000;

/** The first `limit` + 1 elements of `argv`'s JSON array output (fewer when it has fewer), then the tool is stopped. */
export function firstJsonElements(argv: string[], limit: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const splitter = new JsonArrayStream();
    const elements: string[] = [];
    let stderr = '';
    let enough = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), DUMP_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (enough) return;
      elements.push(...splitter.push(chunk));
      if (elements.length > limit) {
        enough = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr = clipOutput(stderr + d.toString('utf8'))));
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' || e.code === 'EACCES' ? toolMissing(argv[0], `${argv[0]} was not found or is not executable`) : e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (enough || code === 0) return resolve(elements.slice(0, limit + 1));
      reject(
        toolFailed(
          { argv, exitCode: code, stdout: '', stderr: signal ? `${stderr}\n(stopped by ${signal})` : stderr },
          `${argv[0]} map dump`,
        ),
      );
    });
  });
}

export async function mapDump(ctx: AgentContext, raw: unknown): Promise<{ entries: MapEntry[]; truncated: boolean }> {
  const p = requireObject(raw, 'map.dump') as Partial<MapDumpParams>;
  const limit = p.limit ?? 10_000;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1_000_000)
    throw badArgument('limit', 'must be 1..1000000');
  const map = resolveMap(p.map);
  const elements = await firstJsonElements([bpftoolPath(ctx), '-j', 'map', 'dump', ...map.bpftoolArgs], limit);
  const entries = parseMapDump(`[${elements.join(',')}]`);
  return { entries: entries.slice(0, limit), truncated: entries.length > limit };
}

export async function progDumpXlated(ctx: AgentContext, raw: unknown): Promise<{ insns: XlatedInsn[] }> {
  const p = requireObject(raw, 'prog.dumpXlated');
  const prog = resolveProgram(p.program);
  const r = await ctx.run([bpftoolPath(ctx), '-j', 'prog', 'dump', 'xlated', ...prog.bpftoolArgs, 'linum']);
  return { insns: parseXlated(r.stdout) };
}
