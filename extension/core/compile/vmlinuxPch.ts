// A precompiled vmlinux.h. The header is about 3 MB of C (every type of the kernel), and parsing it is most of a BPF
// program's compile: 0.7 s of 0.75 s for xdp_pass_count on a 2-core VM, 0.23 s with the header precompiled, with a
// byte-identical object. So after a compile that parsed it, clang precompiles it once, in the background, beside
// the cached header, and later compiles of a program that starts with `#include "vmlinux.h"` use it.
//
// Safety, since a PCH is only valid under the conditions it was built with:
// - It is used only when the source's first directive is the include of vmlinux.h: whatever comes before that
//   include (a #define BPF_NO_PRESERVE_ACCESS_INDEX, say) would change what the header means.
// - Its name holds a digest of the clang binary (path, size, mtime) and of every argument that shapes the
//   translation (target, -O, -g, -D, extra flags): another clang or other flags make another PCH.
// - clang itself refuses a PCH whose header changed since; any compile that fails with the PCH and says so is run
//   again without it, and the PCH is removed.
// - clang writes its output to a temporary file and renames it, so a reader never sees half a PCH; a marker file
//   keeps two builds of the same PCH from running at once.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, existsSync, statSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';

/**
 * Arguments that name this compile's input, outputs and include directories, not how it translates: left out of
 * the PCH's key and build. vmlinux.h includes nothing, so include directories (a temporary one per verdict-capture
 * build, say) cannot change it.
 */
const PER_COMPILE_WITH_VALUE = new Set(['-c', '-o', '-MF', '-MT', '-MQ', '-I', '-idirafter', '-isystem', '-iquote']);
const PER_COMPILE_FLAGS = new Set(['-MD', '-MMD', '-MP']);
/** A build that left its marker this long ago died: its marker no longer blocks a new build. */
const STALE_BUILD_MS = 120_000;

/** The translation flags of a compile (argv without source, output and dependency-file arguments). */
export function translationArgs(args: readonly string[], source: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (PER_COMPILE_WITH_VALUE.has(args[i])) i++;
    else if (!PER_COMPILE_FLAGS.has(args[i]) && args[i] !== source) out.push(args[i]);
  }
  return out;
}

/** The PCH file for vmlinux.h in `vmlinuxDir` under these flags and this clang, or undefined if clang is not found. */
export function pchPath(vmlinuxDir: string, clang: string, flags: readonly string[]): string | undefined {
  const bin = resolveCommand(clang);
  if (!bin) return undefined;
  const st = statSync(bin);
  const key = createHash('sha256')
    .update(JSON.stringify([bin, st.size, st.mtimeMs, flags]))
    .digest('hex')
    .slice(0, 16);
  return join(vmlinuxDir, `vmlinux-${key}.pch`);
}

/** True when the first preprocessor directive of the C text is `#include "vmlinux.h"` (or <vmlinux.h>). */
export function startsWithVmlinuxInclude(text: string): boolean {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
  for (const line of code.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    return /^#\s*include\s*[<"]vmlinux\.h[>"]$/.test(t);
  }
  return false;
}

export async function sourceStartsWithVmlinux(source: string): Promise<boolean> {
  // The include is at the top; 64 KB is more than any licence header and comment block before it.
  const fh = await open(source, constants.O_RDONLY);
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return startsWithVmlinuxInclude(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}

export async function pchReady(pch: string): Promise<boolean> {
  return (await stat(pch).catch(() => undefined))?.isFile() ?? false;
}

/** clang's words when a PCH cannot be used (built by another clang, header changed, flags differ). */
export function isPchRefusal(stderr: string): boolean {
  return /precompiled header|PCH file|AST file/i.test(stderr);
}

export async function removePch(pch: string): Promise<void> {
  await rm(pch, { force: true });
}

/**
 * Starts precompiling `vmlinuxDir`/vmlinux.h into `pch` in the background, unless a build is already running. The
 * clang process is detached and unreferenced: a short-lived CLI exits without waiting, and clang's rename makes the
 * PCH appear whole. Resolves once the build was started (or found running), never with an error.
 */
export async function startPchBuild(clang: string, flags: readonly string[], vmlinuxDir: string, pch: string): Promise<void> {
  const marker = `${pch}.building`;
  try {
    const fh = await open(marker, 'wx').catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
      const age = Date.now() - ((await stat(marker).catch(() => undefined))?.mtimeMs ?? 0);
      if (age < STALE_BUILD_MS) return undefined;
      await rm(marker, { force: true });
      return open(marker, 'wx');
    });
    if (!fh) return;
    await fh.close();
    const header = join(vmlinuxDir, 'vmlinux.h');
    if (
      !(await readFile(header).then(
        () => true,
        () => false,
      ))
    )
      return void (await rm(marker, { force: true }));
    const child = spawn(clang, [...flags, '-x', 'c-header', header, '-o', pch], { detached: true, stdio: 'ignore' });
    child.on('error', () => void rm(marker, { force: true }));
    child.on('exit', () => void rm(marker, { force: true }));
    child.unref();
  } catch {
    // A PCH is an optimisation: failing to start one changes nothing but speed.
  }
}

function resolveCommand(cmd: string): string | undefined {
  if (cmd.includes('/')) return existsSync(cmd) ? resolve(cmd) : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}
