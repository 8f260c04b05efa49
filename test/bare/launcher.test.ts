// The sudoers recommendation that grants only the agent (docs/deploy.md "A launcher"), on a bare OpenSSH host whose
// login, alice, has password sudo: `host install-launcher` (her password, once) puts the root-owned launcher there;
// then her sudoers rule is replaced by one NOPASSWD line for the launcher alone, and the CLI, asking no password,
// runs the agent as root through it (the XDP drop-ping stops our pings, detach brings them back), while a changed
// agent bundle is refused by the launcher without running, and sudo allows her nothing else.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runToken } from '../kernel/helpers/cleanup';
import { run, type RunResult } from '../kernel/helpers/run';
import { until } from '../kernel/helpers/until';
import { pingCount } from '../ssh/helpers/nsHost';
import { startBareHost, type BareHost } from './helpers/bareHost';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const DROP_PING_O = join(ROOT, 'dist', 'bpf', 'xdp_drop_ping.o');
const LAUNCHER = '/usr/local/sbin/ebpf-netdebug-agent';
const token = runToken('bla');

describe('bare host: a sudoers rule for the launcher alone', () => {
  let h: BareHost;
  const remoteBase = `.cache/end_${token}`;
  const cli = (args: string[], password?: string): Promise<RunResult> =>
    run(['env', `HOME=${h.client.home}`, `EBPF_NETDEBUG_REMOTE_BASE=${remoteBase}`, process.execPath, CLI, ...args], {
      timeoutMs: 180_000,
      input: password === undefined ? '' : `${password}\n`,
    });
  /** Runs a shell line as alice inside the host; its exit code and output (never throws). */
  const asAlice = async (line: string) => {
    const out = await h.exec(['runuser', '-u', 'alice', '--', '/bin/sh', '-c', `${line}; echo "exit=$?"`]);
    return { code: Number(/exit=(\d+)\s*$/.exec(out)?.[1]), out };
  };

  before(async () => {
    h = await startBareHost(token, 'sudo');
  });
  after(async () => {
    await h?.stop();
  });

  it('install-launcher with the sudo password: root-owned launcher, Node.js and allow list; prints the sudoers line', async () => {
    const r = await cli(['host', 'install-launcher', '--host', h.alias, '--sudo-password-stdin'], h.sudoPassword);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`alice ALL=\\(root\\) NOPASSWD: ${LAUNCHER}\\n`));
    const owners = await h.exec(['stat', '-c', '%U %a %n', LAUNCHER, '/etc/ebpf-netdebug/allowed-agents', '/etc/ebpf-netdebug/node']);
    assert.match(
      owners,
      new RegExp(`^root 755 ${LAUNCHER}\\nroot 644 /etc/ebpf-netdebug/allowed-agents\\nroot 644 /etc/ebpf-netdebug/node\\n$`),
    );
    const node = (await h.exec(['cat', '/etc/ebpf-netdebug/node'])).trim();
    assert.match(
      node,
      /^\/usr\/local\/lib\/ebpf-netdebug\/runtime-x64-[0-9a-f]{16}\/node\/node$/,
      'our runtime, copied where root owns it',
    );
    assert.match(await h.exec(['find', '/usr/local/lib/ebpf-netdebug', '!', '-user', 'root']), /^$/, 'all of it root-owned');
  });

  it('with only `NOPASSWD: launcher` in sudoers and no password: the agent runs as root, XDP drop-ping works', async () => {
    await h.exec(['sh', '-c', `printf 'alice ALL=(root) NOPASSWD: ${LAUNCHER}\\n' > /etc/sudoers.d/alice`]);
    // Nothing else is allowed now: sudo -n for node (or anything) is refused.
    const other = await asAlice(`sudo -n -- ${h.home}/${remoteBase}/runtime-*/node/node -e 'process.exit(0)' 2>&1`);
    assert.notEqual(other.code, 0, other.out);

    const info = await cli(['info', '--host', h.alias, '--json']);
    assert.equal(info.code, 0, info.stderr);
    const facts = JSON.parse(info.stdout);
    assert.equal(facts.privileges.root, true);
    assert.match(
      facts.bpftool.path,
      /^\/usr\/local\/lib\/ebpf-netdebug\/runtime-x64-[0-9a-f]{16}\/bpftool\/bpftool$/,
      "the launcher's own arguments (the root-owned bpftool, not the one in her cache): it ran through the launcher",
    );

    assert.equal(pingCount(h.address, 3), 3, 'the host answers before');
    const a = await cli(['attach', 'xdp', '--host', h.alias, '--dev', 'eth0', '--name', `end_${token}_drop`, '--json', DROP_PING_O]);
    assert.equal(a.code, 0, a.stderr);
    const id = (JSON.parse(a.stdout) as { id: string }).id;
    try {
      assert.equal(pingCount(h.address, 4), 0, 'every ping dropped on the host');
    } finally {
      const d = await cli(['detach', '--host', h.alias, id]);
      assert.equal(d.code, 0, d.stderr);
    }
    assert.equal(pingCount(h.address, 3), 3, 'answered again');
    await until(() => !h.processes().some((c) => c.includes('/run/ebpf-netdebug/launcher/')), 'the agents gone', 30_000, 100);
  });

  it('a changed agent bundle is refused by the launcher and never runs', async () => {
    // The allowed bundle from her cache, with one line of hers added: as root it would leave a mark in /tmp.
    const evil = `${h.home}/evil-agent.js`;
    const mark = `/tmp/end-${token}-ran`;
    const made = await asAlice(
      `cp ${h.home}/${remoteBase}/agent-*/agent.js ${evil} && printf '%s\\n' ";require('fs').writeFileSync('${mark}', 'root')" >> ${evil}`,
    );
    assert.equal(made.code, 0, made.out);
    const r = await asAlice(`sudo -n -- ${LAUNCHER} ${evil} 2>&1 </dev/null`);
    assert.equal(r.code, 3, r.out);
    assert.match(r.out, /is not an allowed agent bundle \(\/etc\/ebpf-netdebug\/allowed-agents\); nothing was run/);
    assert.match(await h.exec(['sh', '-c', `ls ${mark} 2>/dev/null; echo done`]), /^done\n$/, 'the changed bundle did not run');
    const check = await asAlice(`sudo -n -- ${LAUNCHER} --check ${evil} 2>&1`);
    assert.equal(check.code, 3, check.out);
  });
});
