// --sudo-password-stdin reads exactly the first line (CRLF or not, or all of a stream without a line break), once
// for every session of a command; without it and without a terminal there is no prompt at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { readFirstLine, sudoPasswordPrompt } from '../../../extension/cli/sudoPassword';

test('the first line of stdin, without its line break', async () => {
  const a = new PassThrough();
  const line = readFirstLine(a);
  a.write('s3cret pass');
  a.write('word\r\nsecond line\n');
  assert.equal(await line, 's3cret password');
  const b = new PassThrough();
  const noBreak = readFirstLine(b);
  b.end('only\n');
  assert.equal(await noBreak, 'only');
  const c = new PassThrough();
  const empty = readFirstLine(c);
  c.end();
  assert.equal(await empty, undefined);
});

test('no --sudo-password-stdin and no terminal: nobody to ask', () => {
  assert.equal(sudoPasswordPrompt(false, false), undefined);
  assert.equal(typeof sudoPasswordPrompt(true, false), 'function');
});
