// The shipped BPF objects (dist/bpf/NAME.o, built by scripts/build.mjs from bpf/NAME.bpf.c), variants of them
// compiled with other knob values (-DKNOB=VALUE: every `const volatile` knob in bpf/ has such a default), and the
// agent tests' own fixtures (test/fixtures/agent/NAME.bpf.c).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './agentProcess';
import { runOk } from './run';

export const BPF_SOURCE_DIR = join(REPO_ROOT, 'bpf');
export const BPF_OBJECT_DIR = join(REPO_ROOT, 'dist', 'bpf');
/** The agent tests' fixtures: small programs (and prebuilt .o files) made to provoke one behaviour each. */
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'agent');

/** Path of dist/bpf/NAME.o; throws with the fix when it was not built. */
export function shippedObject(name: string): string {
  const path = join(BPF_OBJECT_DIR, `${name}.o`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/build.mjs\` first`);
  return path;
}

export interface Variant {
  path: string;
  dispose(): void;
}

/** Compiles bpf/NAME.bpf.c with the given -D knobs into a private temporary directory, the way build.mjs does. */
export async function compileVariant(name: string, defines: Record<string, string | number>): Promise<Variant> {
  for (const k of Object.keys(defines)) if (!/^[A-Z][A-Z0-9_]*$/.test(k)) throw new Error(`defines: "${k}" is not a knob macro name`);
  const dir = mkdtempSync(join(tmpdir(), 'end-bpf-'));
  const path = join(dir, `${name}.o`);
  try {
    await runOk([
      'clang',
      '-O2',
      '-g',
      '-target',
      'bpf',
      '-D__TARGET_ARCH_x86',
      ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`),
      '-I',
      join(BPF_SOURCE_DIR, 'include'),
      '-I',
      join(REPO_ROOT, '.cache', 'vmlinux'),
      '-c',
      join(BPF_SOURCE_DIR, `${name}.bpf.c`),
      '-o',
      path,
    ]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** clang -O2 -g -target bpf of test/fixtures/agent/NAME.bpf.c into outDir; returns the object's bytes. */
export function compileFixture(name: string, outDir: string): Buffer {
  const out = join(outDir, `${name}.o`);
  execFileSync('clang', [
    '-O2',
    '-g',
    '-target',
    'bpf',
    '-D__TARGET_ARCH_x86',
    '-I',
    join(BPF_SOURCE_DIR, 'include'),
    '-I',
    join(REPO_ROOT, '.cache', 'vmlinux'),
    '-c',
    join(FIXTURES, `${name}.bpf.c`),
    '-o',
    out,
  ]);
  return readFileSync(out);
}
