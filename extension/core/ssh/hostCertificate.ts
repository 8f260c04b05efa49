// OpenSSH host certificates (PROTOCOL.certkeys): parsed and checked the way OpenSSH's `@cert-authority` known_hosts
// lines have them checked: a host certificate (type 2), the CA's signature over it valid, the host name among its
// principals (or no principals), now within its validity, and the key it certifies being the key the server proved
// it holds. node:crypto verifies the signature (Ed25519, ECDSA P-256/384/521, RSA with SHA-1/256/512).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface HostCertificate {
  certType: string;
  /** The certified key as a plain public key blob (`ssh-ed25519` ...), to compare with the server's host key. */
  publicKey: Buffer;
  serial: bigint;
  /** 1 = user, 2 = host. */
  type: number;
  keyId: string;
  principals: string[];
  validAfter: bigint;
  validBefore: bigint;
  /** The CA's public key blob. */
  signatureKey: Buffer;
  signature: Buffer;
  /** Everything the CA signed. */
  signed: Buffer;
}

class Reader {
  pos = 0;
  constructor(private readonly b: Buffer) {}
  u32(): number {
    if (this.pos + 4 > this.b.length) throw new Error('certificate truncated');
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    if (this.pos + 8 > this.b.length) throw new Error('certificate truncated');
    const v = this.b.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    if (this.pos + n > this.b.length) throw new Error('certificate truncated');
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  string(): string {
    return this.bytes().toString('utf8');
  }
  raw(from: number): Buffer {
    return this.b.subarray(from, this.pos);
  }
  done(): boolean {
    return this.pos === this.b.length;
  }
}

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** The public-key fields each certificate type carries after its nonce (mpints and strings are both `string`s). */
const CERT_TYPES: Record<string, { plain: string; fields: number }> = {
  'ssh-ed25519-cert-v01@openssh.com': { plain: 'ssh-ed25519', fields: 1 },
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': { plain: 'ecdsa-sha2-nistp256', fields: 2 },
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': { plain: 'ecdsa-sha2-nistp384', fields: 2 },
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': { plain: 'ecdsa-sha2-nistp521', fields: 2 },
  'ssh-rsa-cert-v01@openssh.com': { plain: 'ssh-rsa', fields: 2 },
};

export const HOST_CERT_ALGORITHMS = Object.keys(CERT_TYPES);

/** Parses a certificate blob (wire format); throws on anything malformed. */
export function parseCertificate(blob: Buffer): HostCertificate {
  const r = new Reader(blob);
  const certType = r.string();
  const spec = CERT_TYPES[certType];
  if (!spec) throw new Error(`not a certificate type we know: ${JSON.stringify(certType.slice(0, 64))}`);
  r.bytes(); // nonce
  const keyStart = r.pos;
  for (let i = 0; i < spec.fields; i++) r.bytes();
  const publicKey = Buffer.concat([sshString(spec.plain), r.raw(keyStart)]);
  const serial = r.u64();
  const type = r.u32();
  const keyId = r.string();
  const principalsBlob = new Reader(r.bytes());
  const principals: string[] = [];
  while (!principalsBlob.done()) principals.push(principalsBlob.string());
  const validAfter = r.u64();
  const validBefore = r.u64();
  r.bytes(); // critical options (none are defined for host certificates)
  r.bytes(); // extensions
  r.bytes(); // reserved
  const signatureKey = r.bytes();
  const signed = r.raw(0);
  const signature = r.bytes();
  if (!r.done()) throw new Error('trailing bytes after the certificate signature');
  return { certType, publicKey, serial, type, keyId, principals, validAfter, validBefore, signatureKey, signature, signed };
}

const b64url = (b: Buffer) => b.toString('base64url');
/** An unsigned big-endian integer without the sign byte an mpint may carry. */
const unsigned = (b: Buffer) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b);

const CURVES: Record<string, { crv: string; size: number; hash: string }> = {
  nistp256: { crv: 'P-256', size: 32, hash: 'sha256' },
  nistp384: { crv: 'P-384', size: 48, hash: 'sha384' },
  nistp521: { crv: 'P-521', size: 66, hash: 'sha512' },
};

/** A public key blob as node:crypto's KeyObject. */
function keyObject(blob: Buffer): { type: string; key: KeyObject; curve?: (typeof CURVES)[string] } {
  const r = new Reader(blob);
  const type = r.string();
  if (type === 'ssh-ed25519') {
    return { type, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(r.bytes()) }, format: 'jwk' }) };
  }
  if (type === 'ssh-rsa') {
    const e = unsigned(r.bytes());
    const n = unsigned(r.bytes());
    return { type, key: createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }) };
  }
  const m = /^ecdsa-sha2-(nistp\d+)$/.exec(type);
  if (m && CURVES[m[1]]) {
    const curve = CURVES[m[1]];
    r.bytes(); // the curve's name again
    const q = r.bytes();
    if (q[0] !== 4 || q.length !== 1 + 2 * curve.size) throw new Error('ECDSA key: not an uncompressed point');
    const x = q.subarray(1, 1 + curve.size);
    const y = q.subarray(1 + curve.size);
    return { type, curve, key: createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(x), y: b64url(y) }, format: 'jwk' }) };
  }
  throw new Error(`CA key type ${JSON.stringify(type.slice(0, 64))} is not supported`);
}

/** Does the CA key `caKey` (blob) sign `data` with `signature` (SSH signature blob)? */
export function verifySshSignature(caKey: Buffer, data: Buffer, signature: Buffer): boolean {
  const { type, key, curve } = keyObject(caKey);
  const s = new Reader(signature);
  const sigType = s.string();
  const sig = s.bytes();
  if (type === 'ssh-ed25519') return sigType === 'ssh-ed25519' && verify(null, data, key, sig);
  if (type === 'ssh-rsa') {
    const hash = ({ 'rsa-sha2-512': 'sha512', 'rsa-sha2-256': 'sha256', 'ssh-rsa': 'sha1' } as Record<string, string>)[sigType];
    return !!hash && verify(hash, data, key, sig);
  }
  if (curve && sigType === type) {
    // (mpint r, mpint s) -> r || s, each padded to the curve's size (IEEE P1363).
    const rs = new Reader(sig);
    const pad = (b: Buffer) => {
      const u = unsigned(b);
      if (u.length > curve.size) throw new Error('ECDSA signature: integer too long');
      return Buffer.concat([Buffer.alloc(curve.size - u.length), u]);
    };
    const p1363 = Buffer.concat([pad(rs.bytes()), pad(rs.bytes())]);
    return verify(curve.hash, data, { key, dsaEncoding: 'ieee-p1363' }, p1363);
  }
  return false;
}

/**
 * Why `cert` does not vouch for `hostKey` as `hostName` signed by `caKey`, or undefined when it does. `now` in
 * seconds since the epoch.
 */
export function certificateProblem(
  cert: HostCertificate,
  hostKey: Buffer,
  hostName: string,
  caKey: Buffer,
  now: number = Math.floor(Date.now() / 1000),
): string | undefined {
  if (cert.type !== 2) return `certificate "${cert.keyId}" is a user certificate, not a host certificate`;
  if (!cert.publicKey.equals(hostKey)) return `certificate "${cert.keyId}" certifies another key than the one the server holds`;
  if (!cert.signatureKey.equals(caKey)) return `certificate "${cert.keyId}" is signed by another CA`;
  const t = BigInt(now);
  if (t < cert.validAfter) return `certificate "${cert.keyId}" is not valid yet (from ${stamp(cert.validAfter)})`;
  if (t >= cert.validBefore) return `certificate "${cert.keyId}" has expired (${stamp(cert.validBefore)})`;
  if (cert.principals.length && !cert.principals.includes(hostName))
    return `certificate "${cert.keyId}" is for ${cert.principals.join(', ')}, not ${hostName}`;
  let ok = false;
  try {
    ok = verifySshSignature(caKey, cert.signed, cert.signature);
  } catch (e) {
    return `certificate "${cert.keyId}": ${(e as Error).message}`;
  }
  return ok ? undefined : `certificate "${cert.keyId}": the CA's signature does not verify`;
}

function stamp(v: bigint): string {
  return v >= 253402300799n ? 'forever' : new Date(Number(v) * 1000).toISOString();
}
