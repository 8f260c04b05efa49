// Compiling a .bpf.c for a target host: clang -O2 -g -target bpf -D__TARGET_ARCH_<arch>, with the shipped headers
// (bpf/include) and the host's vmlinux.h on the include path. -g is not optional: BTF (maps, globals, CO-RE) and
// the verifier's source annotations come from it. Diagnostics come back parsed, whether or not clang succeeded.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseClangDiagnostics, type CompileDiagnostic } from './diagnostics';
import { isPchRefusal, pchPath, pchReady, removePch, sourceStartsWithVmlinux, startPchBuild, translationArgs } from './vmlinuxPch';

export interface CompileOptions {
  /** The .bpf.c file. */
  source: string;
  /** Default: the source with .bpf.c (or .c) replaced by .o, next to it. */
  output?: string;
  /** The target's architecture as `uname -m` or node's process.arch says it; default this machine's. */
  arch?: string;
  /** Directory of vmlinux.h (see vmlinux.ts); omitted for programs that include only uapi headers. */
  vmlinuxDir?: string;
  /** The libbpf headers' directory (holding bpf/bpf_helpers.h); default the shipped dist/include. */
  libbpfIncludeDir?: string;
  /** More -I directories, searched before the shipped bpf/include. */
  includeDirs?: string[];
  /** -D NAME=VALUE. */
  defines?: Record<string, string | number>;
  /** Extra clang arguments (e.g. -mcpu=v3, -Wall). */
  extraArgs?: string[];
  /** The clang to run; default $CLANG or `clang` from PATH. */
  clang?: string;
  /** The shipped headers; default found next to the running bundle or in the repo. */
  bpfIncludeDir?: string;
  /** Use (and build) a precompiled vmlinux.h (vmlinuxPch.ts); default true. */
  precompiledHeader?: boolean;
}

export interface CompileResult {
  ok: boolean;
  output: string;
  diagnostics: CompileDiagnostic[];
  /** clang's stderr as printed, for a log. */
  stderr: string;
  argv: string[];
}

export class ClangMissingError extends Error {
  override readonly name = 'ClangMissingError';
  constructor(readonly clang: string) {
    super(
      `clang not found (tried "${clang}"): BPF programs are compiled with clang -target bpf; install it ` +
        '(Debian/Ubuntu: apt-get install clang llvm; Fedora: dnf install clang llvm; macOS: brew install llvm) ' +
        'or point $CLANG / the ebpfNetDebug.clangPath setting at it',
    );
  }
}

/** Linux's names for __TARGET_ARCH_* (libbpf's bpf_tracing.h), from `uname -m` or process.arch spellings. */
export function targetArch(arch: string): string {
  const table: Record<string, string> = {
    x86_64: 'x86',
    x64: 'x86',
    amd64: 'x86',
    i686: 'x86',
    i386: 'x86',
    ia32: 'x86',
    aarch64: 'arm64',
    arm64: 'arm64',
    armv7l: 'arm',
    armv6l: 'arm',
    arm: 'arm',
    s390x: 's390',
    s390: 's390',
    ppc64le: 'powerpc',
    ppc64: 'powerpc',
    ppc: 'powerpc',
    riscv64: 'riscv',
    loongarch64: 'loongarch',
    loong64: 'loongarch',
    mips: 'mips',
    mips64: 'mips',
    mipsel: 'mips',
    sparc64: 'sparc',
  };
  const t = table[arch];
  if (!t) throw new Error(`unknown target architecture "${arch}" (expected e.g. x86_64, aarch64, s390x, ppc64le, riscv64)`);
  return t;
}

/** bpf/include shipped with the tool: next to dist/ when bundled, or in the repository when run from source. */
export function defaultBpfIncludeDir(): string | undefined {
  const candidates = [
    join(__dirname, '..', 'bpf', 'include'),
    join(__dirname, '..', '..', '..', 'bpf', 'include'),
    join(__dirname, 'bpf', 'include'),
  ];
  return candidates.find((d) => existsSync(d));
}

/**
 * The pinned libbpf headers shipped with the tool (dist/include/bpf/*.h, scripts/build-libbpf-headers.sh): beside
 * the bundle, or the repository's dist/ when run from source. They come before the system's, so a client needs no
 * libbpf-dev and every client compiles against the same version.
 */
export function defaultLibbpfIncludeDir(): string | undefined {
  const candidates = [join(__dirname, 'include'), join(__dirname, '..', '..', '..', 'dist', 'include')];
  return candidates.find((d) => existsSync(join(d, 'bpf', 'bpf_helpers.h')));
}

export function defaultOutputPath(source: string): string {
  return source.replace(/(\.bpf)?\.c$/, '') + '.o';
}

export async function compileBpf(opts: CompileOptions): Promise<CompileResult> {
  if (!/\.c$/.test(opts.source)) throw new Error(`source must be a C file (.bpf.c or .c), got ${opts.source}`);
  const source = isAbsolute(opts.source) ? opts.source : resolve(opts.source);
  if (!existsSync(source)) throw new Error(`source file not found: ${opts.source}`);
  const output = resolve(opts.output ?? defaultOutputPath(source));
  await mkdir(dirname(output), { recursive: true });
  const arch = targetArch(opts.arch ?? process.arch);
  const clang = opts.clang ?? process.env.CLANG ?? 'clang';
  const bpfInclude = opts.bpfIncludeDir ?? defaultBpfIncludeDir();
  const libbpfInclude = opts.libbpfIncludeDir ?? defaultLibbpfIncludeDir();
  const translation = [
    '-O2',
    '-g',
    '-target',
    'bpf',
    `-D__TARGET_ARCH_${arch}`,
    // Absolute paths and no colour: the diagnostics are parsed and shown as clickable locations.
    '-fdiagnostics-absolute-paths',
    '-fno-color-diagnostics',
    ...(opts.includeDirs ?? []).flatMap((d) => ['-I', d]),
    ...(bpfInclude ? ['-I', bpfInclude] : []),
    ...(libbpfInclude ? ['-I', libbpfInclude] : []),
    ...(opts.vmlinuxDir ? ['-I', opts.vmlinuxDir] : []),
    // -target bpf drops the multiarch include directory, so <linux/bpf.h> cannot find <asm/types.h>; put it last.
    ...multiarchInclude(),
    ...Object.entries(opts.defines ?? {}).map(([k, v]) => `-D${k}=${v}`),
    ...(opts.extraArgs ?? []),
  ];
  const args = [...translation, '-c', source, '-o', output];
  // The PCH is keyed and built by the flags that shape the translation (not the dependency-file arguments).
  const flags = translationArgs(translation, source);
  const pch = await usablePch(opts, clang, flags, source);
  if (pch?.ready) {
    const withPch = ['-include-pch', pch.path, ...args];
    const r = await run(clang, withPch);
    if (r.code === 0 || !isPchRefusal(r.stderr)) return result(r, clang, withPch, output);
    // Another clang, a changed header: this PCH is no good. The compile goes on without it, as it would have.
    await removePch(pch.path);
  }
  const r = await run(clang, args);
  if (r.code === 0 && pch) await startPchBuild(clang, flags, opts.vmlinuxDir ?? '', pch.path);
  return result(r, clang, args, output);
}

function result(r: { code: number; stderr: string }, clang: string, args: string[], output: string): CompileResult {
  return { ok: r.code === 0, output, diagnostics: parseClangDiagnostics(r.stderr), stderr: r.stderr, argv: [clang, ...args] };
}

/** The precompiled vmlinux.h this compile may use (vmlinuxPch.ts), and whether it is built yet. */
async function usablePch(opts: CompileOptions, clang: string, flags: string[], source: string) {
  if (!opts.vmlinuxDir || opts.precompiledHeader === false || process.env.EBPF_NETDEBUG_NO_PCH === '1') return undefined;
  if (!(await sourceStartsWithVmlinux(source).catch(() => false))) return undefined;
  const path = pchPath(opts.vmlinuxDir, clang, flags);
  return path ? { path, ready: await pchReady(path) } : undefined;
}

function multiarchInclude(): string[] {
  const triple = {
    x64: 'x86_64-linux-gnu',
    arm64: 'aarch64-linux-gnu',
    s390x: 's390x-linux-gnu',
    ppc64: 'powerpc64le-linux-gnu',
    riscv64: 'riscv64-linux-gnu',
  }[process.arch as string];
  const dir = triple ? `/usr/include/${triple}` : undefined;
  return dir && existsSync(join(dir, 'asm')) ? ['-idirafter', dir] : [];
}

function run(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, _stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new ClangMissingError(cmd));
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolvePromise({ code, stderr });
    });
  });
}
