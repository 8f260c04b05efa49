// Host key verification against known_hosts, the way OpenSSH does it: plain and hashed (|1|salt|hash) host
// patterns, [host]:port for non-default ports, wildcards and negation, @revoked markers. A key we have never seen is
// "unknown" (refused unless the user consents, then recorded); a different key for a known host is "changed" and the
// connection is refused with both fingerprints, before anything runs.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: 'match'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'changed'; known: KnownHostEntry[] }
  | { status: 'revoked'; entry: KnownHostEntry };

/** OpenSSH's fingerprint: SHA256 of the key blob, base64 without padding. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** The key type inside an SSH wire-format public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) throw new Error('host key blob too short');
  const n = blob.readUInt32BE(0);
  if (n > blob.length - 4 || n > 64) throw new Error('host key blob malformed');
  return blob.subarray(4, 4 + n).toString('ascii');
}

/** The name known_hosts stores for host:port (`host` for 22, `[host]:port` otherwise). */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i');
}

/** Does one known_hosts host field (comma list, may be hashed, may negate) match `name`? */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt64, hash64] = patterns.split('|');
    if (!salt64 || !hash64) return false;
    const mac = createHmac('sha1', Buffer.from(salt64, 'base64')).update(name).digest('base64');
    return mac === hash64;
  }
  let matched = false;
  for (const p of patterns.split(',')) {
    const negated = p.startsWith('!');
    const pat = negated ? p.slice(1) : p;
    if (globToRegExp(pat).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as KnownHostEntry['marker'];
    if (parts.length < 3) return; // malformed lines are skipped, as OpenSSH does
    const [patterns, keyType, b64] = parts;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) return;
    out.push({ file, line: i + 1, marker, patterns, keyType, key });
  });
  return out;
}

export function readKnownHosts(files: string[]): KnownHostEntry[] {
  return files.flatMap((f) => {
    try {
      return parseKnownHosts(readFileSync(f, 'utf8'), f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`known_hosts ${f}: ${(e as Error).message}`);
    }
  });
}

/** Checks `key` (wire blob) offered by `host`:`port` against the entries. */
export function verifyHostKey(entries: KnownHostEntry[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const type = keyTypeOf(key);
  const forHost = entries.filter((e) => e.marker !== '@cert-authority' && patternsMatch(e.patterns, name));
  const revoked = forHost.find((e) => e.marker === '@revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === undefined);
  const exact = plain.find((e) => e.key.equals(key));
  if (exact) return { status: 'match', entry: exact };
  const sameType = plain.filter((e) => e.keyType === type);
  if (sameType.length) return { status: 'changed', known: sameType };
  // Known under other key types only: OpenSSH would have negotiated a known type first (we ask for them first too,
  // see hostKeyAlgorithms), so a server offering only a new type is a changed host, not a new one.
  if (plain.length) return { status: 'changed', known: plain };
  return { status: 'unknown' };
}

/**
 * The `@cert-authority` lines whose host patterns match host:port (their CAs may vouch for its key through a host
 * certificate), and whether a CA's key is itself `@revoked` for it.
 */
export function certAuthoritiesFor(entries: KnownHostEntry[], host: string, port: number): { ca: KnownHostEntry; revoked: boolean }[] {
  const name = knownHostsName(host, port);
  const revoked = entries.filter((e) => e.marker === '@revoked' && patternsMatch(e.patterns, name));
  return entries
    .filter((e) => e.marker === '@cert-authority' && patternsMatch(e.patterns, name))
    .map((ca) => ({ ca, revoked: revoked.some((r) => r.key.equals(ca.key)) }));
}

/** Key types known for host:port, to negotiate those first (OpenSSH's preference for known host key types). */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  return [...new Set(entries.filter((e) => e.marker === undefined && patternsMatch(e.patterns, name)).map((e) => e.keyType))];
}

/** Appends host:port's key to `file` (hashed when asked, like HashKnownHosts), creating ~/.ssh (0700) if needed. */
export function recordHostKey(file: string, host: string, port: number, key: Buffer, hashed: boolean): string {
  const name = knownHostsName(host, port);
  let field = name;
  if (hashed) {
    const salt = randomBytes(20);
    field = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  const line = `${field} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, line, { mode: 0o600 });
  return line;
}

/** The error for a host key that is not what known_hosts says. Nothing runs after it. */
export class HostKeyError extends Error {
  override readonly name = 'HostKeyError';
  constructor(
    readonly kind: 'unknown' | 'changed' | 'revoked',
    readonly host: string,
    readonly offered: { type: string; fingerprint: string },
    readonly known: { type: string; fingerprint: string; file: string; line: number }[],
    message: string,
  ) {
    super(message);
  }
}
