// The CLI's SSH prompt on a real pseudo-terminal (script(1) allocates it): the passphrase is read but never shown,
// an echoed question shows what is typed, and without a terminal nothing is asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { terminalPrompt } from '../../../extension/core/ssh/terminalPrompt';

const PROGRAM = join(__dirname, 'fixtures', 'promptOnTty.ts');

test('a passphrase typed on a terminal is returned and not echoed; an echoed answer is shown', async () => {
  const child = spawn('script', ['-q', '-e', '-c', `${process.execPath} --import tsx ${PROGRAM}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: join(__dirname, '..', '..', '..'),
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    // Answer each question once it is on the screen, like a person would.
    if (out.includes("Enter passphrase for key '/k':") && !out.includes('#1')) {
      out += '#1';
      child.stdin.write('s3cr\u007fret-Pass\r');
    }
    if (out.includes('Token:') && !out.includes('#2')) {
      out += '#2';
      child.stdin.write('visible-42\r');
    }
  });
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0, out);
  const result = JSON.parse(/RESULT (\{.*\})/.exec(out)![1]) as { secret: string; visible: string };
  assert.equal(result.secret, 's3cret-Pass', 'backspace edits the line');
  assert.equal(result.visible, 'visible-42');
  const screen = out.slice(0, out.indexOf('RESULT'));
  assert.ok(!screen.includes('s3cr') && !screen.includes('ret-Pass'), `the passphrase was not echoed: ${JSON.stringify(screen)}`);
  assert.ok(screen.includes('visible-42'), 'the echoed answer was shown');
});

test('without a terminal nothing is asked (the method is skipped)', async () => {
  const notTty = new PassThrough();
  const shown = new PassThrough();
  const answer = await terminalPrompt(notTty, shown)({ kind: 'password', target: 'x', message: 'Password:', echo: false });
  assert.equal(answer, undefined);
  assert.equal(shown.read(), null);
});
