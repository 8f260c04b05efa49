// Small VS Code-free rules of the BPF build (unit-tested): which files are BPF C, the object name the agent pins
// an object under, and the flags clangd needs for the same files. The compile itself is the engine's
// (extension/core/compile/).
import { basename } from 'node:path';
import { targetArch } from '../../core/compile/clang';

export function isBpfSource(path: string): boolean {
  return /\.bpf\.c$/.test(path);
}

/** The name an object is loaded under on the host: [A-Za-z0-9_-]{1,64} from the file name. */
export function objectNameFor(file: string): string {
  const base = basename(file)
    .replace(/\.bpf\.c$|\.bpf\.o$|\.o$/, '')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 64);
  return base || 'object';
}

/** The flags clangd needs for BPF C (the same target, macros and include folders as the build). */
export function clangdFlags(vmlinuxDir: string | undefined, includeDirs: string[], arch = 'x86_64'): string[] {
  return [
    '--target=bpf',
    '-xc',
    `-D__TARGET_ARCH_${targetArch(arch)}`,
    ...includeDirs.map((d) => `-I${d}`),
    ...(vmlinuxDir ? [`-I${vmlinuxDir}`] : []),
    '-Wall',
  ];
}
