// One build script, several bundles (see ../shared/docs/STYLE.md #15). Entry points are found by convention so that a new
// webview or tool needs no edit here:
//   extension/vscode/extension.ts -> dist/extension.js   (vscode external; loaded by VS Code)
//   extension/cli/main.ts         -> dist/cli.js         (the ebpf-netdebug command)
//   remote-agent/main.ts          -> dist/agent.js       (one self-contained file uploaded to hosts; no externals)
//   webview/<view>/main.ts        -> dist/webview/<view>.js (+ .css when the view imports CSS)
//   bpf/<name>.bpf.c              -> dist/bpf/<name>.o   (clang -O2 -g -target bpf, vmlinux.h of this machine's BTF;
//                                    CO-RE relocations make them load on other kernels; the agent embeds tracepkt.o)
// Usage: node scripts/build.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, mkdirSync, copyFileSync, writeFileSync, statSync, linkSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: 'linked',
  minify,
  logLevel: 'warning',
  absWorkingDir: root,
  // ssh2 falls back to pure JavaScript when its optional native parts fail to load (docs: ../shared/docs/VSCODE-E2E.md).
  external: ['cpu-features', '*.node'],
};

// BPF objects first: bundles may embed them (loader 'binary').
function buildBpf() {
  const src = join(root, 'bpf');
  if (!existsSync(src)) return 0;
  const cache = join(root, '.cache/vmlinux');
  mkdirSync(cache, { recursive: true });
  mkdirSync(join(root, 'dist/bpf'), { recursive: true });
  const vmlinux = join(cache, 'vmlinux.h');
  if (!existsSync(vmlinux)) {
    const h = execFileSync(process.env.BPFTOOL ?? 'bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], {
      maxBuffer: 1 << 30,
    });
    writeFileSync(vmlinux, h);
  }
  let n = 0;
  for (const f of readdirSync(src)) {
    if (!f.endsWith('.bpf.c')) continue;
    const out = join(root, 'dist/bpf', f.replace(/\.bpf\.c$/, '.o'));
    const embedded = join(root, 'dist/bpf/embed', f.replace(/\.bpf\.c$/, '.o'));
    if (existsSync(out) && existsSync(embedded) && statSync(out).mtimeMs > newestInput(join(src, f))) continue;
    execFileSync(
      'clang',
      ['-O2', '-g', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I', join(src, 'include'), '-I', cache, '-c', join(src, f), '-o', out],
      { stdio: 'inherit' },
    );
    // The copy the agent embeds carries no DWARF (BTF and BTF.ext stay: CO-RE and line info need only those):
    // tracepkt.o drops from ~700 KB to ~85 KB, and so does every upload of the agent.
    mkdirSync(join(root, 'dist/bpf/embed'), { recursive: true });
    execFileSync('llvm-strip', ['-g', '-o', join(root, 'dist/bpf/embed', f.replace(/\.bpf\.c$/, '.o')), out]);
    n++;
  }
  return n;
}
function newestInput(file) {
  const inc = join(root, 'bpf/include');
  const times = [statSync(file).mtimeMs];
  if (existsSync(inc)) for (const h of readdirSync(inc)) times.push(statSync(join(inc, h)).mtimeMs);
  return Math.max(...times);
}
const bpfBuilt = buildBpf();

const builds = [];
const add = (entry, outfile, opts) => {
  if (existsSync(join(root, entry))) builds.push({ ...opts, entryPoints: [entry], outfile });
};

add('extension/vscode/extension.ts', 'dist/extension.js', { ...node, external: [...node.external, 'vscode'] });
add('extension/cli/main.ts', 'dist/cli.js', { ...node, banner: { js: '#!/usr/bin/env node' } });
add('remote-agent/main.ts', 'dist/agent.js', { ...node, external: [], sourcemap: false, loader: { '.o': 'binary' } });

const webviewDir = join(root, 'webview');
if (existsSync(webviewDir)) {
  for (const view of readdirSync(webviewDir, { withFileTypes: true })) {
    if (view.isDirectory() && existsSync(join(webviewDir, view.name, 'main.ts'))) {
      add(`webview/${view.name}/main.ts`, `dist/webview/${view.name}.js`, {
        bundle: true,
        platform: 'browser',
        format: 'iife',
        target: 'chrome120',
        sourcemap: 'linked',
        minify,
        logLevel: 'warning',
        absWorkingDir: root,
        loader: { '.ttf': 'file', '.woff2': 'file' },
      });
    }
  }
}

mkdirSync(join(root, 'dist/webview'), { recursive: true });
// The codicon font is referenced by @vscode-elements; ship it beside the webview bundles.
const codicons = join(root, 'node_modules/@vscode/codicons/dist');
for (const f of ['codicon.css', 'codicon.ttf']) {
  if (existsSync(join(codicons, f))) copyFileSync(join(codicons, f), join(root, 'dist/webview', f));
}

// The agent's runtime for hosts without Node.js / bpftool >= 7.5 (scripts/build-runtime.sh, run by setup.sh) ships
// beside the agent bundle: dist/runtime/linux-<arch>.tar.gz + .json. Hard links: ~45 MB each, built once.
const runtimeSrc = join(root, '.cache/runtime');
if (existsSync(runtimeSrc)) {
  mkdirSync(join(root, 'dist/runtime'), { recursive: true });
  for (const f of readdirSync(runtimeSrc)) {
    if (!/^linux-[a-z0-9]+\.(tar\.gz|json)$/.test(f)) continue;
    const from = join(runtimeSrc, f);
    const to = join(root, 'dist/runtime', f);
    if (existsSync(to) && statSync(to).ino === statSync(from).ino) continue;
    rmSync(to, { force: true });
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
}

// The pinned libbpf headers (scripts/build-libbpf-headers.sh, run by setup.sh): dist/include/bpf/, shipped, so
// compiling needs clang and nothing else on the client (extension/core/compile/clang.ts adds -I dist/include).
const libbpfHeaders = join(root, '.cache/libbpf-headers/bpf');
if (existsSync(libbpfHeaders)) {
  mkdirSync(join(root, 'dist/include/bpf'), { recursive: true });
  for (const f of readdirSync(libbpfHeaders)) copyFileSync(join(libbpfHeaders, f), join(root, 'dist/include/bpf', f));
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log(`watching ${builds.length} bundles`);
} else {
  const t0 = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`built ${bpfBuilt} BPF objects and ${builds.length} bundles in ${Date.now() - t0} ms`);
}
