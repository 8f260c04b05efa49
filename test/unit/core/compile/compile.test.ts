// Compiling with the real clang and generating vmlinux.h from this machine's real kernel BTF, into temporary
// cache and output directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClangMissingError, compileBpf, defaultOutputPath, targetArch } from '../../../../extension/core/compile/clang';
import { compileForHost, localTarget } from '../../../../extension/core/compile/compileForHost';
import { ensureVmlinuxHeader, VmlinuxError } from '../../../../extension/core/compile/vmlinux';
import { readBpfObject } from '../../../../extension/core/elf/bpfObject';

const fixtures = join(__dirname, 'fixtures');
let work: string;
test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'end-cmp-'));
});
test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

test('a broken file: ok=false, parsed diagnostics with absolute paths, no object', async () => {
  const out = join(work, 'broken.o');
  const r = await compileBpf({ source: join(fixtures, 'broken.bpf.c'), output: out });
  assert.equal(r.ok, false);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.ok(errors.some((d) => d.file === join(fixtures, 'broken.bpf.c') && d.line === 12 && d.col === 9 && /XDP_PASSS/.test(d.message)));
  assert.ok(errors.some((d) => d.file === join(fixtures, 'broken_header.h') && d.line === 4));
  assert.ok(r.argv.includes('-target') && r.argv.includes('-g') && r.argv.includes('-O2'));
  await assert.rejects(stat(out));
});

test('a BPF backend error (stack over 512 bytes) is located in the source too', async () => {
  const source = join(fixtures, 'stack_limit.bpf.c');
  const r = await compileBpf({ source, output: join(work, 'stack.o') });
  assert.equal(r.ok, false);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.ok(errors.length > 0, r.stderr);
  for (const d of errors) {
    assert.equal(d.file, source);
    assert.match(d.message, /BPF stack limit of 512 bytes is exceeded/);
  }
  assert.ok(
    errors.some((d) => d.line === 13),
    `expected line 13: ${JSON.stringify(errors)}`,
  );
});

test('a good uapi-only file compiles with defines; the object has BTF and the define took effect', async () => {
  const out = join(work, 'ok.o');
  const r = await compileBpf({ source: join(fixtures, 'ok_uapi.bpf.c'), output: out, defines: { KNOB: 5 } });
  assert.equal(r.ok, true, r.stderr);
  assert.deepEqual(r.diagnostics, []);
  const info = readBpfObject(await readFile(out));
  assert.equal(info.btf, true);
  assert.equal(Buffer.from(info.globals.find((g) => g.name === 'knob')!.initial!).readUInt32LE(), 5);
  assert.ok(r.argv.includes(`-D__TARGET_ARCH_${targetArch(process.arch)}`));
});

test('vmlinux.h is generated from the kernel BTF once per release, then served from the cache', async () => {
  const cacheDir = join(work, 'cache');
  let reads = 0;
  const readBtf = () => {
    reads++;
    return readFile('/sys/kernel/btf/vmlinux');
  };
  const dir = await ensureVmlinuxHeader({ release: '6.x-test', readBtf, cacheDir });
  assert.equal(dir, join(cacheDir, '6.x-test'));
  const h = await readFile(join(dir, 'vmlinux.h'), 'utf8');
  assert.match(h, /struct sk_buff \{/);
  assert.equal(reads, 1);
  await ensureVmlinuxHeader({ release: '6.x-test', readBtf, cacheDir });
  assert.equal(reads, 1);
  await assert.rejects(ensureVmlinuxHeader({ release: '../../etc', readBtf, cacheDir }), /bad kernel release/);
  await assert.rejects(
    ensureVmlinuxHeader({ release: 'other', readBtf: async () => Buffer.from('not btf at all, really not'), cacheDir }),
    (e: Error) => e instanceof VmlinuxError && /not BTF/.test(e.message),
  );
  await assert.rejects(
    ensureVmlinuxHeader({ release: 'nobpftool', readBtf, cacheDir, bpftool: '/nonexistent/bpftool' }),
    /bpftool not found on this machine/,
  );
});

test('compileForHost builds a vmlinux.h program for this machine (CO-RE, tracepoint)', async () => {
  const out = join(work, 'vm.o');
  const r = await compileForHost({
    source: join(fixtures, 'ok_vmlinux.bpf.c'),
    output: out,
    host: localTarget(),
    vmlinuxCacheDir: join(work, 'cache2'),
  });
  assert.equal(r.ok, true, r.stderr);
  const info = readBpfObject(await readFile(out));
  assert.deepEqual(
    info.programs.map((p) => [p.name, p.programType]),
    [['ok_vmlinux', 'tracepoint']],
  );
});

test('a missing clang is a clear error with an install hint', async () => {
  await assert.rejects(
    compileBpf({ source: join(fixtures, 'ok_uapi.bpf.c'), output: join(work, 'x.o'), clang: '/nonexistent/clang' }),
    (e: Error) => e instanceof ClangMissingError && /clang not found/.test(e.message) && /apt-get install clang/.test(e.message),
  );
});

test('bad inputs: not a .c file, a missing file, an unknown architecture', async () => {
  await assert.rejects(compileBpf({ source: join(fixtures, 'broken_header.h') }), /source must be a C file/);
  await assert.rejects(compileBpf({ source: join(work, 'nope.bpf.c') }), /source file not found/);
  assert.throws(() => targetArch('pdp11'), /unknown target architecture "pdp11"/);
  assert.equal(targetArch('x86_64'), 'x86');
  assert.equal(targetArch('aarch64'), 'arm64');
  assert.equal(defaultOutputPath('/a/b/prog.bpf.c'), '/a/b/prog.o');
  assert.equal(defaultOutputPath('/a/b/prog.c'), '/a/b/prog.o');
});
