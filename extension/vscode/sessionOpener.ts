// Opens a HostSession on the engine's Session (extension/core/session.ts): SSH or local transport, agent
// deployment and hello happen there; this adapter maps a host setting to the engine's options.
// A host setting with its own identityFile / knownHostsFile gets a generated ssh_config (in the extension's
// storage) holding just that host, so the engine resolves it exactly like an ssh_config alias.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSession, type Session } from '../core/session';
import { parseHostSpec } from '../core/ssh/hostSpec';
import type { HostSession, SessionOpener, OpenSessionOptions } from './hostSession';
import type { HostSetting } from './settingsModel';
import { Cancelled } from './errors';

export const openHostSession: SessionOpener = async (host, opts) => {
  const target = host.target === 'local' ? 'local' : host.target;
  opts.report(target === 'local' ? 'starting the agent on this machine' : `connecting to ${target} over SSH`);
  const ssh =
    target === 'local'
      ? undefined
      : {
          configPath: generatedSshConfig(host, opts),
          confirmNewHostKey: (q: { host: string; keyType: string; fingerprint: string }) => opts.confirmNewHostKey(q),
          prompt: (r: { message: string; echo: boolean }) => opts.prompt(r.message, !r.echo),
        };
  const opening = openSession(ssh?.configPath ? host.name : target, {
    clientName: 'ebpf-netdebug-vscode',
    ...(ssh ? { ssh } : {}),
    ...(host.bpftoolPath ? { bpftoolPath: host.bpftoolPath } : {}),
    // A login whose sudo wants a password: asked once per connection in a password box (docs/deploy.md "sudo").
    ...(ssh
      ? {
          deploy: {
            askSudoPassword: (q: { host: string; user: string }) => opts.prompt(`sudo password for ${q.user} on ${q.host}`, true),
            ...(opts.runtimeDir ? { runtimeDir: opts.runtimeDir } : {}),
          },
        }
      : {}),
  });
  const session = await Promise.race([
    opening,
    opts.cancelled.then(() => {
      throw new Cancelled();
    }),
  ]).catch(async (e) => {
    // A cancelled open may still finish: close what it opened.
    if (e instanceof Cancelled)
      void opening.then(
        (s) => s.close(),
        () => undefined,
      );
    throw e;
  });
  return wrap(session, host, opts);
};

function wrap(session: Session, host: HostSetting, opts: OpenSessionOptions): HostSession {
  return {
    name: host.name,
    engine: session,
    host,
    startTrace: (params) => session.startTrace(params),
    readHostBtf: () => session.readHostBtf(),
    get client() {
      return session.client;
    },
    get facts() {
      return session.facts;
    },
    onDidChangeReconnecting(listener) {
      const off = session.onStateChange((c) => {
        if (c.state === 'reconnecting') listener(true);
        if (c.state === 'connected') listener(false);
      });
      return { dispose: off };
    },
    onDidClose(listener) {
      const off = session.onStateChange((c) => {
        if (c.state === 'reconnecting') opts.log(`connection lost (${c.reason?.message ?? 'unknown reason'}); reconnecting`);
        if (c.state === 'connected' && c.recovered) {
          opts.log('reconnected');
          for (const r of c.recovered.rollbacks) {
            opts.log(`the host's watchdog rolled back ${r.attachment}: ${r.reason}`);
            // Only rollbacks nobody reported yet reach here (core/session.ts), each once; said in the record's words
            // (program kind and interface), not by attachment id.
            opts.warn(`${host.name}: the host's watchdog rolled an attach back: ${r.reason}${r.ok ? '' : ' -- check the host by hand'}.`);
          }
        }
        if (c.state === 'disconnected') {
          off();
          listener(c.reason);
        }
      });
      return { dispose: off };
    },
    close: () => session.close(),
  };
}

/** An ssh_config holding only this host, when the setting names its own key or known_hosts; else undefined. */
export function generatedSshConfig(host: HostSetting, opts: { storageDir: string }): string | undefined {
  if (!host.identityFile && !host.knownHostsFile) return undefined;
  const spec = parseHostSpec(host.target);
  const lines = [`Host ${host.name}`, `  HostName ${spec.host}`];
  if (spec.user) lines.push(`  User ${spec.user}`);
  if (spec.port) lines.push(`  Port ${spec.port}`);
  if (host.identityFile) lines.push(`  IdentityFile ${host.identityFile}`, '  IdentitiesOnly yes');
  if (host.knownHostsFile) lines.push(`  UserKnownHostsFile ${host.knownHostsFile}`);
  mkdirSync(opts.storageDir, { recursive: true });
  const file = join(opts.storageDir, `ssh_config.${host.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}
