// A bare OpenSSH host whose login, alice, needs her password for sudo: the CLI reads it with --sudo-password-stdin and
// the agent runs as root (test/bare/helpers/scenario.ts says what else is checked). A wrong password is one clear
// line and starts nothing; without a way to ask, the error says how to give it; the password is in no process's
// command line on the host while the agent runs.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runToken } from '../kernel/helpers/cleanup';
import { run } from '../kernel/helpers/run';
import { bareScenario } from './helpers/scenario';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

bareScenario('sudo', runToken('bsu'), {
  sudoPassword: true,
  more: (host) => {
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
        // The agent through sudo -S (the probe's own script text also names agent.js: wait for the agent itself).
        const agentLine = /sudo -S -k -p {2}-- \S+\/node\/node \S+\/agent\.js/;
        let args = '';
        for (let i = 0; i < 300 && !agentLine.test(args); i++) {
          args = h.processes().join('\n');
          if (!agentLine.test(args)) await new Promise((r) => setTimeout(r, 100));
        }
        assert.match(args, agentLine, 'the agent runs through sudo -S');
        assert.doesNotMatch(args, new RegExp(h.sudoPassword!));
      } finally {
        const ended = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await ended;
        // Its agent goes with it: wait, so the next test does not see this one.
        const running = () => h.processes().some((c) => /node\.bin \S+\/agent\.js/.test(c));
        for (let i = 0; i < 300 && running(); i++) await new Promise((r) => setTimeout(r, 100));
      }
    });
  },
});
