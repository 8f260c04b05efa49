// The kept agent (docs/ssh.md "Kept agent") against a real sshd in a namespace host, root login: the first session
// starts its agent through an exec (the probe) and leaves a kept agent; the next sessions reach it through a
// stream-local channel, with no command run on the host (sshd's own log says which sessions ran a command); the
// kept agent serves a fresh agent process per connection, in the host's namespace; a killed one is replaced by the
// usual start; an idle one ends by itself; the CLI uses it by default.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, type Session } from '../../extension/core/session';
import { keptDir, recallKept } from '../../extension/core/deploy/keptAgent';
import { createNsHost, type NsHost } from './helpers/nsHost';
import { startSshd, type Sshd } from './helpers/sshd';
import { alive, keptAgentsIn, stopKeptAgents } from './helpers/keptAgents';
import { until } from '../kernel/helpers/until';
import { standbyPids } from '../kernel/helpers/watchdogs';

const execFileP = promisify(execFile);
const TOKEN = `kpt${process.pid.toString(36)}`.slice(0, 8);
const REMOTE_BASE = `.cache/end_${TOKEN}`;
const ROOT = join(__dirname, '..', '..');
let host: NsHost;
let sshd: Sshd;
let cache: string;
let target: string;
const savedCache = process.env.XDG_CACHE_HOME;

/** sshd's VERBOSE log has one "Starting session: command" line per exec, and one "Accepted publickey" per login. */
const commandsRun = () => (sshd.log().match(/Starting session: command/g) ?? []).length;
const logins = () => (sshd.log().match(/Accepted publickey for root/g) ?? []).length;

/** The agents a kept agent started ahead of need that are still waiting for a connection (children of `server`). */
function readyAgentsOf(server: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const waiting = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes('--await-connection');
        return waiting && Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${e}/status`, 'utf8'))?.[1]) === server;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const open = (keepAgentSeconds: number): Promise<Session> =>
  openSession(target, { ssh: sshd.client.connectOptions(), deploy: { remoteBase: REMOTE_BASE }, keepAgentSeconds, reconnect: false });

before(async () => {
  host = createNsHost(TOKEN);
  sshd = await startSshd({ token: TOKEN, netns: host.netns, listenAddress: host.address });
  target = `root@${host.address}`;
  // The client's record of kept agents goes to a cache of this test's own.
  cache = mkdtempSync(join(tmpdir(), `end_${TOKEN}_cache`));
  process.env.XDG_CACHE_HOME = cache;
});

after(async () => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
  const pids = host ? stopKeptAgents(host.netns) : [];
  await until(() => pids.every((p) => !alive(p)), 'the kept agents gone', 30_000).catch(() => undefined);
  await sshd?.stop();
  host?.destroy();
  rmSync(cache, { recursive: true, force: true });
  rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
});

test('the first session keeps an agent; the next one reaches it with no command run on the host', async () => {
  const first = await open(60);
  assert.equal(first.deployment?.kept, undefined, 'the first session starts its agent the usual way');
  await first.close();
  const rec = await recallKept(target);
  assert.ok(rec, 'the client remembers the kept agent');
  const [server] = keptAgentsIn(host.netns);
  assert.ok(server, 'a kept agent runs in the host namespace');
  assert.equal(server.socket, rec.socket);
  assert.equal(statSync(rec.socket).mode & 0o777, 0o600, 'the socket is root-only');

  // It keeps the next agent started ahead of need, with a dead-man watchdog standing for it (keep/readyAgent.ts);
  // the standby starts a moment after the agent said it is ready, so once it runs the agent is ready.
  await until(() => readyAgentsOf(server.pid).some((p) => standbyPids(p).length === 1), 'an agent ready, its watchdog standing', 30_000);
  const [waiting] = readyAgentsOf(server.pid);

  const [l, before] = [logins(), commandsRun()];
  const second = await open(60);
  try {
    assert.deepEqual(second.deployment?.kept, { socket: rec.socket });
    // Once this login is in sshd's log, so would an exec of it be.
    await until(() => logins() > l, "the session's login in sshd's log", 30_000);
    assert.equal(commandsRun(), before, 'no command ran on the host for this session');
    // A real agent of its own, in the host's namespace, child of the kept agent, that serves requests.
    const pid = second.facts.agentPid!;
    assert.notEqual(pid, server.pid);
    assert.equal(pid, waiting, 'served by the agent that was ready before the connection');
    await until(() => readyAgentsOf(server.pid).some((p) => p !== pid), 'the next agent started', 30_000);
    assert.equal(readlinkSync(`/proc/${pid}/ns/net`), `net:[${statSync(`/run/netns/${host.netns}`).ino}]`);
    assert.ok(Array.isArray(await second.client.listPrograms()));
    // What the dead-man default needs is known as it was: the interface carrying this SSH session.
    assert.equal(second.deployment?.sshInterface?.dev, 'eth0');
  } finally {
    await second.close();
  }
  const pid = second.facts.agentPid!;
  await until(() => !alive(pid), "the session's agent gone with its connection", 30_000);
  assert.ok(alive(server.pid), 'the kept agent stays for the next session');
});

test('a kept agent that was stopped is replaced by the usual start, which keeps a new one', async () => {
  const old = stopKeptAgents(host.netns);
  assert.equal(old.length, 1);
  await until(() => !alive(old[0]), 'the kept agent stopped', 30_000);
  const before = commandsRun();
  const s = await open(60);
  try {
    assert.equal(s.deployment?.kept, undefined);
    assert.ok(commandsRun() > before, 'the agent was started through an exec');
    assert.ok(Array.isArray(await s.client.listPrograms()));
  } finally {
    await s.close();
  }
  const fresh = keptAgentsIn(host.netns);
  assert.equal(fresh.length, 1);
  assert.notEqual(fresh[0].pid, old[0]);
});

test('the CLI uses the kept agent by default; with EBPF_NETDEBUG_KEEP_AGENT=0 it does not', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: sshd.client.home, XDG_CACHE_HOME: cache, EBPF_NETDEBUG_REMOTE_BASE: REMOTE_BASE };
  delete env.EBPF_NETDEBUG_KEEP_AGENT;
  const cli = (e: NodeJS.ProcessEnv) =>
    execFileP(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'list', 'programs', '--host', target, '--json'], {
      env: e,
      encoding: 'utf8',
    });
  // sshd logs each login as it happens: once this CLI's login is in the log, so would its exec be.
  let [l, c] = [logins(), commandsRun()];
  await cli(env);
  await until(() => logins() > l, "the CLI's login in sshd's log", 30_000);
  assert.equal(commandsRun(), c, 'the CLI ran no command on the host');
  [l, c] = [logins(), commandsRun()];
  await cli({ ...env, EBPF_NETDEBUG_KEEP_AGENT: '0' });
  await until(() => logins() > l && commandsRun() > c, 'with keeping off, the CLI starting its agent through an exec', 30_000);
  await assert.rejects(cli({ ...env, EBPF_NETDEBUG_KEEP_AGENT: 'soon' }), (e: { code?: number; stderr?: string }) => {
    assert.equal(e.code, 1);
    assert.match(e.stderr ?? '', /EBPF_NETDEBUG_KEEP_AGENT=soon: expected whole seconds/);
    return true;
  });
});

test('a kept agent remembered for another route (or another bundle) is not used', async () => {
  const rec = await recallKept(target);
  assert.ok(rec);
  const file = join(
    keptDir(),
    readdirSync(keptDir()).find((n) => n.endsWith('.json'))!,
  );
  for (const changed of [{ route: '192.0.2.1>192.0.2.2' }, { sha256: '0'.repeat(64) }]) {
    writeFileSync(file, JSON.stringify({ ...rec, ...changed }));
    const [l, c] = [logins(), commandsRun()];
    const s = await open(60);
    try {
      assert.equal(s.deployment?.kept, undefined, JSON.stringify(changed));
      await until(() => logins() > l && commandsRun() > c, 'the agent started through an exec', 30_000);
    } finally {
      await s.close();
    }
  }
});

test('an idle kept agent ends by itself and removes its socket', async () => {
  for (const pid of stopKeptAgents(host.netns)) await until(() => !alive(pid), 'the kept agent stopped', 30_000);
  const s = await open(1);
  await s.close();
  const [server] = keptAgentsIn(host.netns);
  assert.ok(server, 'kept for 1 s');
  await until(() => !alive(server.pid), 'the idle kept agent gone', 30_000);
  assert.throws(() => statSync(server.socket), /ENOENT/);
});
