// The precompiled vmlinux.h (extension/core/compile/vmlinuxPch.ts) with the real clang and this machine's kernel
// BTF: built in the background after a compile that parsed the header, used by the next compile with the same
// object as without it, never used where it could change the meaning, and dropped when clang refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileForHost, localTarget } from '../../../../extension/core/compile/compileForHost';
import { startsWithVmlinuxInclude, translationArgs } from '../../../../extension/core/compile/vmlinuxPch';
import { until } from '../../../kernel/helpers/until';

const ROOT = join(__dirname, '..', '..', '..', '..');
let work: string;
let cache: string;
test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'end-pch-'));
  cache = join(work, 'vmlinux-cache');
});
test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

const pchArg = (argv: string[]) => argv[argv.indexOf('-include-pch') + 1];
const compile = (source: string, output: string, precompiledHeader?: boolean) =>
  compileForHost({ source, output, host: localTarget(), vmlinuxCacheDir: cache, precompiledHeader });

test('which sources may use it: the first directive must be the include of vmlinux.h', () => {
  assert.equal(startsWithVmlinuxInclude('// SPDX\n/* a\n * #define X\n */\n#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\n'), true);
  assert.equal(startsWithVmlinuxInclude('#include <vmlinux.h>\n'), true);
  assert.equal(startsWithVmlinuxInclude('  #  include "vmlinux.h"\n'), true);
  assert.equal(startsWithVmlinuxInclude('#define BPF_NO_PRESERVE_ACCESS_INDEX\n#include "vmlinux.h"\n'), false);
  assert.equal(startsWithVmlinuxInclude('#include <linux/bpf.h>\n#include "vmlinux.h"\n'), false);
  assert.equal(startsWithVmlinuxInclude('#include "my_vmlinux.h"\n'), false);
  assert.equal(startsWithVmlinuxInclude(''), false);
});

test('the key leaves out what names this compile (source, outputs, include dirs) and keeps how it translates', () => {
  const argv = [
    '-O2',
    '-g',
    '-target',
    'bpf',
    '-DX=1',
    '-I',
    '/tmp/a',
    '-idirafter',
    '/usr/x',
    '-MD',
    '-MF',
    '/tmp/d',
    '-c',
    's.c',
    '-o',
    'o.o',
  ];
  assert.deepEqual(translationArgs(argv, 's.c'), ['-O2', '-g', '-target', 'bpf', '-DX=1']);
});

test('built after the first compile, used by the next with a byte-identical object; a changed PCH is dropped', async () => {
  const source = join(work, 'xdp_pass_count.bpf.c');
  await copyFile(join(ROOT, 'bpf', 'xdp_pass_count.bpf.c'), source);
  const first = await compile(source, join(work, 'first.o'));
  assert.equal(first.ok, true, first.stderr);
  assert.ok(!first.argv.includes('-include-pch'), 'no PCH exists yet');
  const vmlinuxDir = first.vmlinuxDir!;
  // The background build: a .pch appears beside the header, and its marker goes once clang is done.
  let pchFile = '';
  await until(
    () => {
      const names = readdirSync(vmlinuxDir);
      pchFile = join(vmlinuxDir, names.find((n) => n.endsWith('.pch')) ?? '');
      return pchFile.endsWith('.pch') && !names.some((n) => n.endsWith('.building'));
    },
    'the precompiled vmlinux.h',
    60_000,
  );

  const second = await compile(source, join(work, 'second.o'));
  assert.equal(second.ok, true, second.stderr);
  assert.equal(pchArg(second.argv), pchFile);
  assert.deepEqual(await readFile(join(work, 'second.o')), await readFile(join(work, 'first.o')));

  // Turned off: the plain compile.
  const off = await compile(source, join(work, 'off.o'), false);
  assert.ok(!off.argv.includes('-include-pch'));

  // A source with a #define before the include never uses it (the define would change the header's meaning).
  const defined = join(work, 'defined.bpf.c');
  await writeFile(defined, `#define BPF_NO_PRESERVE_ACCESS_INDEX\n${await readFile(source, 'utf8')}`);
  const d = await compile(defined, join(work, 'defined.o'));
  assert.equal(d.ok, true, d.stderr);
  assert.ok(!d.argv.includes('-include-pch'));

  // A PCH clang refuses (here: garbage in its place) is removed, and the compile still succeeds without it.
  await writeFile(pchFile, 'not a precompiled header');
  const third = await compile(source, join(work, 'third.o'));
  assert.equal(third.ok, true, third.stderr);
  assert.ok(!third.argv.includes('-include-pch'));
  assert.deepEqual(await readFile(join(work, 'third.o')), await readFile(join(work, 'first.o')));
  // ...and a fresh one is built again in the background.
  await until(() => existsSync(pchFile) && !existsSync(`${pchFile}.building`), 'the PCH rebuilt', 60_000);
  const fourth = await compile(source, join(work, 'fourth.o'));
  assert.equal(pchArg(fourth.argv), pchFile);
});
