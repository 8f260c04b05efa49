// The packet path scenarios, run once per backend (bpftool autoattach, bpftrace): a ping, an IPv6 ping and a TCP
// handshake across the bridge lab, each followed hop by hop; a filter that leaves other traffic out; a stop that
// leaves nothing in the kernel. The tracer sees every namespace on the machine (other test files run at the same
// time), so assertions look only at packets of this lab's addresses and namespaces.
import { tracepktObject } from './objectLoader';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { PacketFilter, PacketPathEvent } from '../../../protocol/types';
import { startPacketPath, type PacketPathOptions, type PacketPathTracer } from '../../../remote-agent/packetPath';
import { groupPacketPaths, type PacketPath } from '../../../extension/core/packetPath';
import { createBridgeLab, type BridgeLab } from './bridgeLab';
import { runToken, sweepStale } from '../helpers/cleanup';
import { until } from '../helpers/until';

const exec = promisify(execFile);
export const BPFTOOL_75 = '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool';
export const BPFTOOL_71 = '/usr/sbin/bpftool';

export type Backend = 'bpftool' | 'bpftrace';

export function backendOptions(backend: Backend): Omit<PacketPathOptions, 'filter'> {
  return backend === 'bpftool'
    ? {
        bpftool: { path: BPFTOOL_75, version: '7.5.0', features: { autoattach: true, tcx: true, netShowTcx: true } },
        bpftrace: null,
        object: tracepktObject(),
      }
    : // the fallback is taken for a bpftool that cannot autoattach: the real 7.1 of this machine
      {
        bpftool: { path: BPFTOOL_71, version: '7.1.0', features: { autoattach: false, tcx: false, netShowTcx: false } },
        bpftrace: { path: '/usr/bin/bpftrace' },
      };
}

/** A running tracer and everything it emitted so far. */
export class Capture {
  events: PacketPathEvent[] = [];
  dropped = 0;
  failures: Error[] = [];
  tracer!: PacketPathTracer;
  /** Namespace inodes whose events count (the tracer also sees other test files' labs, which may reuse addresses). */
  only?: Set<number>;

  static async start(backend: Backend, filter: PacketFilter, only?: number[]): Promise<Capture> {
    const c = new Capture();
    if (only) c.only = new Set(only);
    const onFailure = (err: Error) => c.failures.push(err);
    c.tracer = await startPacketPath({ ...backendOptions(backend), filter, onFailure }, (evs, d) => {
      c.events.push(...evs);
      c.dropped += d;
    });
    return c;
  }

  /** Waits (bounded) until `done` holds for the packets so far; returns them either way for the assertion. */
  async until(done: (paths: PacketPath[]) => boolean, limitMs = 8000): Promise<PacketPath[]> {
    await until(() => done(this.paths()), 'the packets traced', limitMs).catch(() => undefined);
    return this.paths();
  }

  paths(): PacketPath[] {
    return groupPacketPaths(this.only ? this.events.filter((e) => this.only!.has(e.netnsInode)) : this.events);
  }
}

type HopView = [number, string, string];
const hopsOf = (p: PacketPath | undefined): HopView[] => (p ? p.hops.map((h) => [h.netnsInode, h.ifname, h.tracepoint]) : []);

/** The scenarios for one backend; `base` is the calling file's 3-character token base (runToken). */
export function packetPathScenarios(backend: Backend, base: string): void {
  describe(`packet path tracer through ${backend}`, { timeout: 120_000 }, () => {
    let lab: BridgeLab;
    let ino: { a: number; br: number; b: number };
    const running: Capture[] = [];

    before(async () => {
      await sweepStale(base);
      lab = await createBridgeLab(runToken(base));
      ino = { a: await lab.inodeOf(lab.ns.a), br: await lab.inodeOf(lab.ns.br), b: await lab.inodeOf(lab.ns.b) };
    });
    after(async () => {
      for (const c of running) await c.tracer.stop();
      await lab?.destroy();
    });
    const start = async (filter: PacketFilter) => {
      const c = await Capture.start(backend, filter, [ino.a, ino.br, ino.b]);
      running.push(c);
      return c;
    };

    // On a veth the sender's side shows net_dev_queue and the receiver's netif_rx (KERNEL-FACTS "Tracepoints");
    // the bridge receives on one port and queues on the other.
    const forward = (): HopView[] => [
      [ino.a, lab.ifs.a, 'net_dev_queue'],
      [ino.br, lab.ifs.pa, 'netif_rx'],
      [ino.br, lab.ifs.pb, 'net_dev_queue'],
      [ino.b, lab.ifs.b, 'netif_rx'],
    ];
    const backward = (): HopView[] => [
      [ino.b, lab.ifs.b, 'net_dev_queue'],
      [ino.br, lab.ifs.pb, 'netif_rx'],
      [ino.br, lab.ifs.pa, 'net_dev_queue'],
      [ino.a, lab.ifs.a, 'netif_rx'],
    ];
    // ping (root, iputils) reads on a raw socket, which is handed a clone; the ICMP layer then frees the original
    // as NO_SOCKET in ping_rcv. The tracer sees the clone (skb->cloned) and leaves that free out like a consume_skb
    // (remote-agent/packetPath/deliveredFrees.ts): the reply ends where it arrived, not in a drop.
    const noReplyDrop = (events: readonly PacketPathEvent[], dst: string) =>
      assert.deepEqual(
        events.filter((e) => e.tracepoint === 'kfree_skb' && e.dst === dst),
        [],
        'no kfree_skb for the delivered replies',
      );

    it('follows a ping from A to B across the bridge, and its reply back, and leaves out a ping to another address', async () => {
      const c = await start({ protocol: 'icmp', host: lab.v4.b });
      await lab.run(lab.ns.a, ['ping', '-c1', '-W2', lab.v4.other]); // filtered out: not host b
      const { stdout } = await lab.run(lab.ns.a, ['ping', '-c1', '-W2', lab.v4.b]);
      assert.match(stdout, /1 received/);
      const paths = await c.until(
        (ps) => ps.filter((p) => p.src === lab.v4.a || p.dst === lab.v4.a).length >= 2 && ps.every((p) => p.hops.length >= 4),
      );
      const ours = paths.filter((p) => (p.src === lab.v4.a && p.dst === lab.v4.b) || (p.src === lab.v4.b && p.dst === lab.v4.a));
      const request = ours.find((p) => p.label === 'request');
      const reply = ours.find((p) => p.label === 'reply');
      assert.deepEqual(hopsOf(request), forward(), 'request hops');
      assert.deepEqual(hopsOf(reply), backward(), 'reply hops');
      assert.equal(reply!.drop, undefined, 'the reply ping read was delivered, not dropped');
      noReplyDrop(c.events, lab.v4.a);
      assert.equal(request!.drop, undefined, 'the request was not dropped');
      assert.equal(request!.exchange, reply!.exchange, 'request and reply share id.seq');
      assert.equal(request!.hops[0].netnsName, lab.ns.a, 'the namespace is named as ip netns names it');
      assert.equal(request!.hops[3].netnsName, lab.ns.b);
      assert.ok(request!.hops.every((h, i) => i === 0 || h.sinceFirstNs >= request!.hops[i - 1].sinceFirstNs));
      const leaked = c.events.filter((e) => e.src === lab.v4.other || e.dst === lab.v4.other);
      assert.deepEqual(leaked, [], 'the ping to the other address does not appear');
      assert.ok(
        c.events.every((e) => e.protocol === 'icmp' && (e.src === lab.v4.b || e.dst === lab.v4.b)),
        'every event matches the filter (icmp and host b), including foreign ones',
      );
    });

    it('follows an IPv6 ping and its reply', async () => {
      const c = await start({ protocol: 'icmp6', host: lab.v6.b });
      const { stdout } = await lab.run(lab.ns.a, ['ping', '-6', '-c1', '-W2', lab.v6.b]);
      assert.match(stdout, /1 received/);
      const mine = (p: PacketPath) => (p.src === lab.v6.a && p.dst === lab.v6.b) || (p.src === lab.v6.b && p.dst === lab.v6.a);
      const paths = await c.until(
        (ps) => ps.filter((p) => mine(p) && (p.label === 'request' || p.label === 'reply') && p.hops.length >= 4).length >= 2,
      );
      const request = paths.find((p) => mine(p) && p.label === 'request');
      const reply = paths.find((p) => mine(p) && p.label === 'reply');
      assert.equal(request?.family, 6);
      assert.deepEqual(hopsOf(request), forward(), 'request hops');
      assert.deepEqual(hopsOf(reply), backward(), 'reply hops');
      assert.equal(reply!.drop, undefined, 'the reply ping read was delivered, not dropped');
      noReplyDrop(c.events, lab.v6.a);
      assert.equal(request!.icmp!.type, 128);
      assert.equal(reply!.icmp!.type, 129);
    });

    it("follows a TCP connection's SYN and SYN-ACK", async () => {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const server = lab.spawn(lab.ns.b, ['nc', '-l', lab.v4.b, String(port)]);
      // wait until the listener is there: `ss` inside b shows it
      await until(async () => !!(await lab.run(lab.ns.b, ['ss', '-Htln', `sport = :${port}`])).stdout.trim(), 'the listener', 10_000, 20);
      const c = await start({ protocol: 'tcp', port });
      await lab.run(lab.ns.a, ['nc', '-z', '-w2', lab.v4.b, String(port)]);
      const paths = await c.until((ps) => ['SYN', 'SYN|ACK'].every((f) => ps.some((p) => p.label === f && p.hops.length >= 4)));
      const syn = paths.find((p) => p.label === 'SYN' && p.src === lab.v4.a);
      const synAck = paths.find((p) => p.label === 'SYN|ACK' && p.src === lab.v4.b);
      assert.deepEqual(hopsOf(syn), forward(), 'SYN hops');
      assert.deepEqual(hopsOf(synAck), backward(), 'SYN-ACK hops');
      assert.equal(syn!.tcp!.dport, port);
      assert.equal(synAck!.tcp!.sport, port);
      assert.equal(synAck!.tcp!.ack, (syn!.tcp!.seq + 1) >>> 0, 'the SYN-ACK acknowledges the SYN');
      server.kill();
    });

    it('reports a reader that dies while tracing, and stop still removes everything', async () => {
      const c = await start({ protocol: 'udp', host: lab.v4.b });
      const progIds = await tracerProgramIds(c.tracer);
      process.kill(c.tracer.pid!, 'SIGKILL');
      await until(() => c.failures.length > 0, "the reader's end reported", 10_000, 20).catch(() => undefined);
      assert.equal(c.failures.length, 1);
      assert.match(c.failures[0].message, /ended by itself|exited while tracing/);
      assert.match(c.failures[0].message, /SIGKILL/);
      await c.tracer.stop();
      if (c.tracer.pinDir) assert.equal(existsSync(c.tracer.pinDir), false, 'its pin directory is gone');
      const gone = async () =>
        !(JSON.parse((await exec(BPFTOOL_75, ['-j', 'prog', 'show'])).stdout) as { id: number }[]).some((p) => progIds.includes(p.id));
      await until(gone, "the tracer's programs released", 5_000).catch(() => undefined);
      const { stdout } = await exec(BPFTOOL_75, ['-j', 'prog', 'show']);
      assert.deepEqual(
        (JSON.parse(stdout) as { id: number }[]).filter((p) => progIds.includes(p.id)),
        [],
        'no program is left',
      );
    });

    it('stop removes every link and pin', async () => {
      const c = await start({ protocol: 'icmp', host: lab.v4.b });
      const progIds = await tracerProgramIds(c.tracer);
      assert.ok(progIds.length >= 4, `the tracer's four programs are loaded (${progIds.join(',')})`);
      await c.tracer.stop();
      const { stdout } = await exec(BPFTOOL_75, ['-j', 'prog', 'show']);
      const still = (JSON.parse(stdout) as { id: number }[]).filter((p) => progIds.includes(p.id));
      assert.deepEqual(still, [], 'no program of the tracer is left in the kernel');
      if (c.tracer.pinDir) assert.equal(existsSync(c.tracer.pinDir), false, 'its pin directory is gone');
      assert.equal(processAlive(c.tracer.pid), false, 'its helper process has exited');
      // A ping after the stop, and a second tracer started after it as the control: once the control has seen the
      // ping, the stopped one would have too, had anything of it survived (a window set by an event, not a sleep).
      const before = c.events.length;
      const control = await start({ protocol: 'icmp', host: lab.v4.b });
      await lab.run(lab.ns.a, ['ping', '-c1', '-W1', lab.v4.b]);
      const seen = await control.until((paths) => paths.some((p) => p.dst === lab.v4.b));
      assert.ok(
        seen.some((p) => p.dst === lab.v4.b),
        'the control tracer saw the ping',
      );
      await control.tracer.stop();
      assert.equal(c.events.length, before, 'no events after stop');
    });
  });
}

function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The kernel's program ids behind a tracer: its pinned links' programs, or the programs bpftrace's process holds. */
async function tracerProgramIds(t: PacketPathTracer): Promise<number[]> {
  if (t.pinDir) {
    const { stdout } = await exec(BPFTOOL_75, ['-j', '-f', 'link', 'show']);
    const links = JSON.parse(stdout) as { prog_id: number; pinned?: string[] }[];
    return links.filter((l) => l.pinned?.some((p) => p.startsWith(`${t.pinDir}/`))).map((l) => l.prog_id);
  }
  // bpftrace holds its programs by file descriptor: /proc/PID/fdinfo of each bpf-prog fd names the program id
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${t.pid}/fd`)) {
    if (readlinkSync(`/proc/${t.pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
    const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${t.pid}/fdinfo/${fd}`, 'utf8'));
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}
