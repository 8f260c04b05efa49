// known_hosts semantics checked against OpenSSH's own tools: keys from ssh-keygen, hashed lines from `ssh-keygen -H`,
// fingerprints compared with `ssh-keygen -lf`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fingerprint,
  keyTypeOf,
  parseKnownHosts,
  patternsMatch,
  recordHostKey,
  verifyHostKey,
  readKnownHosts,
} from '../../../extension/core/ssh/knownHosts';

let dir: string;
let keyA: { type: string; b64: string; blob: Buffer; file: string };
let keyB: { type: string; b64: string; blob: Buffer; file: string };

function makeKey(name: string, type: string) {
  const file = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const [t, b64] = readFileSync(`${file}.pub`, 'utf8').split(' ');
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), file };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'end-kh-'));
  keyA = makeKey('a', 'ed25519');
  keyB = makeKey('b', 'ed25519');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('fingerprints match ssh-keygen -lf (SHA256:base64, no padding)', () => {
  const out = execFileSync('ssh-keygen', ['-lf', `${keyA.file}.pub`]).toString();
  assert.equal(fingerprint(keyA.blob), out.split(' ')[1]);
  assert.equal(keyTypeOf(keyA.blob), 'ssh-ed25519');
});

test('plain entries: match, [host]:port form, changed key, unknown host, wildcard and negation', () => {
  const kh = parseKnownHosts(
    [
      `# comment`,
      `lab.example,10.0.0.2 ${keyA.type} ${keyA.b64}`,
      `[127.0.0.1]:2222 ${keyA.type} ${keyA.b64}`,
      `*.corp,!evil.corp ${keyB.type} ${keyB.b64}`,
    ].join('\n'),
    'kh',
  );
  assert.equal(verifyHostKey(kh, '10.0.0.2', 22, keyA.blob).status, 'match');
  assert.equal(verifyHostKey(kh, '127.0.0.1', 2222, keyA.blob).status, 'match');
  // Port 22 entry does not cover another port, like OpenSSH.
  assert.equal(verifyHostKey(kh, '10.0.0.2', 2222, keyA.blob).status, 'unknown');
  const changed = verifyHostKey(kh, 'lab.example', 22, keyB.blob);
  assert.equal(changed.status, 'changed');
  assert.equal(changed.status === 'changed' && changed.known[0].line, 2);
  assert.equal(verifyHostKey(kh, 'db.corp', 22, keyB.blob).status, 'match');
  assert.equal(verifyHostKey(kh, 'evil.corp', 22, keyB.blob).status, 'unknown');
});

test('hashed entries written by ssh-keygen -H are understood, also for [host]:port', () => {
  const file = join(dir, 'known_hosts_hashed');
  writeFileSync(file, `10.0.0.9 ${keyA.type} ${keyA.b64}\n[10.0.0.9]:2022 ${keyB.type} ${keyB.b64}\n`);
  execFileSync('ssh-keygen', ['-q', '-H', '-f', file]);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^\|1\|/m);
  const kh = readKnownHosts([file]);
  assert.equal(verifyHostKey(kh, '10.0.0.9', 22, keyA.blob).status, 'match');
  assert.equal(verifyHostKey(kh, '10.0.0.9', 2022, keyB.blob).status, 'match');
  assert.equal(verifyHostKey(kh, '10.0.0.9', 22, keyB.blob).status, 'changed');
  assert.equal(verifyHostKey(kh, '10.0.0.10', 22, keyA.blob).status, 'unknown');
});

test('@revoked keys are refused even when another line would match', () => {
  const kh = parseKnownHosts(`h ${keyA.type} ${keyA.b64}\n@revoked * ${keyA.type} ${keyA.b64}\n`, 'kh');
  assert.equal(verifyHostKey(kh, 'h', 22, keyA.blob).status, 'revoked');
});

test('recorded keys (plain and hashed) are found by us and by ssh-keygen -F', () => {
  const file = join(dir, 'sub', 'known_hosts');
  recordHostKey(file, '127.0.0.1', 2299, keyA.blob, false);
  recordHostKey(file, '10.4.4.4', 22, keyB.blob, true);
  const kh = readKnownHosts([file]);
  assert.equal(verifyHostKey(kh, '127.0.0.1', 2299, keyA.blob).status, 'match');
  assert.equal(verifyHostKey(kh, '10.4.4.4', 22, keyB.blob).status, 'match');
  const f1 = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2299', '-f', file]).toString();
  assert.match(f1, /ssh-ed25519/);
  const f2 = execFileSync('ssh-keygen', ['-F', '10.4.4.4', '-f', file]).toString();
  assert.match(f2, /found: line 2/);
  assert.equal(patternsMatch(kh[1].patterns, '10.4.4.4'), true);
});
