// `inspect` and `build` need no host: run in-process on objects the real clang makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileFixture } from '../core/elf/fixtureObjects';
import { runInProcess } from './runCli';

const fixture = compileFixture('knobs');
const work = mkdtempSync(join(tmpdir(), 'end-cli-'));
test.after(() => {
  fixture.cleanup();
  rmSync(work, { recursive: true, force: true });
});
const compileFixtures = join(__dirname, '..', 'core', 'compile', 'fixtures');

test('inspect prints a readelf -h style header, programs, maps, globals, license and BTF', async () => {
  const r = await runInProcess(['inspect', fixture.path]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ELF Header:\n {2}Magic: +7f 45 4c 46 02 01 01 00/);
  assert.match(r.out, /^ {2}Machine: +Linux BPF$/m);
  assert.match(r.out, /^ {2}fx_tp_a +tracepoint\/net\/netif_rx +tracepoint +tracepoints +2$/m);
  assert.match(r.out, /^ {2}fx_unknown +not_a_known_section +\(unknown section\) +- +2$/m);
  assert.match(r.out, /^ {2}h_map +hash +16 \(struct pair\) +24 \(__u64\[3\]\) +128 +0x1$/m);
  assert.match(r.out, /^ {2}k_s32 +\.rodata +const volatile __s32 +-5$/m);
  assert.match(r.out, /^ {2}k_u64 +\.rodata +const volatile __u64 +1234605616436508552$/m);
  assert.match(r.out, /^ {2}k_name +\.rodata +const volatile char\[16\] +"fixture"$/m);
  assert.match(r.out, /^ {2}b_zero +\.bss +__u64 +0 \(\.bss\)$/m);
  assert.match(r.out, /^License: +GPL$/m);
  assert.match(r.out, /^BTF: +yes \(\.BTF\.ext: yes/m);
});

test('inspect --no-sections leaves the section table out', async () => {
  const r = await runInProcess(['inspect', '--no-sections', fixture.path]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /^Sections:$/m);
  assert.match(r.out, /^Programs:$/m);
  assert.match((await runInProcess(['inspect', fixture.path])).out, /^Sections:\n {2}NR +NAME +TYPE +OFFSET +SIZE +FLAGS\n {3}0 +- +NULL/m);
});

test('inspect --json is one document with the same facts', async () => {
  const r = await runInProcess(['inspect', '--json', fixture.path]);
  const j = JSON.parse(r.out);
  assert.equal(j.headerText.machine, 'Linux BPF');
  assert.equal(j.header.machine, 247);
  assert.equal(j.maps.length, 3);
});

test('inspect of a missing file or a non-ELF file fails with one line', async () => {
  const missing = await runInProcess(['inspect', join(work, 'none.o')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^ebpf-netdebug: inspect: cannot read .*none\.o: no such file\n$/);
  const notElf = await runInProcess(['inspect', join(compileFixtures, 'broken_header.h')]);
  assert.equal(notElf.code, 1);
  assert.match(notElf.err, /^ebpf-netdebug: inspect: .*broken_header\.h: not an ELF file/);
});

test('build: diagnostics as file:line:col on stdout, one line on stderr; a good file builds', async () => {
  const bad = await runInProcess(['build', join(compileFixtures, 'broken.bpf.c'), '-o', join(work, 'b.o')]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.out,
    new RegExp(
      `^${join(compileFixtures, 'broken.bpf.c').replace(/\./g, '\\.')}:18:9: warning: implicit declaration of function 'not_declared' is invalid in C99 \\[-Wimplicit-function-declaration\\]$`,
      'm',
    ),
  );
  assert.equal(bad.err, `ebpf-netdebug: build failed: 2 errors in ${join(compileFixtures, 'broken.bpf.c')}\n`);
  const json = await runInProcess(['build', '--json', join(compileFixtures, 'broken.bpf.c'), '-o', join(work, 'b.o')]);
  assert.equal(JSON.parse(json.out).diagnostics.filter((d: { severity: string }) => d.severity === 'error').length, 2);
  const good = await runInProcess(['build', join(compileFixtures, 'ok_uapi.bpf.c'), '-o', join(work, 'g.o'), '-D', 'KNOB=0']);
  assert.equal(good.code, 0, good.err);
  assert.equal(good.out, `built ${join(work, 'g.o')}\n`);
  assert.ok(existsSync(join(work, 'g.o')));
  const notC = await runInProcess(['build', join(work, 'g.o')]);
  assert.equal(notC.code, 2);
  assert.match(notC.err, /build: .*g\.o is not a C source file/);
});
