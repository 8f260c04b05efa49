// Compiled objects by content, so the editor can compile a .bpf.c when it is saved and the attach that follows finds
// the object ready (the edit-to-attached path: bench/editor-edit-to-attached.bench.ts). The key is a hash of the
// source's bytes and of everything else that decides the object (target kernel and architecture, clang, include
// folders, extra flags); an entry also records the files clang read (its -MD dependency list) with their size and
// mtime, and counts only while none of them changed, so an edited header compiles again. A compile for a key already
// running is joined, not started twice. In memory only: one editor window's saves and attaches.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileForHost, type CompileForHostOptions } from './compileForHost';
import type { CompileResult } from './clang';

/** A finished compile: clang's result, and the object's bytes when it succeeded. */
export interface CachedCompile {
  result: CompileResult & { vmlinuxDir?: string };
  bytes?: Buffer;
}

interface Entry {
  done: Promise<CachedCompile>;
  /** Files clang read, with what they were then; filled once the compile finished. */
  deps?: { path: string; size: number; mtimeMs: number }[];
}

const MAX_ENTRIES = 64;
const entries = new Map<string, Entry>();

/** The cache key of a compile: the source's bytes and every option that changes the object (never the output path). */
export async function compileKey(opts: CompileForHostOptions): Promise<string> {
  const { host, output: _output, ...rest } = opts;
  const h = createHash('sha256');
  h.update(await readFile(opts.source));
  h.update(JSON.stringify({ ...rest, kernelRelease: host.kernelRelease, arch: host.arch }));
  return h.digest('hex');
}

async function unchanged(deps: Entry['deps']): Promise<boolean> {
  if (!deps) return true; // still compiling: joining it is right, it reads what is there now
  for (const d of deps) {
    const st = await stat(d.path).catch(() => undefined);
    if (!st || st.size !== d.size || st.mtimeMs !== d.mtimeMs) return false;
  }
  return true;
}

/**
 * The compile of `opts` (its output path ignored: the object comes back as bytes): from the cache when the same
 * source and options were compiled and no file it read changed since, joined when it is running, else run now.
 */
export async function compileCached(opts: CompileForHostOptions): Promise<CachedCompile> {
  const key = await compileKey(opts);
  const hit = entries.get(key);
  if (hit && (await unchanged(hit.deps))) {
    // Most recently used last, so the oldest goes first when the cache is full.
    entries.delete(key);
    entries.set(key, hit);
    return hit.done;
  }
  const entry = {} as Entry;
  entry.done = run(opts, (deps) => (entry.deps = deps));
  entries.set(key, entry);
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  // A compile that threw (clang missing, no vmlinux.h) is not kept: the next attempt says it again.
  entry.done.catch(() => entries.get(key) === entry && entries.delete(key));
  return entry.done;
}

/** The cached result of `opts` if it is there (finished or running) and still valid; never compiles. */
export async function peekCompiled(opts: CompileForHostOptions): Promise<CachedCompile | undefined> {
  const hit = entries.get(await compileKey(opts).catch(() => ''));
  return hit && (await unchanged(hit.deps)) ? hit.done.catch(() => undefined) : undefined;
}

async function run(opts: CompileForHostOptions, setDeps: (d: Entry['deps']) => void): Promise<CachedCompile> {
  const dir = await mkdtemp(join(tmpdir(), 'ebpf-netdebug-objcache-'));
  try {
    const depFile = join(dir, 'prog.d');
    const output = join(dir, 'prog.o');
    const result = await compileForHost({ ...opts, output, extraArgs: [...(opts.extraArgs ?? []), '-MD', '-MF', depFile] });
    // The result as the caller asked for it: its argv and output without our dependency flags and scratch file.
    const shown = { ...result, argv: withoutDepFlags(result.argv, depFile), output: opts.output ?? result.output };
    if (!result.ok) {
      setDeps(await depsOf(depFile, opts.source));
      return { result: shown };
    }
    const bytes = await readFile(output);
    setDeps(await depsOf(depFile, opts.source));
    return { result: shown, bytes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function withoutDepFlags(argv: string[], depFile: string): string[] {
  const i = argv.indexOf(depFile);
  return i >= 2 && argv[i - 1] === '-MF' && argv[i - 2] === '-MD' ? [...argv.slice(0, i - 2), ...argv.slice(i + 1)] : argv;
}

/** The files a make-style dependency file lists (the source itself included), with their size and mtime now. */
async function depsOf(depFile: string, source: string): Promise<Entry['deps']> {
  const text = await readFile(depFile, 'utf8').catch(() => '');
  const body = text.slice(text.indexOf(':') + 1).replace(/\\\n/g, ' ');
  // Make escapes spaces in names as "\ "; split on the others.
  const paths = body
    .split(/(?<!\\)\s+/)
    .map((p) => p.replace(/\\ /g, ' '))
    .filter(Boolean);
  const all = [...new Set([source, ...paths])];
  const deps: NonNullable<Entry['deps']> = [];
  for (const path of all) {
    const st = await stat(path).catch(() => undefined);
    // A file that vanished makes the entry invalid at once (size -1 never matches).
    deps.push({ path, size: st ? st.size : -1, mtimeMs: st ? st.mtimeMs : -1 });
  }
  return deps;
}

/** For tests: forget everything. */
export function clearObjectCache(): void {
  entries.clear();
}
