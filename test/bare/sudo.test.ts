// A bare OpenSSH host whose login, alice, needs her password for sudo: the CLI reads it with --sudo-password-stdin and
// the agent runs as root (test/bare/helpers/scenario.ts says what else is checked). A wrong password is one clear
// line and starts nothing; without a way to ask, the error says how to give it; the password is in no process's
// command line on the host while the agent runs; a session that reconnects (its agent killed, its SSH session
// killed) comes back through sudo without asking for the password again.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openSession, type StateChange } from '../../extension/core/session';
import { runToken } from '../kernel/helpers/cleanup';
import { run } from '../kernel/helpers/run';
import { until } from '../kernel/helpers/until';
import { bareScenario } from './helpers/scenario';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
const AGENT = join(__dirname, '..', '..', 'dist', 'agent.js');
/** The agent itself (not the probe, whose script text names agent.js too), started through sudo -S. */
const AGENT_VIA_SUDO = /sudo -S -k -p {2}-- \S+\/node\/node \S+\/agent\.js/;

bareScenario('sudo', runToken('bsu'), {
  sudoPassword: true,
  more: (host, remoteBase) => {
    it('a wrong sudo password: one line naming it, exit 1, no agent started', async () => {
      const h = host();
      const r = await run(['env', `HOME=${h.client.home}`, process.execPath, CLI, 'info', '--host', h.alias, '--sudo-password-stdin'], {
        input: 'not-her-password\n',
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /sudo refused the password for alice \(wrong password\); nothing was started/);
      assert.ok(!h.processes().some((c) => /agent\.js/.test(c)), h.processes().join('\n'));
    });

    it('without --sudo-password-stdin and no terminal: the error says how to give the password', async () => {
      const h = host();
      const r = await run(['env', `HOME=${h.client.home}`, process.execPath, CLI, 'info', '--host', h.alias], {
        input: '',
        timeoutMs: 120_000,
      });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /logged in as alice \(not root\).*--sudo-password-stdin/);
    });

    it("while the agent runs, the password is in no process's command line on the host", async () => {
      const h = host();
      const child = spawn(
        'env',
        [
          `HOME=${h.client.home}`,
          process.execPath,
          CLI,
          'trace',
          '--host',
          h.alias,
          '--source',
          'trace_pipe',
          '--filter',
          'end-never-matches',
          '--duration',
          '20',
          '--sudo-password-stdin',
        ],
        { stdio: ['pipe', 'ignore', 'pipe'] },
      );
      child.stdin.end(`${h.sudoPassword}\n`);
      try {
        await until(() => h.processes().some((c) => AGENT_VIA_SUDO.test(c)), 'the agent running through sudo -S', 30_000, 100);
        assert.doesNotMatch(h.processes().join('\n'), new RegExp(h.sudoPassword!));
      } finally {
        const ended = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await ended;
        // Its agent goes with it: wait, so the next test does not see this one.
        await until(() => !h.processes().some((c) => /node\.bin \S+\/agent\.js/.test(c)), "the trace's agent gone", 30_000, 100);
      }
    });

    it('a reconnect through password sudo (agent killed, then the SSH session killed) does not ask for the password again', async () => {
      const h = host();
      let asked = 0;
      const s = await openSession(h.alias, {
        agentPath: AGENT,
        ssh: h.connectOptions(),
        deploy: {
          remoteBase,
          askSudoPassword: () => {
            asked++;
            return Promise.resolve(h.sudoPassword);
          },
        },
      });
      const changes: StateChange[] = [];
      s.onStateChange((c) => changes.push(c));
      const reconnected = (n: number) => changes.filter((c) => c.state === 'connected').length >= n;
      try {
        assert.equal(asked, 1, 'asked once to connect');
        assert.equal(s.deployment?.sudo, 'password');
        assert.equal(s.facts.privileges.root, true);

        // 1. The agent dies (sudo, its parent, goes with it and the channel closes).
        const first = s.facts.agentPid!;
        process.kill(first, 'SIGKILL');
        await until(
          () => reconnected(1) || changes.some((c) => c.state === 'disconnected'),
          'the session back after the agent was killed',
          120_000,
        );
        assert.ok(reconnected(1), `reconnected: ${changes.map((c) => `${c.state} ${c.reason?.message ?? ''}`).join('; ')}`);
        assert.notEqual(s.facts.agentPid, first, 'a new agent');
        assert.equal(s.facts.privileges.root, true, 'as root again');

        // 2. The SSH session dies: sshd's processes serving alice's connection killed.
        const sessions = h.processTable().filter((p) => /^sshd: alice/.test(p.cmdline));
        assert.ok(sessions.length > 0, h.processes().join('\n'));
        for (const p of sessions) process.kill(p.pid, 'SIGKILL');
        await until(
          () => reconnected(2) || changes.some((c) => c.state === 'disconnected'),
          'the session back after sshd was killed',
          120_000,
        );
        assert.ok(reconnected(2), `reconnected: ${changes.map((c) => `${c.state} ${c.reason?.message ?? ''}`).join('; ')}`);
        assert.equal(s.facts.privileges.root, true, 'as root again');
        assert.ok(Array.isArray(await s.client.listPrograms()), 'the new agent answers a root-only request');
        assert.ok(
          h.processes().some((c) => AGENT_VIA_SUDO.test(c)),
          'the agent runs through sudo -S again',
        );

        assert.equal(asked, 1, 'the password was not asked again');
        assert.doesNotMatch(h.processes().join('\n'), new RegExp(h.sudoPassword!), 'and is in no command line');
      } finally {
        await s.close();
        await until(() => !h.processes().some((c) => /node\.bin \S+\/agent\.js/.test(c)), "the session's agents gone", 30_000, 100);
      }
    });
  },
});
