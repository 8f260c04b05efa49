// Asks an SSH server for its host certificate: ssh2 negotiates plain host keys only, so for a host that known_hosts
// trusts through `@cert-authority`, a second short connection starts a key exchange offering only the certificate
// algorithms and reads the certificate from the server's KEX reply, then hangs up. Nothing there is trusted on its
// own: the certificate carries the CA's signature (hostCertificate.ts checks it), and the server proves it holds the
// certified key in the real connection's key exchange, whose signature ssh2 verifies before asking us about the key.
// So a man in the middle answering this probe gains nothing. Unencrypted SSH binary packets (RFC 4253 6) up to and
// including the server's KEX reply; curve25519-sha256 or ecdh-sha2-nistp256 (RFC 5656, 8731).
import { createECDH, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';

const MSG_KEXINIT = 20;
const MSG_KEX_ECDH_INIT = 30;
const MSG_KEX_ECDH_REPLY = 31;
const KEX = ['curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256'];

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function packet(payload: Buffer): Buffer {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + payload.length + pad);
  head[4] = pad;
  return Buffer.concat([head, payload, randomBytes(pad)]);
}

function nameLists(payload: Buffer): string[][] {
  // byte 20, 16-byte cookie, then 10 name-lists.
  let pos = 17;
  const lists: string[][] = [];
  for (let i = 0; i < 10; i++) {
    const n = payload.readUInt32BE(pos);
    lists.push(
      payload
        .subarray(pos + 4, pos + 4 + n)
        .toString('ascii')
        .split(','),
    );
    pos += 4 + n;
  }
  return lists;
}

/** The server's host certificate blob for one of `certAlgorithms`, or undefined when it offers none. */
export function fetchHostCertificate(stream: Duplex, certAlgorithms: string[], timeoutMs = 10_000): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let versionSeen = false;
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no host certificate within ${timeoutMs / 1000} s`)), timeoutMs);
    const finish = (result: Buffer | undefined | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.on('error', () => undefined);
      stream.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onPacket = (payload: Buffer) => {
      if (payload[0] === MSG_KEXINIT) {
        const lists = nameLists(payload);
        const kex = KEX.find((k) => lists[0].includes(k));
        const hostKeyAlg = certAlgorithms.find((a) => lists[1].includes(a));
        if (!hostKeyAlg || !kex) {
          finish(undefined);
          return;
        }
        const ours = Buffer.concat([
          Buffer.from([MSG_KEXINIT]),
          randomBytes(16),
          ...[kex, hostKeyAlg, lists[2].join(','), lists[3].join(','), lists[4].join(','), lists[5].join(','), 'none', 'none', '', ''].map(
            (s) => sshString(s),
          ),
          Buffer.from([0, 0, 0, 0, 0]),
        ]);
        // An ephemeral key of the right shape; the exchange is never completed, so its secret is never used.
        const publicKey = kex.startsWith('curve25519')
          ? generateKeyPairSync('x25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)
          : createECDH('prime256v1').generateKeys();
        stream.write(packet(ours));
        stream.write(packet(Buffer.concat([Buffer.from([MSG_KEX_ECDH_INIT]), sshString(publicKey)])));
        return;
      }
      if (payload[0] === MSG_KEX_ECDH_REPLY) {
        const n = payload.readUInt32BE(1);
        finish(Buffer.from(payload.subarray(5, 5 + n)));
      }
      // Anything else before the reply (SSH_MSG_IGNORE, DEBUG, EXT_INFO) is skipped.
    };
    stream.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        if (!versionSeen) {
          // Lines before the version line are allowed (RFC 4253 4.2).
          for (;;) {
            const nl = buf.indexOf('\n');
            if (nl < 0) return;
            const line = buf.subarray(0, nl).toString('latin1');
            buf = buf.subarray(nl + 1);
            if (line.startsWith('SSH-')) {
              versionSeen = true;
              break;
            }
          }
        }
        while (buf.length >= 5) {
          const len = buf.readUInt32BE(0);
          if (len > 256 * 1024) throw new Error('oversized packet');
          if (buf.length < 4 + len) return;
          const pad = buf[4];
          const payload = buf.subarray(5, 4 + len - pad);
          buf = buf.subarray(4 + len);
          onPacket(payload);
        }
      } catch (e) {
        finish(e as Error);
      }
    });
    stream.on('error', (e) => finish(e));
    stream.on('close', () => finish(new Error('the server closed the connection before sending its host key')));
    stream.write('SSH-2.0-ebpf_netdebug_hostcert\r\n');
  });
}
