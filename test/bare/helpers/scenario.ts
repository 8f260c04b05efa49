// What every bare host must allow, by CLI as a user runs it (HOME with the ssh_config alias and known_hosts): the
// first `info` brings the agent and its runtime; the seed XDP program on the host's eth0 stops our pings and
// detaching brings them back; the packet-path trace shows the hops of a ping; and afterwards nothing of ours exists
// on the host outside the login's home and /tmp (the overlay's upper directory is the host's record of its writes).
// One host per file, shared by its tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from '../../kernel/helpers/run';
import { until } from '../../kernel/helpers/until';
import { pingCount } from '../../ssh/helpers/nsHost';
import { startBareHost, type BareHost, type BareKind } from './bareHost';

const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const DROP_PING_O = join(ROOT, 'dist', 'bpf', 'xdp_drop_ping.o');

/** Places a host's own programs write to that are not ours (sshd's and sudo's logs and records). */
export const NOT_OURS = ['/var/log', '/var/lib/sudo', '/run', '/etc/dropbear'];

export interface ScenarioOptions {
  /** The CLI gets the host's sudo password with --sudo-password-stdin. */
  sudoPassword?: boolean;
  /** More tests for the same host, defined inside the suite (after the common ones); `remoteBase` is this run's. */
  more?: (host: () => BareHost, remoteBase: string) => void;
}

export function bareScenario(kind: BareKind, token: string, opts: ScenarioOptions = {}): { host: () => BareHost } {
  let h: BareHost | undefined;
  // A base of this run's own: the hosts share this machine's /proc, where other runs' agents may live in /root.
  const remoteBase = `.cache/end_${token}`;
  const cli = (...args: string[]): Promise<RunResult> => {
    const extra = opts.sudoPassword ? ['--sudo-password-stdin'] : [];
    return run(['env', `HOME=${h!.client.home}`, `EBPF_NETDEBUG_REMOTE_BASE=${remoteBase}`, process.execPath, CLI, ...args, ...extra], {
      timeoutMs: 180_000,
      ...(opts.sudoPassword ? { input: `${h!.sudoPassword}\n` } : {}),
    });
  };
  const attached = new Set<string>();

  describe(`bare ${kind} host by CLI`, () => {
    before(async () => {
      assert.ok(existsSync(CLI) && existsSync(DROP_PING_O), 'dist/ is built (node scripts/build.mjs)');
      assert.ok(
        existsSync(join(ROOT, 'dist', 'runtime', 'linux-x64.tar.gz')),
        'the agent runtime is built (scripts/build-runtime.sh, then node scripts/build.mjs)',
      );
      h = await startBareHost(token, kind);
    });

    after(async () => {
      for (const id of attached) await cli('detach', '--host', h!.alias, id).catch(() => undefined);
      await h?.stop();
    });

    it("the first connection brings the agent, Node.js and bpftool 7.5 into the login's cache directory", async () => {
      const r = await cli('info', '--host', h!.alias, '--json');
      assert.equal(r.code, 0, r.stderr);
      const facts = JSON.parse(r.stdout);
      assert.equal(facts.privileges.root, true, 'the agent runs as root');
      assert.match(facts.bpftool.version, /^7\.5\./);
      assert.ok(facts.bpftool.path.startsWith(`${h!.home}/${remoteBase}/runtime-x64-`), facts.bpftool.path);
      assert.equal(facts.bpftool.features.autoattach, true);
      const listing = await h!.exec(['ls', '-A', `${h!.home}/${remoteBase}`]);
      assert.match(listing, /^agent-[^\n]+\nruntime-x64-[0-9a-f]{16}\nstate\n$/);
    });

    it("XDP drop-ping on the host's eth0: our pings stop; detached, they are answered again", async () => {
      assert.equal(pingCount(h!.address, 3), 3, 'the host answers before');
      const a = await cli('attach', 'xdp', '--host', h!.alias, '--dev', 'eth0', '--name', `end_${token}_drop`, '--json', DROP_PING_O);
      assert.equal(a.code, 0, a.stderr);
      const att = JSON.parse(a.stdout) as { id: string };
      attached.add(att.id);
      assert.equal(pingCount(h!.address, 4), 0, 'every ping dropped on the host');
      const d = await cli('detach', '--host', h!.alias, att.id);
      assert.equal(d.code, 0, d.stderr);
      attached.delete(att.id);
      assert.equal(pingCount(h!.address, 3), 3, 'answered again');
    });

    it('the packet-path trace shows the hops of a ping to the host', async (t) => {
      const tracing = cli(
        'trace',
        '--host',
        h!.alias,
        '--source',
        'packet-path',
        '--filter',
        `icmp and host ${h!.address}`,
        '--duration',
        '8',
      );
      let done = false;
      void tracing.then(() => {
        done = true;
      });
      // pingCount blocks; yield between pings so the trace's end is noticed.
      while (!done) {
        pingCount(h!.address, 1);
        await new Promise((res) => setImmediate(res));
      }
      const r = await tracing;
      assert.equal(r.code, 0, r.stderr);
      const request = r.stdout
        .trim()
        .split('\n\n')
        .find((b) => /request #\d+\.\d+ /.test(b));
      assert.ok(request, `no echo request traced:\n${r.stdout}\n${r.stderr}`);
      t.diagnostic(request!);
      const hops = request!.split('\n');
      // Sent by us on our end of the veth, received by the host on its eth0 (another network namespace).
      assert.match(
        hops[0],
        new RegExp(
          `^\\[\\d+ root\\] +${h!.ns.rootDev} +request #\\d+\\.\\d+ [\\d.]+ -> ${h!.address.replace(/\./g, '\\.')} +\\+0\\.000 ms +net_dev_queue$`,
        ),
      );
      assert.ok(
        hops.some((l) => /^\[\d+ [^\]]*\] +eth0 +request .* netif_rx$/.test(l)),
        `the host's eth0 receives it:\n${request}`,
      );
    });

    opts.more?.(() => h!, remoteBase);

    /** Starts an agent that stays (a trace) and checks that host clean refuses and removes nothing meanwhile. */
    const refusedWhileRunning = async (base: string) => {
      // An agent of an earlier test may still be on its way out: start from none.
      await until(() => !h!.processes().some((c) => c.includes(`${base}/`)), `no process of ours running from ${base}`, 30_000, 100);
      // (packet-path, not trace_pipe: another reader of the one trace_pipe could make that trace end early.)
      const trace = spawn(
        'env',
        [
          `HOME=${h!.client.home}`,
          `EBPF_NETDEBUG_REMOTE_BASE=${remoteBase}`,
          process.execPath,
          CLI,
          'trace',
          '--host',
          h!.alias,
          '--source',
          'packet-path',
          '--filter',
          'icmp and host 192.0.2.77',
          '--duration',
          '60',
          ...(opts.sudoPassword ? ['--sudo-password-stdin'] : []),
        ],
        { stdio: ['pipe', 'ignore', 'ignore'] },
      );
      trace.stdin.end(opts.sudoPassword ? `${h!.sudoPassword}\n` : '');
      const traceEnded = new Promise((res) => trace.once('exit', res));
      try {
        await until(() => h!.processes().some((c) => c.includes(`${base}/agent-`)), `the trace's agent running from ${base}`, 30_000, 100);
        const refused = await cli('host', 'clean', '--host', h!.alias);
        assert.equal(refused.code, 1, `${refused.stdout}${refused.stderr}\n${h!.processes().join('\n').slice(0, 3000)}`);
        assert.match(refused.stderr, /not cleaned: .* of ours still run from .*\(pid \d+: /);
        assert.match(await h!.exec(['ls', '-A', base]), /agent-/, 'nothing removed');
      } finally {
        trace.kill('SIGINT');
        await traceEnded;
        // Its agent ends a moment after the CLI: wait for it before cleaning.
        await until(() => !h!.processes().some((c) => c.includes(`${base}/`)), `no process of ours running from ${base}`, 30_000, 100);
      }
    };

    it('host clean: refused while an agent of ours runs there; then everything of ours in the cache directory is gone', async () => {
      const base = `${h!.home}/${remoteBase}`;
      // An agent that stays: a trace that runs until we stop it.
      await refusedWhileRunning(base);
      const r = await cli('host', 'clean', '--host', h!.alias, '--json');
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.removed, base);
      assert.deepEqual(
        out.entries.filter((e: string) => !e.startsWith('agent-') && !e.startsWith('runtime-')),
        ['state'],
      );
      assert.equal(out.viaSudo, h!.user !== 'root', "the state is root's: a non-root login needs sudo");
      assert.doesNotMatch(await h!.exec(['ls', '-A', `${h!.home}/.cache`]), new RegExp(`end_${token}`));
      const again = await cli('host', 'clean', '--host', h!.alias);
      assert.equal(again.stdout, `${h!.alias}: nothing of ours to remove\n`);
    });

    it("nothing of ours is left on the host outside the login's home and /tmp", () => {
      const written = h!.writtenSince([h!.home, '/tmp', ...NOT_OURS]);
      assert.deepEqual(written, [], `written outside ${h!.home} and /tmp: ${written.join(', ')}`);
    });
  });
  return { host: () => h! };
}
