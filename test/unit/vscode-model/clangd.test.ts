// The .clangd fragment written for the clangd extension: only *.bpf.c files get the BPF flags, and a user's own
// .clangd is never overwritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clangdConfig } from './load';

test('the fragment applies the BPF flags to *.bpf.c only', () => {
  const text = clangdConfig.clangdFragment(['--target=bpf', '-I/x/vmlinux']);
  assert.match(text, /PathMatch: \.\*\\\.bpf\\\.c/);
  assert.match(text, /Add: \["--target=bpf", "-I\/x\/vmlinux"\]/);
});

test('only our own .clangd is rewritten', () => {
  assert.equal(clangdConfig.mayOverwrite(undefined), true);
  assert.equal(clangdConfig.mayOverwrite(clangdConfig.clangdFragment(['-x'])), true);
  assert.equal(clangdConfig.mayOverwrite('CompileFlags:\n  Add: [-DMINE]\n'), false);
});
