// The clang diagnostics parser on output captured from the real clang 14 (fixtures/clang14-broken.stderr.txt, made
// from fixtures/broken.bpf.c with a relative path), and on driver errors, -Werror flags and backend errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, parseClangDiagnostics } from '../../../../extension/core/compile/diagnostics';

test('captured clang 14 output: errors, notes and warnings with file:line:col, header chain kept', () => {
  const ds = parseClangDiagnostics(readFileSync(join(__dirname, 'fixtures', 'clang14-broken.stderr.txt'), 'utf8'));
  assert.deepEqual(ds.map(formatDiagnostic), [
    "./broken_header.h:4:27: error: variable has incomplete type 'struct nothing_like_this'",
    "./broken_header.h:4:9: note: forward declaration of 'struct nothing_like_this'",
    "broken.bpf.c:12:9: error: use of undeclared identifier 'XDP_PASSS'; did you mean 'XDP_PASS'?",
    "/usr/include/linux/bpf.h:6092:2: note: 'XDP_PASS' declared here",
    "broken.bpf.c:18:9: warning: implicit declaration of function 'not_declared' is invalid in C99 [-Wimplicit-function-declaration]",
  ]);
  assert.deepEqual(ds[0].includedFrom, [{ file: 'broken.bpf.c', line: 6 }]);
  assert.equal(ds[2].includedFrom, undefined);
  assert.equal(ds[4].flag, '-Wimplicit-function-declaration');
  assert.equal(ds[4].message, "implicit declaration of function 'not_declared' is invalid in C99");
});

test('driver errors have no location; -Werror flags name the real warning; fatal errors are errors', () => {
  const ds = parseClangDiagnostics(
    [
      "clang: error: no such file or directory: '/x/none.c'",
      'clang: error: no input files',
      "warning: unknown warning option '-Werror=foo' [-Wunknown-warning-option]",
      "/a/b.bpf.c:3:5: error: implicit declaration of function 'f' is invalid in C99 [-Werror,-Wimplicit-function-declaration]",
      "/a/b.bpf.c:1:10: fatal error: 'vmlinux.h' file not found",
      '<unknown>:0:0: error: Looks like the BPF stack limit of 512 bytes is exceeded. Please move large on stack variables into BPF per-cpu array map.',
      '1 warning and 3 errors generated.',
    ].join('\n'),
  );
  assert.deepEqual(ds, [
    { severity: 'error', message: "no such file or directory: '/x/none.c'" },
    { severity: 'error', message: 'no input files' },
    { severity: 'warning', message: "unknown warning option '-Werror=foo'", flag: '-Wunknown-warning-option' },
    {
      file: '/a/b.bpf.c',
      line: 3,
      col: 5,
      severity: 'error',
      message: "implicit declaration of function 'f' is invalid in C99",
      flag: '-Wimplicit-function-declaration',
    },
    { file: '/a/b.bpf.c', line: 1, col: 10, severity: 'error', message: "'vmlinux.h' file not found" },
    {
      severity: 'error',
      message: 'Looks like the BPF stack limit of 512 bytes is exceeded. Please move large on stack variables into BPF per-cpu array map.',
    },
  ]);
});

test('colour escapes are stripped; a colon inside a directory name stays in the path', () => {
  const ds = parseClangDiagnostics("\x1b[1m/tmp/a:b/x.bpf.c:7:2: \x1b[0m\x1b[0;1;31merror: \x1b[0mexpected ';'\n");
  assert.deepEqual(ds, [{ file: '/tmp/a:b/x.bpf.c', line: 7, col: 2, severity: 'error', message: "expected ';'" }]);
});
