// The dead-man switch end to end: over SSH to a namespace host, attach on its eth0 (the interface carrying the
// session, found by the client itself) an XDP program that drops SSH. The connection dies; within the window plus a
// few seconds the watchdog has detached it (bpftool on the host shows nothing on eth0), the host answers ping and
// SSH again, and the client reports the rollback. A harmless program is confirmed over a fresh round trip and stays.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession, type Session, type StateChange } from '../../extension/core/session';
import { attachXdpConfirmed, findSshInterface } from '../../extension/core/reconnect/confirmedAttach';
import { stateDirOf } from '../../remote-agent/safety/deadman';
import { until } from '../kernel/helpers/until';
import { watchdogPids } from '../kernel/helpers/watchdogs';
import { createNsHost, pingCount, type NsHost } from './helpers/nsHost';
import { startSshd, type Sshd } from './helpers/sshd';

const TOKEN = 'h3dm';
const AGENT = join(__dirname, '..', '..', 'dist', 'agent.js');
const REMOTE_BASE = `.cache/end_${TOKEN}`;
const WINDOW_MS = 4000;
const DROP_OBJ = `end_${TOKEN}_dropssh`;
const PASS_OBJ = `end_${TOKEN}_pass`;

function xdpOnEth0(host: NsHost): { id: number; mode: string }[] {
  const shown = JSON.parse(host.exec(['bpftool', '-j', 'net', 'show', 'dev', 'eth0'])) as { xdp: { id: number; mode: string }[] }[];
  return shown.flatMap((x) => x.xdp ?? []);
}

describe('dead-man switch over SSH', () => {
  let host: NsHost;
  let sshd: Sshd;
  let session: Session;
  let scratch: string;
  const changes: StateChange[] = [];
  const testStart = Date.now();
  const ownRollbacks = new Set<number>();

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), `end_${TOKEN}_`));
    execFileSync('clang', [
      '-O2',
      '-g',
      '-target',
      'bpf',
      '-I/usr/include/x86_64-linux-gnu',
      '-c',
      join(__dirname, '..', 'fixtures', 'ssh', 'xdp_drop_ssh.bpf.c'),
      '-o',
      join(scratch, 'drop_ssh.o'),
    ]);
    host = createNsHost(TOKEN);
    sshd = await startSshd({ token: TOKEN, netns: host.netns, listenAddress: host.address });
    session = await openSession(`root@${host.address}`, {
      agentPath: AGENT,
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: REMOTE_BASE },
      reconnect: { initialDelayMs: 250, maxDelayMs: 1000, giveUpAfterMs: 60_000 },
    });
    session.onStateChange((c) => changes.push(c));
  });

  after(async () => {
    // Whatever happened, leave nothing attached or pinned.
    for (const x of host ? xdpOnEth0(host) : []) {
      host.exec(['bpftool', 'net', 'detach', x.mode === 'generic' ? 'xdpgeneric' : 'xdp', 'dev', 'eth0']);
    }
    for (const name of [DROP_OBJ, PASS_OBJ]) await session?.client.objectUnload({ name }).catch(() => undefined);
    await session?.close().catch(() => undefined);
    await sshd?.stop();
    host?.destroy();
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
    // The watchdog's records of this file's rollbacks (other records stay).
    const records = join(stateDirOf(), 'records');
    for (const f of existsSync(records) ? readdirSync(records) : []) {
      const r = JSON.parse(readFileSync(join(records, f), 'utf8')) as { at: number; output?: string; reason: string };
      if (r.at >= testStart && r.reason.includes('xdp on eth0 (netns root)') && ownRollbacks.has(r.at))
        rmSync(join(records, f), { force: true });
    }
  });

  it('finds the interface that carries the session on the host', async () => {
    const ssh = await findSshInterface(session);
    assert.deepEqual(ssh, { dev: 'eth0', clientAddress: host.rootAddress, serverAddress: host.address });
    assert.deepEqual(session.deployment?.sshInterface, ssh, 'the deploy probe learned the same in its round trip');
  });

  it('an XDP program that cuts SSH is rolled back by the watchdog; the host answers again; the client says so', async () => {
    await session.client.objectLoad({ object: readFileSync(join(scratch, 'drop_ssh.o')).toString('base64'), name: DROP_OBJ });
    const started = Date.now();
    // No window given: confirmation is on by default because eth0 carries the SSH session.
    const progress: string[] = [];
    const outcome = await attachXdpConfirmed(
      session,
      { program: `${DROP_OBJ}/xdp_drop_ssh`, dev: 'eth0' },
      { defaultWithinMs: WINDOW_MS },
      { progress: (m) => progress.push(m), what: 'xdp_drop_ssh on eth0' },
    );
    const elapsed = Date.now() - started;
    assert.equal(outcome.status, 'rolled-back', JSON.stringify(outcome));
    assert.ok(
      outcome.status === 'rolled-back' && outcome.record?.ok,
      `the watchdog's record says the detach worked: ${JSON.stringify(outcome)}`,
    );
    assert.match(outcome.status === 'rolled-back' ? outcome.message : '', /ROLLED BACK by the host's watchdog/);
    // Told as what it is: while cut off, the progress says the host will undo it; the outcome names program and interface.
    assert.ok(
      progress.some((m) =>
        /does not answer since attaching xdp_drop_ssh (\(prog \d+\) )?on eth0: unless the attach can be confirmed, the host undoes it within \d+ s/.test(
          m,
        ),
      ),
      progress.join('\n'),
    );
    assert.match(outcome.status === 'rolled-back' ? outcome.message : '', /^xdp_drop_ssh (\(prog \d+\) )?on eth0 was ROLLED BACK/);
    // Shown once: the reconnect did not announce it besides (the attach reports it), and it is never news again.
    const record = outcome.status === 'rolled-back' ? outcome.record : undefined;
    assert.ok(record);
    assert.ok(
      changes.every((c) => !c.recovered?.rollbacks.some((r) => r.at === record.at && r.attachment === record.attachment)),
      'the reconnect held it back',
    );
    assert.ok(
      !(await session.unseenRollbacks()).some((r) => r.at === record.at && r.attachment === record.attachment),
      'not news any more',
    );
    assert.ok(
      changes.some((c) => c.state === 'reconnecting'),
      'the connection really died',
    );
    assert.equal(session.state, 'connected', 'and came back');
    assert.ok(elapsed < WINDOW_MS + 60_000, `reported after ${elapsed} ms`);
    // The kernel agrees: nothing on eth0; ping and SSH work.
    assert.deepEqual(xdpOnEth0(host), []);
    assert.equal(pingCount(host.address, 3), 3);
    assert.equal((await session.transport.exec(['echo', 'back'])).stdout, 'back\n');
    const records = (await session.client.rollbacksList()).filter((r) => r.at >= started);
    assert.ok(
      records.some((r) => r.attachment === outcome.attachment?.id && r.ok),
      JSON.stringify(records),
    );
    if (outcome.status === 'rolled-back' && outcome.record) ownRollbacks.add(outcome.record.at);
  });

  it('a program that does not cut SSH is confirmed over a fresh round trip and stays attached', async () => {
    const loaded = await session.client.objectLoad({
      path: join(__dirname, '..', '..', 'dist', 'bpf', 'xdp_pass_count.o'),
      name: PASS_OBJ,
    });
    const prog = loaded.programs[0];
    const started = Date.now();
    const outcome = await attachXdpConfirmed(session, { program: `${PASS_OBJ}/${prog.name}`, dev: 'eth0' }, { defaultWithinMs: WINDOW_MS });
    assert.equal(outcome.status, 'confirmed', JSON.stringify(outcome));
    const pending = outcome.attachment.pendingConfirmation;
    assert.ok(pending?.plan, 'the attach was armed with a plan');
    // The confirm ends the plan's watchdog on the host at once; once it is gone nothing can roll the program back.
    await until(() => watchdogPids(pending.plan!).length === 0, "the confirmed plan's watchdog to exit", 30_000);
    // Past the window: still attached, no rollback recorded for it. The window passing is what this asserts, so it
    // waits for the deadline the agent gave (the clock), not for a guessed time.
    await until(() => Date.now() > pending.deadline, 'the confirmation window to pass', WINDOW_MS + 30_000);
    assert.deepEqual(
      xdpOnEth0(host).map((x) => x.id),
      [prog.id],
    );
    assert.equal(pingCount(host.address, 3), 3);
    const records = (await session.client.rollbacksList()).filter((r) => r.at >= started);
    assert.deepEqual(records, []);
    await session.client.detach({ attachment: outcome.attachment.id });
    assert.deepEqual(xdpOnEth0(host), []);
  });

  it('--no-confirm on the SSH interface arms nothing', async () => {
    const prog = (await session.client.objectList()).find((o) => o.name === PASS_OBJ)!.programs[0];
    const outcome = await attachXdpConfirmed(session, { program: `${PASS_OBJ}/${prog.name}`, dev: 'eth0' }, { noConfirm: true });
    assert.equal(outcome.status, 'not-needed');
    assert.equal(outcome.attachment.pendingConfirmation, undefined);
    await session.client.detach({ attachment: outcome.attachment.id });
  });
});
