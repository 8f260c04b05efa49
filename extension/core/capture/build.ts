// Compiles the instrumented variant of a .bpf.c for a host: the source rewritten by instrument.ts into a temporary
// file, compiled like the plain program (same flags, same vmlinux.h) with the source's own directory first on the
// include path, so its local headers are found as they were. Diagnostics name the user's file (#line).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { compileForHost, type TargetHost } from '../compile/compileForHost';
import type { CompileDiagnostic } from '../compile/diagnostics';
import { setGlobals } from '../elf/globals';
import { instrumentSource, type CaptureKind } from './instrument';

export interface InstrumentedBuild {
  ok: boolean;
  bytes?: Buffer;
  diagnostics: CompileDiagnostic[];
  stderr: string;
}

export interface BuildInstrumentedOptions {
  source: string;
  program: string;
  kind: CaptureKind;
  host: TargetHost;
  /** The --set knobs the plain program was built with (the reused .rodata carries them anyway; kept equal). */
  set?: Record<string, string>;
}

export async function buildInstrumented(o: BuildInstrumentedOptions & { section?: string }): Promise<InstrumentedBuild> {
  const path = resolve(o.source);
  const text = instrumentSource({ source: await readFile(path, 'utf8'), path, program: o.program, section: o.section, kind: o.kind });
  const dir = await mkdtemp(join(tmpdir(), 'ebpf-netdebug-vcap-'));
  try {
    const src = join(dir, 'instrumented.bpf.c');
    await writeFile(src, text);
    const r = await compileForHost({ source: src, output: join(dir, 'instrumented.o'), host: o.host, includeDirs: [dirname(path)] });
    if (!r.ok) return { ok: false, diagnostics: r.diagnostics, stderr: r.stderr };
    let bytes = await readFile(r.output);
    if (o.set && Object.keys(o.set).length) bytes = Buffer.from(setGlobals(bytes, o.set));
    return { ok: true, bytes, diagnostics: r.diagnostics, stderr: r.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
