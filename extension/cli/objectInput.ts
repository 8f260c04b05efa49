// The object an `attach` loads: a .o as given, or a .bpf.c compiled for the target host first; then the --set
// knobs patched into it. Keeps what is needed to map a verifier rejection back to the user's source.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { compileForHost, type TargetHost } from '../core/compile/compileForHost';
import { defaultBpfIncludeDir } from '../core/compile/clang';
import { formatDiagnostic } from '../core/compile/diagnostics';
import { readBpfObject, type BpfObjectInfo } from '../core/elf/bpfObject';
import { ElfFormatError } from '../core/elf/elfFile';
import { GlobalsError, setGlobals } from '../core/elf/globals';
import { CliError } from './cliError';
import type { CliIo } from './io';

export interface PreparedObject {
  bytes: Buffer;
  info: BpfObjectInfo;
  /** The C file the object came from, when we compiled it (for verifier locations). */
  source?: string;
  includeDirs: string[];
  /** A default object name: the file's base name and a hash of the final bytes (same bytes, same name). */
  defaultName: string;
}

export async function prepareObject(file: string, opts: { target: () => Promise<TargetHost>; set: Record<string, string>; io: CliIo; command: string }): Promise<PreparedObject> {
  let bytes: Buffer;
  let source: string | undefined;
  let includeDirs: string[] = [];
  if (file.endsWith('.c')) {
    source = resolve(file);
    const dir = await mkdtemp(join(tmpdir(), 'ebpf-netdebug-attach-'));
    try {
      const r = await compileForHost({ source, output: join(dir, 'prog.o'), host: await opts.target() });
      if (!r.ok) {
        for (const d of r.diagnostics) opts.io.out(`${formatDiagnostic(d)}\n`);
        const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
        throw new CliError(`${opts.command}: ${file} does not compile (${errors} error${errors === 1 ? '' : 's'})`, 1, r.stderr);
      }
      bytes = await readFile(r.output);
      includeDirs = [defaultBpfIncludeDir(), r.vmlinuxDir].filter((d): d is string => !!d);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } else {
    try {
      bytes = await readFile(file);
    } catch (e) {
      throw new CliError(`${opts.command}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  let info: BpfObjectInfo;
  try {
    info = readBpfObject(bytes);
  } catch (e) {
    if (e instanceof ElfFormatError) throw new CliError(`${opts.command}: ${file}: ${e.message}`);
    throw e;
  }
  if (!info.isBpf) throw new CliError(`${opts.command}: ${file} is not a BPF object (Machine: ${info.headerText.machine})`);
  if (Object.keys(opts.set).length) {
    try {
      bytes = Buffer.from(setGlobals(bytes, opts.set));
    } catch (e) {
      if (e instanceof GlobalsError) throw new CliError(`--set: ${e.message}`, 2);
      throw e;
    }
    info = readBpfObject(bytes);
  }
  const base = basename(file).replace(/(\.bpf)?\.(c|o)$/, '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 48) || 'object';
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
  return { bytes, info, source, includeDirs, defaultName: `${base}-${hash}` };
}
