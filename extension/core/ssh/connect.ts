// Opens the one SSH connection of a host: resolve it through ssh_config, hop through ProxyJump hosts (each
// verified and authenticated like the target), verify the host key against known_hosts before authenticating,
// and turn on keepalives so a dead link is noticed within seconds.
import { Client, type ConnectConfig } from 'ssh2';
import type { Readable } from 'node:stream';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { fetchHostCertificate } from './certProbe';
import { certificateProblem, parseCertificate } from './hostCertificate';
import {
  certAuthoritiesFor,
  fingerprint,
  HostKeyError,
  keyTypeOf,
  knownKeyTypes,
  readKnownHosts,
  recordHostKey,
  verifyHostKey,
  type KnownHostEntry,
} from './knownHosts';
import { makeAuthHandler, type Prompt } from './sshAuth';
import { resolveHost, type ResolvedHost, type SshEnvironment } from './sshConfig';
import { SshTransport } from './sshTransport';

export type { Prompt, PromptRequest } from './sshAuth';

export interface HostKeyQuestion {
  host: string;
  knownHostsName: string;
  keyType: string;
  fingerprint: string;
}

export interface SshConnectOptions extends SshEnvironment {
  /** Answers passphrase / password / keyboard-interactive prompts (the CLI asks on the terminal without echo). */
  prompt?: Prompt;
  /** Accept and record a host key never seen before (CLI --accept-new-host-key). A CHANGED key is never accepted. */
  acceptNewHostKey?: boolean;
  /** Asked when a key is unknown and acceptNewHostKey is not set (the VS Code UI asks the user). */
  confirmNewHostKey?: (q: HostKeyQuestion) => Promise<boolean>;
  /** Keepalive period, ms (default: ServerAliveInterval from the config, else 2000). */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the link counts as dead (default: ServerAliveCountMax, else 3). */
  keepaliveCountMax?: number;
  /** Handshake timeout, ms (default: ConnectTimeout from the config, else 20000). */
  readyTimeoutMs?: number;
  /** ssh2 debug lines, for troubleshooting. */
  debug?: (line: string) => void;
}

/** ssh2's host key algorithm names for a known_hosts key type. */
function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}
const ALL_HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** The certificate algorithms to ask for, for a server whose plain host key is of `keyType`. */
function certAlgorithmsFor(keyType: string): string[] {
  if (keyType === 'ssh-rsa')
    return ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'ssh-rsa-cert-v01@openssh.com'];
  return [`${keyType}-cert-v01@openssh.com`];
}

type CertCheck =
  { status: 'trusted'; ca: KnownHostEntry; keyId: string } | { status: 'revoked'; ca: KnownHostEntry } | { status: 'none'; why?: string };

/**
 * A key known_hosts does not list: does a CA of a matching `@cert-authority` line vouch for it through the host's
 * certificate (fetched by certProbe.ts on a second short connection)? OpenSSH's rules: hostCertificate.ts.
 */
async function checkCertificate(
  host: ResolvedHost,
  entries: KnownHostEntry[],
  key: Buffer,
  openProbe: () => Promise<Duplex>,
): Promise<CertCheck> {
  const cas = certAuthoritiesFor(entries, host.hostName, host.port);
  if (!cas.length) return { status: 'none' };
  let blob: Buffer | undefined;
  try {
    blob = await fetchHostCertificate(await openProbe(), certAlgorithmsFor(keyTypeOf(key)));
  } catch (e) {
    return { status: 'none', why: `asking it for its host certificate failed: ${(e as Error).message}` };
  }
  if (!blob) return { status: 'none', why: 'it offers no host certificate' };
  let problems: string[] = [];
  try {
    const cert = parseCertificate(blob);
    for (const { ca, revoked } of cas) {
      const problem = certificateProblem(cert, key, host.hostName, ca.key);
      if (problem === undefined) return revoked ? { status: 'revoked', ca } : { status: 'trusted', ca, keyId: cert.keyId };
      problems.push(problem);
    }
  } catch (e) {
    problems = [`its host certificate is malformed: ${(e as Error).message}`];
  }
  return { status: 'none', why: [...new Set(problems)].join('; ') };
}

function hostKeyVerifier(host: ResolvedHost, opts: SshConnectOptions, failed: (e: Error) => void, openProbe: () => Promise<Duplex>) {
  return (key: Buffer, verify: (ok: boolean) => void): undefined => {
    void (async () => {
      const entries = readKnownHosts([...host.knownHostsFiles, ...host.globalKnownHostsFiles]);
      const verdict = verifyHostKey(entries, host.hostName, host.port, key);
      const offered = { type: keyTypeOf(key), fingerprint: fingerprint(key) };
      const name = host.port === 22 ? host.hostName : `[${host.hostName}]:${host.port}`;
      if (verdict.status === 'match') {
        verify(true);
        return;
      }
      if (verdict.status === 'revoked') {
        failed(
          new HostKeyError(
            'revoked',
            host.label,
            offered,
            [],
            `host key for ${name} is REVOKED in ${verdict.entry.file}:${verdict.entry.line} (${offered.type} ${offered.fingerprint}); refusing to connect`,
          ),
        );
        verify(false);
        return;
      }
      if (verdict.status === 'changed') {
        const known = verdict.known.map((e) => ({ type: e.keyType, fingerprint: fingerprint(e.key), file: e.file, line: e.line }));
        failed(
          new HostKeyError(
            'changed',
            host.label,
            offered,
            known,
            `HOST KEY FOR ${name} HAS CHANGED: the server offers ${offered.type} ${offered.fingerprint}, but ` +
              known.map((k) => `${k.file}:${k.line} has ${k.type} ${k.fingerprint}`).join('; ') +
              `. Someone may be intercepting the connection, or the host was reinstalled. Nothing was run. If the change is ` +
              `expected, remove the old entry (ssh-keygen -R '${name}' -f ${known[0]?.file}) and connect again.`,
          ),
        );
        verify(false);
        return;
      }
      // Not listed: a CA we trust for this host may vouch for it (never recorded, as OpenSSH does not).
      const cert = await checkCertificate(host, entries, key, openProbe);
      if (cert.status === 'trusted') {
        verify(true);
        return;
      }
      if (cert.status === 'revoked') {
        failed(
          new HostKeyError(
            'revoked',
            host.label,
            offered,
            [],
            `host key for ${name} is certified by a CA that is REVOKED in known_hosts (${cert.ca.file}:${cert.ca.line}, ${cert.ca.keyType} ${fingerprint(cert.ca.key)}); refusing to connect`,
          ),
        );
        verify(false);
        return;
      }
      const certNote = cert.why ? ` (known_hosts trusts a certificate authority for ${name}, but ${cert.why})` : '';
      // Unknown host.
      const strict = host.strictHostKeyChecking;
      let accept = strict === 'no' || strict === 'accept-new' || !!opts.acceptNewHostKey;
      if (!accept && strict !== 'yes' && opts.confirmNewHostKey) {
        accept = await opts
          .confirmNewHostKey({ host: host.label, knownHostsName: name, keyType: offered.type, fingerprint: offered.fingerprint })
          .catch(() => false);
      }
      if (!accept) {
        failed(
          new HostKeyError(
            'unknown',
            host.label,
            offered,
            [],
            `the authenticity of host ${name} can't be established: ${offered.type} key fingerprint is ${offered.fingerprint}${certNote}. ` +
              `Not connecting without your consent: check the fingerprint, then accept it (CLI: --accept-new-host-key) to record it in ${host.knownHostsFiles[0]}.`,
          ),
        );
        verify(false);
        return;
      }
      recordHostKey(host.knownHostsFiles[0], host.hostName, host.port, key, host.hashKnownHosts);
      verify(true);
    })().catch((e) => {
      failed(e as Error);
      verify(false);
    });
    return undefined;
  };
}

/** Opens one authenticated ssh2 Client to `host`, over `sock` when hopping through a jump host. */
function connectOne(host: ResolvedHost, opts: SshConnectOptions, sock?: Readable, via?: Client): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyFailure: Error | undefined;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(hostKeyFailure ?? e);
    };
    const known = knownKeyTypes(readKnownHosts([...host.knownHostsFiles, ...host.globalKnownHostsFiles]), host.hostName, host.port);
    const preferred = known.flatMap(algorithmsFor);
    const serverHostKey = [...preferred, ...ALL_HOST_KEY_ALGOS.filter((a) => !preferred.includes(a))];
    const cfg: ConnectConfig = {
      host: sock ? undefined : host.hostName,
      port: sock ? undefined : host.port,
      sock,
      username: host.user,
      hostVerifier: hostKeyVerifier(
        host,
        opts,
        (e) => {
          hostKeyFailure = e;
        },
        // The certificate probe's own connection takes the same way: directly, or forwarded by the last jump host.
        () =>
          via
            ? (forwardOut(via, host) as Promise<Duplex>)
            : new Promise<Duplex>((res, rej) => {
                const s = netConnect(host.port, host.hostName, () => res(s));
                s.once('error', rej);
              }),
      ) as unknown as ConnectConfig['hostVerifier'],
      authHandler: makeAuthHandler(host, opts.prompt),
      keepaliveInterval: opts.keepaliveIntervalMs ?? (host.serverAliveInterval ? host.serverAliveInterval * 1000 : 2000),
      keepaliveCountMax: opts.keepaliveCountMax ?? host.serverAliveCountMax ?? 3,
      readyTimeout: opts.readyTimeoutMs ?? (host.connectTimeout ? host.connectTimeout * 1000 : 20000),
      algorithms: { serverHostKey: serverHostKey as never },
      debug: opts.debug,
    };
    client.once('ready', () => {
      settled = true;
      // Requests are small and a reply is awaited: Nagle's algorithm would hold a request written while an earlier
      // one is unacknowledged for the peer's delayed ACK (up to 40 ms; protocol/frameWriter.ts).
      client.setNoDelay(true);
      resolve(client);
    });
    client.once('error', (e) => {
      const msg = /All configured authentication methods failed/.test(e.message)
        ? `authentication to ${host.user}@${host.hostName}:${host.port} failed (tried: ssh-agent${host.agentSocket ? '' : ' (none)'}, ${host.identityFiles.join(', ')}${opts.prompt ? ', password' : ''})`
        : `ssh ${host.label} (${host.hostName}:${host.port}): ${e.message}`;
      fail(new Error(msg, { cause: e }));
    });
    client.once('close', () => fail(new Error(`ssh ${host.label} (${host.hostName}:${host.port}): connection closed during handshake`)));
    client.connect(cfg);
  });
}

function forwardOut(via: Client, host: ResolvedHost): Promise<Readable> {
  return new Promise((resolve, reject) => {
    via.forwardOut('127.0.0.1', 0, host.hostName, host.port, (e, ch) =>
      e ? reject(new Error(`ProxyJump: cannot reach ${host.hostName}:${host.port} from the jump host: ${e.message}`)) : resolve(ch),
    );
  });
}

/** Connects to `spec` (an alias or user@host[:port]) and returns its transport. */
export async function connectSsh(spec: string, opts: SshConnectOptions = {}): Promise<SshTransport> {
  const target = resolveHost(spec, opts);
  // Flatten nested ProxyJump (a jump host with its own ProxyJump comes after its own jumps).
  const hops: ResolvedHost[] = [];
  const addJumps = (h: ResolvedHost) => {
    for (const j of h.proxyJump) {
      addJumps(j);
      hops.push(j);
    }
  };
  addJumps(target);
  const jumps: Client[] = [];
  try {
    let sock: Readable | undefined;
    let via: Client | undefined;
    for (const hop of hops) {
      const c = await connectOne(hop, opts, sock, via);
      via = c;
      jumps.push(c);
      sock = undefined;
      const next = hops[hops.indexOf(hop) + 1] ?? target;
      sock = await forwardOut(c, next);
    }
    const client = await connectOne(target, opts, sock, via);
    return new SshTransport(spec, client, jumps);
  } catch (e) {
    for (const j of jumps.reverse()) j.end();
    throw e;
  }
}
