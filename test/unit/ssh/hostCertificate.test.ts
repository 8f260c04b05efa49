// Host certificates made by ssh-keygen -s, read back and checked as OpenSSH checks them for `@cert-authority`:
// every CA key type (Ed25519, RSA, ECDSA P-256/384/521) and host key type, and each way a certificate can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateProblem, parseCertificate } from '../../../extension/core/ssh/hostCertificate';

const KEYS: [string, string[]][] = [
  ['ed25519', ['-t', 'ed25519']],
  ['rsa', ['-t', 'rsa', '-b', '2048']],
  ['p256', ['-t', 'ecdsa', '-b', '256']],
  ['p384', ['-t', 'ecdsa', '-b', '384']],
  ['p521', ['-t', 'ecdsa', '-b', '521']],
];

const blobOf = (pubFile: string) => Buffer.from(readFileSync(pubFile, 'utf8').trim().split(/\s+/)[1], 'base64');

test('certificates from ssh-keygen -s: every CA and host key type verifies; principal, validity, CA, key and signature are checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'end-hostcert-'));
  try {
    const key = (name: string, args: string[]) => {
      execFileSync('ssh-keygen', ['-q', ...args, '-N', '', '-C', name, '-f', join(dir, name)]);
      return join(dir, name);
    };
    const sign = (ca: string, hostKey: string, id: string, extra: string[] = []) => {
      execFileSync('ssh-keygen', ['-q', '-s', ca, '-h', '-I', id, ...extra, `${hostKey}.pub`]);
      return Buffer.from(readFileSync(`${hostKey}-cert.pub`, 'utf8').trim().split(/\s+/)[1], 'base64');
    };
    const now = Math.floor(Date.now() / 1000);
    for (const [caName, caArgs] of KEYS) {
      const ca = key(`ca-${caName}`, caArgs);
      for (const [hostName, hostArgs] of KEYS) {
        const host = key(`host-${caName}-${hostName}`, hostArgs);
        const cert = parseCertificate(sign(ca, host, `h-${caName}-${hostName}`, ['-n', 'lab.example,10.0.0.2']));
        assert.deepEqual(cert.principals, ['lab.example', '10.0.0.2']);
        assert.equal(cert.type, 2);
        assert.deepEqual(cert.publicKey, blobOf(`${host}.pub`), `${caName}/${hostName}: the certified key`);
        assert.equal(
          certificateProblem(cert, blobOf(`${host}.pub`), '10.0.0.2', blobOf(`${ca}.pub`), now),
          undefined,
          `${caName}/${hostName}`,
        );
      }
    }
    const ca = `${join(dir, 'ca-ed25519')}`;
    const host = `${join(dir, 'host-ed25519-ed25519')}`;
    const hostKey = blobOf(`${host}.pub`);
    const caKey = blobOf(`${ca}.pub`);
    const good = parseCertificate(sign(ca, host, 'good', ['-n', 'lab.example']));
    assert.match(certificateProblem(good, hostKey, 'other.example', caKey, now)!, /is for lab\.example, not other\.example/);
    assert.match(certificateProblem(good, blobOf(join(dir, 'host-ed25519-rsa.pub')), 'lab.example', caKey, now)!, /certifies another key/);
    assert.match(certificateProblem(good, hostKey, 'lab.example', blobOf(join(dir, 'ca-rsa.pub')), now)!, /signed by another CA/);
    const expired = parseCertificate(sign(ca, host, 'old', ['-V', '20200101:20200102']));
    assert.match(certificateProblem(expired, hostKey, 'lab.example', caKey, now)!, /has expired \(2020-01-02/);
    const future = parseCertificate(sign(ca, host, 'later', ['-V', '+3650d:+3651d']));
    assert.match(certificateProblem(future, hostKey, 'lab.example', caKey, now)!, /not valid yet/);
    assert.equal(
      certificateProblem(parseCertificate(sign(ca, host, 'any')), hostKey, 'whatever', caKey, now),
      undefined,
      'no principals: any host',
    );
    // A byte changed in what the CA signed (the key id "good" -> "gooe"): the signature fails.
    const raw = sign(ca, host, 'good', ['-n', 'lab.example']);
    const at = raw.indexOf(Buffer.from('good'));
    raw[at + 3] = 'e'.charCodeAt(0);
    assert.match(certificateProblem(parseCertificate(raw), hostKey, 'lab.example', caKey, now)!, /signature does not verify/);
    // A user certificate is not a host certificate.
    execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'user', `${host}.pub`]);
    const user = parseCertificate(Buffer.from(readFileSync(`${host}-cert.pub`, 'utf8').trim().split(/\s+/)[1], 'base64'));
    assert.match(certificateProblem(user, hostKey, 'lab.example', caKey, now)!, /user certificate/);
    assert.throws(() => parseCertificate(raw.subarray(0, raw.length - 10)), /truncated/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
