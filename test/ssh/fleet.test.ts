// Many hosts at once, through the CLI run in-process against a chain A - R - B of namespace hosts, each with its own
// sshd on a management link (helpers/fleetHosts.ts), named in an Ansible inventory: a listing across the three (and
// a fourth host that refuses the connection, reported without stopping the others); a canary rollout that one host
// cannot take (it has no probe0), stopped and undone, checked with bpftool in every namespace; a ping from A to B
// traced on the three hosts, each scoped to its own namespace, joined into one path A eth0 -> R eth0, eth1 -> B eth0
// with the TTL falling by one at R; a diff of two hosts where one has an extra XDP program.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../extension/cli/main';
import type { CliContext } from '../../extension/cli/io';
import { openSession } from '../../extension/core/session';
import { leftovers, runToken, sweepStale } from '../kernel/helpers/cleanup';
import { chainLab, CHAIN, type FleetHosts, type MgmtHost } from './helpers/fleetHosts';

const TOKEN = runToken('flt');
const ROOT = join(__dirname, '..', '..');
const AGENT = join(ROOT, 'dist', 'agent.js');
const REMOTE_BASE = `.cache/end_${TOKEN}`;

interface Run {
  code: number;
  out: string;
  err: string;
}

describe('fleet: a chain of namespace hosts A - R - B', () => {
  let lab: FleetHosts & { a: MgmtHost; r: MgmtHost; b: MgmtHost };
  let scratch: string;
  let inventory: string;
  let object: string;

  const cli = async (argv: string[]): Promise<Run> => {
    let out = '';
    let err = '';
    const ctx: CliContext = {
      io: {
        out: (t) => {
          out += t;
        },
        err: (t) => {
          err += t;
        },
      },
      env: { EBPF_NETDEBUG_REMOTE_BASE: REMOTE_BASE },
      openSession: (host, opts = {}) =>
        openSession(host, {
          ...opts,
          agentPath: AGENT,
          reconnect: false,
          ssh: { ...opts.ssh, ...lab.client.connectOptions() },
        }),
      interrupted: () => new Promise(() => undefined),
    };
    const code = await runCli(argv, ctx);
    return { code, out, err };
  };
  const lines = (r: Run) =>
    r.out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const xdpOn = (h: MgmtHost, dev: string): number | undefined => {
    const net = JSON.parse(h.exec(['bpftool', '-j', 'net', 'show', 'dev', dev])) as { xdp?: { id: number }[] }[];
    return net[0]?.xdp?.[0]?.id;
  };

  before(async () => {
    await sweepStale('flt');
    scratch = mkdtempSync(join(tmpdir(), `end_${TOKEN}_`));
    lab = await chainLab(TOKEN);
    inventory = join(scratch, 'hosts.ini');
    writeFileSync(
      inventory,
      [
        '[chain]',
        ...lab.hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_user=root`),
        '[broken]',
        'X ansible_host=127.0.0.1 ansible_port=1 ansible_user=root',
        '',
      ].join('\n'),
    );
    // The object's default name carries its file name: ours carries the token, so no other test shares it.
    object = join(scratch, `end_${TOKEN}_drop.o`);
    copyFileSync(join(ROOT, 'dist', 'bpf', 'xdp_drop_ping.o'), object);
  });

  after(async () => {
    await lab?.destroy();
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    assert.deepEqual(await leftovers(TOKEN), []);
  });

  it('lists programs on every host, one JSON line each with its host; a host that refuses is named in the summary', async () => {
    const r = await cli(['list', 'programs', '--inventory', inventory, '--json']);
    assert.equal(r.code, 1, r.err);
    const byHost = new Map(lines(r).map((l) => [l.host, l]));
    assert.deepEqual([...byHost.keys()], ['A', 'R', 'B', 'X']);
    for (const h of ['A', 'R', 'B']) assert.ok(Array.isArray(byHost.get(h)!.programs), `${h}: ${JSON.stringify(byHost.get(h))}`);
    assert.equal(byHost.get('X')!.ok, false);
    assert.match(r.err, /4 hosts: 3 ok, 1 failed\n {2}X: .*ECONNREFUSED/);

    const text = await cli(['info', '--inventory', inventory, '--limit', 'chain']);
    assert.equal(text.code, 0, text.err);
    assert.deepEqual(
      [...text.out.matchAll(/^== (\w+) ==$/gm)].map((m) => m[1]),
      ['A', 'R', 'B'],
    );
    assert.equal([...text.out.matchAll(/^Kernel:/gm)].length, 3);
  });

  it('a canary rollout stops where a host cannot take the program and detaches what it attached', async () => {
    // A and R get a probe0 interface, B does not: the third wave fails.
    for (const h of [lab.a, lab.r]) {
      h.exec(['ip', 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
      h.exec(['ip', 'link', 'set', 'probe0', 'up']);
      h.exec(['ip', 'link', 'set', 'probe1', 'up']);
    }
    const r = await cli([
      'attach',
      'xdp',
      '--inventory',
      inventory,
      '--limit',
      'chain',
      '--rollout',
      'canary',
      '--wave',
      '1',
      '--health-ping',
      `${CHAIN.left}.2`,
      '--dev',
      'probe0',
      object,
    ]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /wave 0 \(canary\): A\n {2}A: attached xdp:root:probe0 \(prog \d+\), dead-man confirmed\n {2}A: health probe ok/);
    assert.match(r.out, / {2}R: attached xdp:root:probe0/);
    assert.match(r.out, / {2}B: FAILED at attach: .*probe0/);
    assert.match(r.out, / {2}R: detached \(rollout undone\)\n {2}A: detached \(rollout undone\)/);
    assert.match(r.err, /B: attach: /);
    assert.equal(xdpOn(lab.a, 'probe0'), undefined, 'A: nothing left on probe0 (bpftool)');
    assert.equal(xdpOn(lab.r, 'probe0'), undefined, 'R: nothing left on probe0 (bpftool)');
    assert.ok(!execFileSync('bpftool', ['prog', 'show']).toString().includes(`end_${TOKEN}`), 'no program of ours left loaded');
  });

  it('a ping from A to B, traced on the three hosts each in its own namespace, is one path across them', async () => {
    const pcap = join(scratch, 'chain.pcapng');
    const ping = spawn('nsenter', [`--net=/run/netns/${lab.a.netns}`, 'ping', '-n', '-i', '0.2', `${CHAIN.right}.2`], { stdio: 'ignore' });
    try {
      const r = await cli([
        'trace',
        '--source',
        'packet-path',
        '--inventory',
        inventory,
        '--limit',
        'chain',
        '--netns-scope',
        'own',
        '--filter',
        `icmp and host ${CHAIN.right}.2`,
        '--duration',
        '4',
        '--json',
        '-w',
        pcap,
      ]);
      assert.equal(r.code, 0, r.err);
      const docs = lines(r);
      const clocks = docs.filter((d) => d.clock);
      assert.deepEqual(
        clocks.map((c) => c.host),
        ['A', 'R', 'B'],
      );
      const requests = docs.filter((d) => d.label === 'request') as unknown as {
        hosts: string[];
        hops: { host: string; ifname: string; ttl: number }[];
      }[];
      const full = requests.find((p) => p.hosts.join() === 'A,R,B');
      assert.ok(full, `a request seen on A, R and B: ${JSON.stringify(requests.map((p) => p.hosts))}`);
      assert.deepEqual(
        full.hops.map((h) => `${h.host} ${h.ifname}`),
        ['A eth0', 'R eth0', 'R eth1', 'B eth0'],
      );
      assert.deepEqual(
        full.hops.map((h) => h.ttl),
        [64, 64, 63, 63],
        'TTL falls by one at R',
      );
      const reply = docs.find((d) => d.label === 'reply' && (d.hosts as string[]).join() === 'B,R,A') as
        { hops: { host: string; ifname: string; tracepoint: string }[] } | undefined;
      assert.ok(reply, 'the reply goes back B -> R -> A');
      // Where ping reads replies on a raw socket, the kernel also frees the ping-socket lookup's copy at A
      // (skb:kfree_skb NO_SOCKET in ping_rcv): a hop of its own after A's eth0, not another interface.
      assert.deepEqual(
        reply.hops.filter((h) => h.tracepoint !== 'kfree_skb').map((h) => `${h.host} ${h.ifname}`),
        ['B eth0', 'R eth1', 'R eth0', 'A eth0'],
      );
      // -w: the same hops in one pcapng, one interface per host and interface, as Wireshark reads it.
      assert.match(r.err, /trace: wrote \d+ packets \(hops\) from 3 hosts to /);
      const frames = execFileSync('tshark', [
        '-r',
        pcap,
        '-T',
        'fields',
        '-e',
        'frame.interface_name',
        '-e',
        'ip.ttl',
        '-Y',
        'icmp.type == 8',
      ])
        .toString()
        .trim()
        .split('\n')
        .map((l) => l.split('\t'));
      const ifaces = new Set(frames.map((f) => f[0]));
      for (const i of ['A/eth0', 'R/eth0', 'R/eth1', 'B/eth0'])
        assert.ok(ifaces.has(i), `echo requests on ${i} in the pcapng: ${[...ifaces].join(', ')}`);
      assert.ok(
        frames.some((f) => f[0] === 'R/eth1' && f[1] === '63'),
        'the request leaves R on eth1 with TTL 63',
      );
    } finally {
      ping.kill('SIGKILL');
    }
  });

  it('a diff of two hosts names the XDP program one of them has in addition', async () => {
    try {
      lab.r.exec(['ip', 'link', 'show', 'probe0']);
    } catch {
      lab.r.exec(['ip', 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
    }
    const att = await cli(['attach', 'xdp', '--host', `root@${lab.r.address}`, '--dev', 'probe0', '--no-confirm', '--json', object]);
    assert.equal(att.code, 0, att.err);
    try {
      const same = await cli([
        'diff',
        '--host',
        `root@${lab.a.address}`,
        '--host',
        `root@${lab.b.address}`,
        '--netns-scope',
        'own',
        '--no-contents',
      ]);
      assert.equal(same.code, 0, same.out + same.err);
      assert.match(same.out, /the hosts are the same/);
      const r = await cli(['diff', '--host', `root@${lab.a.address}`, '--host', `root@${lab.r.address}`, '--netns-scope', 'own']);
      assert.equal(r.code, 1, r.err);
      assert.match(r.out, /only on B {2}xdp root\/probe0: xdp_drop_ping tag [0-9a-f]{16} \(prog \d+\)/);
      assert.doesNotMatch(r.out, /only on A/);
      const j = await cli([
        'diff',
        '--host',
        `root@${lab.a.address}`,
        '--host',
        `root@${lab.r.address}`,
        '--netns-scope',
        'own',
        '--no-contents',
        '--json',
      ]);
      const d = JSON.parse(j.out) as { attachments: { onlyB: { dev: string; progName: string }[] }; identical: boolean };
      assert.deepEqual(
        d.attachments.onlyB.map((x) => `${x.dev} ${x.progName}`),
        ['probe0 xdp_drop_ping'],
      );
      assert.equal(d.identical, false);
    } finally {
      const det = await cli(['detach', '--host', `root@${lab.r.address}`, 'xdp:root:probe0']);
      assert.equal(det.code, 0, det.err);
    }
    assert.equal(xdpOn(lab.r, 'probe0'), undefined);
  });

  it('attach and detach on a group without a rollout: each host on its own, the one that fails named', async () => {
    for (const h of [lab.a, lab.r]) {
      try {
        h.exec(['ip', 'link', 'show', 'probe0']);
      } catch {
        h.exec(['ip', 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
      }
    }
    // One at a time: these namespace hosts share one bpffs, so the object A loads is the one R reuses, and only
    // the last detach may unload it (on real hosts each has its own).
    const att = await cli([
      'attach',
      'xdp',
      '--inventory',
      inventory,
      '--limit',
      'A,R',
      '--parallel',
      '1',
      '--dev',
      'probe0',
      '--no-confirm',
      '--json',
      object,
    ]);
    assert.equal(att.code, 0, att.err);
    assert.deepEqual(
      lines(att).map((l) => [l.host, l.id]),
      [
        ['A', 'xdp:root:probe0'],
        ['R', 'xdp:root:probe0'],
      ],
    );
    assert.ok(xdpOn(lab.a, 'probe0') && xdpOn(lab.r, 'probe0'), 'bpftool shows the program on both');
    const det = await cli(['detach', 'xdp:root:probe0', '--inventory', inventory, '--limit', 'chain', '--parallel', '1']);
    assert.equal(det.code, 1, det.out + det.err);
    assert.match(det.out, /== A ==\ndetached xdp:root:probe0/);
    assert.match(det.out, /== R ==\ndetached xdp:root:probe0 .*\nunloaded object end_/);
    assert.match(det.err, /3 hosts: 2 ok, 1 failed\n {2}B: /);
    assert.equal(xdpOn(lab.a, 'probe0'), undefined);
    assert.equal(xdpOn(lab.r, 'probe0'), undefined);
  });
});
