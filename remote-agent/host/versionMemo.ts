// What `TOOL --version` (bpftool -j version, bpftrace --version, clang --version) printed, kept in the agent's state
// directory across agent runs, per binary (path, size, mtime) and arguments. Every CLI command starts an agent, and
// spawning bpftool (once per candidate), bpftrace and clang for their versions was a large part of its start and
// first agent.hello on the edit-to-attached path. A binary replaced or upgraded has another size or mtime, so it
// is asked again. Only successful answers are kept; a missing or unwritable state directory just means no memo.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Runner } from '../core/runner';

const FILE = 'tool-versions.json';

type Memo = Record<string, string>;

function keyOf(argv: string[]): string | undefined {
  try {
    const st = statSync(argv[0]);
    return `${argv.join('\u0000')}\u0000${st.size}\u0000${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function read(stateDir: string): Memo {
  try {
    const m = JSON.parse(readFileSync(join(stateDir, FILE), 'utf8')) as unknown;
    return m && typeof m === 'object' && !Array.isArray(m) ? (m as Memo) : {};
  } catch {
    return {};
  }
}

function write(stateDir: string, memo: Memo): void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const tmp = join(stateDir, `${FILE}.${process.pid}`);
    writeFileSync(tmp, JSON.stringify(memo), { mode: 0o600 });
    renameSync(tmp, join(stateDir, FILE));
  } catch {
    /* no memo this time */
  }
}

/**
 * The output of a version command `argv`: from the memo when this binary answered it (exit 0) before, else run (and
 * remembered when it succeeded). null when it could not be run at all.
 */
export async function versionOutput(
  run: Runner,
  stateDir: string | undefined,
  argv: string[],
): Promise<{ ok: boolean; out: string } | null> {
  const key = stateDir ? keyOf(argv) : undefined;
  if (stateDir && key) {
    const hit = read(stateDir)[key];
    if (typeof hit === 'string') return { ok: true, out: hit };
  }
  const r = await run(argv, { allowFailure: true, timeoutMs: 10_000 }).catch(() => null);
  if (!r) return null;
  const out = r.stdout || r.stderr;
  if (r.exitCode === 0 && stateDir && key) {
    const memo = read(stateDir);
    // A memo that grew over many upgrades starts again; it is only a cache.
    write(stateDir, Object.keys(memo).length > 64 ? { [key]: out } : { ...memo, [key]: out });
  }
  return { ok: r.exitCode === 0, out };
}
