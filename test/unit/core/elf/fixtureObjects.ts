// Real BPF objects for the ELF tests: every object the build made (dist/bpf/*.o) plus the fixtures beside these
// tests, compiled here with the real clang so the tests read what clang really emits.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');
const fixtures = join(__dirname, 'fixtures');

/** Compiles test/unit/core/elf/fixtures/NAME.bpf.c; returns the object path and a cleanup. */
export function compileFixture(name: string, extraArgs: string[] = []): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'end-elf-'));
  const out = join(dir, `${name}.o`);
  execFileSync('clang', [
    '-O2',
    '-g',
    '-target',
    'bpf',
    '-I',
    `/usr/include/${multiarch()}`,
    ...extraArgs,
    '-c',
    join(fixtures, `${name}.bpf.c`),
    '-o',
    out,
  ]);
  return { path: out, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The objects `node scripts/build.mjs` produces (built here first when a fresh checkout has none yet). */
export function builtObjects(): string[] {
  const dir = join(root, 'dist', 'bpf');
  const shipped = existsSync(join(root, 'bpf')) ? readdirSync(join(root, 'bpf')).filter((f) => f.endsWith('.bpf.c')) : [];
  const missing = shipped.some((f) => !existsSync(join(dir, f.replace(/\.bpf\.c$/, '.o'))));
  if (missing) execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'ignore' });
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.o'))
    .map((f) => join(dir, f));
}

function multiarch(): string {
  try {
    return execFileSync('gcc', ['-print-multiarch']).toString().trim() || `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  } catch {
    return `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  }
}
