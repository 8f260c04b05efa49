// The object an attach loads: a .o as given, or a .bpf.c compiled for the target host first; then the `set` knobs
// patched into its globals. Named BASENAME-HASH after its final bytes, so the same bytes always get the same name
// and an object already loaded on the host is reused (with its maps) instead of replaced. Keeps what is needed to
// map a verifier rejection back to the user's source.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { compileForHost, type TargetHost } from '../compile/compileForHost';
import { defaultBpfIncludeDir } from '../compile/clang';
import type { CompileDiagnostic } from '../compile/diagnostics';
import { readBpfObject, type BpfObjectInfo } from '../elf/bpfObject';
import { ElfFormatError } from '../elf/elfFile';
import { GlobalsError, setGlobals } from '../elf/globals';
import { AttachError } from './attachError';

export interface PreparedObject {
  bytes: Buffer;
  info: BpfObjectInfo;
  /** The C file the object came from, when we compiled it (for verifier locations). */
  source?: string;
  includeDirs: string[];
  /** The file's base name and a hash of the final bytes (same bytes, same name). */
  defaultName: string;
}

/** What a compile produced: the object's bytes and the include folders it used (for verifier locations). */
export interface CompiledObject {
  bytes: Buffer;
  includeDirs: string[];
}

/**
 * Compiles a .bpf.c for `target`. The default runs clang here (core/compile/compileForHost.ts); the editor passes
 * its build task instead, so clang's errors land in Problems.
 */
export type CompileHook = (source: string, target: TargetHost) => Promise<CompiledObject>;

export interface PrepareOptions {
  target: () => Promise<TargetHost>;
  set?: Record<string, string>;
  /** The command's words for error messages ("attach xdp", "Attach XDP to eth0"). */
  command: string;
  compile?: CompileHook;
  /** clang's diagnostics when the default compile fails (the CLI prints them the way clang does). */
  onDiagnostics?: (d: CompileDiagnostic[]) => void;
}

export async function prepareObject(file: string, opts: PrepareOptions): Promise<PreparedObject> {
  let bytes: Buffer;
  let source: string | undefined;
  let includeDirs: string[] = [];
  if (file.endsWith('.c')) {
    source = resolve(file);
    const compiled = await (opts.compile ?? compileHere(opts))(source, await opts.target());
    bytes = compiled.bytes;
    includeDirs = compiled.includeDirs;
  } else {
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new AttachError(
        `${opts.command}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
      );
    }
  }
  return finishObject(file, bytes, { source, includeDirs, set: opts.set ?? {}, command: opts.command });
}

function compileHere(opts: PrepareOptions): CompileHook {
  return async (source, target) => {
    const dir = await mkdtemp(join(tmpdir(), 'ebpf-netdebug-attach-'));
    try {
      const r = await compileForHost({ source, output: join(dir, 'prog.o'), host: target });
      if (!r.ok) {
        opts.onDiagnostics?.(r.diagnostics);
        const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
        throw new AttachError(`${opts.command}: ${basename(source)} does not compile (${errors} error${errors === 1 ? '' : 's'})`, {
          details: r.stderr,
          compile: true,
        });
      }
      return { bytes: await readFile(r.output), includeDirs: [defaultBpfIncludeDir(), r.vmlinuxDir].filter((d): d is string => !!d) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/** Checks the bytes are a BPF object, patches the knobs, and names it BASENAME-HASH. */
export function finishObject(
  file: string,
  original: Buffer,
  o: { source?: string; includeDirs: string[]; set: Record<string, string>; command: string },
): PreparedObject {
  let bytes = original;
  let info: BpfObjectInfo;
  try {
    info = readBpfObject(bytes);
  } catch (e) {
    if (e instanceof ElfFormatError) throw new AttachError(`${o.command}: ${file}: ${e.message}`);
    throw e;
  }
  if (!info.isBpf) throw new AttachError(`${o.command}: ${file} is not a BPF object (Machine: ${info.headerText.machine})`);
  if (Object.keys(o.set).length) {
    try {
      bytes = Buffer.from(setGlobals(bytes, o.set));
    } catch (e) {
      if (e instanceof GlobalsError) throw new AttachError(`--set: ${e.message}`, { usage: true });
      throw e;
    }
    info = readBpfObject(bytes);
  }
  return { bytes, info, source: o.source, includeDirs: o.includeDirs, defaultName: objectNameOf(file, bytes) };
}

/** BASENAME-HASH: [A-Za-z0-9_-], at most 59 characters, a pin directory name the agent accepts. */
export function objectNameOf(file: string, bytes: Buffer): string {
  const base =
    basename(file)
      .replace(/(\.bpf)?\.(c|o)$/, '')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 48) || 'object';
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
  return `${base}-${hash}`;
}
