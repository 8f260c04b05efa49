// The quoting function is the only thing between an argument array and the remote shell: every hostile string must
// come back from a real POSIX shell as exactly one, unchanged argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { quoteArg, quoteArgv } from '../../../extension/core/ssh/shellQuote';

const hostile = [
  '',
  ' ',
  "'",
  "''",
  "'\\''",
  '"',
  '\\',
  '$HOME',
  '${HOME}',
  '$(id)',
  '`id`',
  '; rm -rf /tmp/x',
  '&& echo pwned',
  '| cat',
  '> /tmp/owned',
  '< /etc/passwd',
  'a\nb',
  'tab\there',
  '*',
  '?',
  '[a-z]',
  '~',
  '~root',
  '#comment',
  '!!',
  '-n',
  '--',
  'it\'s "quoted" $x `y` \\z',
  'ünïcødé ✓',
  '\r\n',
  '%s%n',
  'a b  c',
];

/** Runs the quoted command line through real shells and returns the arguments they saw (NUL-separated by printf). */
function throughShell(shell: string, args: string[]): string[] {
  const line = `printf '%s\\0' ${args.map(quoteArg).join(' ')}`;
  const out = execFileSync(shell, ['-c', line]);
  return out.toString('utf8').split('\0').slice(0, -1);
}

for (const shell of ['/bin/sh', '/bin/bash']) {
  test(`every hostile argument survives ${shell} unchanged and as one word`, () => {
    assert.deepEqual(throughShell(shell, hostile), hostile);
  });
}

test('quoteArgv quotes argv[0] too and joins with single spaces', () => {
  assert.equal(quoteArgv(['ls', '-l', "it's"]), `'ls' '-l' 'it'\\''s'`);
  // A "command" smuggled into argv[0] stays one (nonexistent) program name.
  const r = (() => {
    try {
      execFileSync('/bin/sh', ['-c', quoteArgv(['echo hi; echo pwned'])], { stdio: 'pipe' });
      return 'ran';
    } catch (e) {
      return String((e as { stderr: Buffer }).stderr);
    }
  })();
  assert.match(r, /not found/);
  assert.doesNotMatch(r, /pwned\n/);
});

test('bad input is refused with a clear error', () => {
  assert.throws(() => quoteArg('a\0b'), /NUL byte/);
  assert.throws(() => quoteArg(42 as unknown as string), /must be a string/);
  assert.throws(() => quoteArgv([]), /non-empty array/);
});
