// tcpdump inside a namespace: capture to a private pcap file while a test does something, then read the packets
// back as plain records (addresses, ports, TCP flags, payload length), i.e. what a user reads off tcpdump.
// Capturing to a file (-w, -U) and reading it afterwards (-r) keeps the result independent of output buffering;
// --immediate-mode matters: without it packets wait in the capture ring for up to a second, and the ones still there
// when tcpdump is stopped are never written ("N packets received by filter, 0 captured").
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsArgv } from './netns';
import { runOk } from './run';
import { until } from './until';

export interface CapturedPacket {
  /** tcpdump's line, for messages. */
  line: string;
  src: string;
  dst: string;
  protocol: 'tcp' | 'icmp' | 'other';
  sport?: number;
  dport?: number;
  /** TCP flags as tcpdump prints them: "S", "S.", ".", "P.", "F.", "R"... */
  flags?: string;
  /** TCP payload bytes (tcpdump's "length N"). */
  length?: number;
  /** ICMP: "echo request" | "echo reply" | ... */
  icmp?: string;
  ttl?: number;
}

/** tcpdump's closing counts. captured < receivedByFilter means packets were lost before tcpdump wrote them. */
export interface CaptureStats {
  captured: number;
  receivedByFilter: number;
  droppedByKernel: number;
}

export interface Capture {
  /**
   * Waits until tcpdump has written everything it was given (the file stops growing), stops it and returns every
   * packet captured. Rejects when tcpdump reports that it lost packets, so "no such packet" is never a lost one.
   */
  stop(): Promise<CapturedPacket[]>;
  /** tcpdump's counts, once stop() has returned. */
  stats(): CaptureStats | undefined;
  /** Kills tcpdump without reading; safe to call more than once (for after() hooks). */
  dispose(): void;
}

export interface CaptureOptions {
  /** tcpdump filter expression words, e.g. ['tcp', 'port', '5001']. */
  filter?: string[];
  /** Also print IP header details (-v), needed to read TTLs. */
  verbose?: boolean;
}

/**
 * Starts tcpdump on `dev` in `netns` (null: this machine's own namespace, for the root end of a veth) and resolves
 * once it is listening (packets after that are seen).
 */
export async function startCapture(netns: string | null, dev: string, opts: CaptureOptions = {}): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'end-cap-'));
  const file = join(dir, 'capture.pcap');
  const tcpdump = ['tcpdump', '-i', dev, '-nn', '-U', '--immediate-mode', '-s', '200', '-w', file, ...(opts.filter ?? [])];
  const argv = netns === null ? tcpdump : nsArgv(netns, tcpdump);
  const where = netns === null ? 'the root namespace' : netns;
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (stderr.includes('listening on')) {
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`tcpdump on ${dev} in ${where} exited ${code} before listening: ${stderr.trim()}`)));
    child.once('error', reject);
  });
  let disposed = false;
  let stats: CaptureStats | undefined;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    async stop() {
      try {
        await caughtUp(child, dev, () => stderr);
        await stopChild(child);
        stats = parseStats(stderr);
        if (!stats) throw new Error(`tcpdump on ${dev} in ${where} printed no counts: ${stderr.trim()}`);
        if (stats.captured < offered(stats, dev) || stats.droppedByKernel > 0) {
          throw new Error(`tcpdump on ${dev} in ${where} lost packets: ${JSON.stringify(stats)}`);
        }
        const r = await runOk(['tcpdump', '-nn', ...(opts.verbose ? ['-v'] : []), '-r', file]);
        return parseTcpdump(r.stdout);
      } finally {
        dispose();
      }
    },
    stats: () => stats,
    dispose,
  };
}

/**
 * Resolves once tcpdump has written every packet its filter accepted so far (or after 15 s). It asks with SIGUSR1,
 * on which tcpdump prints its counts without stopping. Stopping it earlier loses the packets still waiting in its
 * capture ring (SIGINT ends its loop without reading them), which happens on a busy machine.
 */
async function caughtUp(child: ChildProcess, dev: string, stderr: () => string): Promise<void> {
  const asked = async () => {
    const before = stderr().length;
    child.kill('SIGUSR1');
    // Its answer to this signal (up to 0.5 s), so the counts read are the ones from now.
    await until(() => stderr().length !== before, "tcpdump's counts", 500, 25).catch(() => undefined);
    const stats = parseStats(stderr());
    return !!stats && stats.captured >= offered(stats, dev);
  };
  // Bounded at 15 s like before; the caller's stop() reports what was lost.
  await until(asked, 'tcpdump to write every packet it was offered', 15_000, 100).catch(() => undefined);
}

/** Packets the filter handed to tcpdump. On lo it sees each one twice (leaving and arriving); libpcap keeps one. */
function offered(stats: CaptureStats, dev: string): number {
  return dev === 'lo' ? stats.receivedByFilter / 2 : stats.receivedByFilter;
}

/**
 * tcpdump's latest counts: "N packets captured", "N packets received by filter", "N packets dropped by kernel",
 * on one line (after SIGUSR1) or three (at exit).
 */
export function parseStats(stderr: string): CaptureStats | undefined {
  const num = (what: string) => {
    const all = [...stderr.matchAll(new RegExp(`(\\d+) packets? ${what}`, 'g'))];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  const captured = num('captured');
  const receivedByFilter = num('received by filter');
  const droppedByKernel = num('dropped by kernel');
  if (captured === undefined || receivedByFilter === undefined || droppedByKernel === undefined) return undefined;
  return { captured, receivedByFilter, droppedByKernel };
}

/** How long tcpdump may take to exit on SIGINT before it is killed: a bound on a failure; its exit is awaited. */
const STOP_BOUND_MS = 5_000;

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_BOUND_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT');
  });
}

/**
 * Parses `tcpdump -nn [-v] -r` output. With -v an IPv4 packet takes two lines (the IP header with ttl, then the
 * payload line); the ttl is carried over to the packet line that follows.
 */
export function parseTcpdump(text: string): CapturedPacket[] {
  const packets: CapturedPacket[] = [];
  let pendingTtl: number | undefined;
  let pendingHeader = '';
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line) continue;
    const ipHeader = /\bIP \(tos [^)]*\bttl (\d+),/.exec(line);
    if (ipHeader) {
      pendingTtl = Number(ipHeader[1]);
      pendingHeader = line;
      // -v: the header may end the line (packet on the next line) or be followed by the packet on this one.
      if (/\)$/.test(line)) continue;
    } else if (pendingHeader) {
      line = `${pendingHeader} ${line}`;
    }
    pendingHeader = '';
    const tcp = /(\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): Flags \[([^\]]*)\].*?length (\d+)/.exec(line);
    if (tcp) {
      packets.push({
        line,
        src: tcp[1],
        dst: tcp[3],
        sport: Number(tcp[2]),
        dport: Number(tcp[4]),
        protocol: 'tcp',
        flags: tcp[5],
        length: Number(tcp[6]),
        ttl: pendingTtl,
      });
      pendingTtl = undefined;
      continue;
    }
    const icmp = /(\d+\.\d+\.\d+\.\d+) > (\d+\.\d+\.\d+\.\d+): ICMP ([a-z ]+?)(,|$)/.exec(line);
    if (icmp) {
      packets.push({ line, src: icmp[1], dst: icmp[2], protocol: 'icmp', icmp: icmp[3], ttl: pendingTtl });
      pendingTtl = undefined;
      continue;
    }
    const other = /(\d+\.\d+\.\d+\.\d+)\S* > (\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (other) packets.push({ line, src: other[1], dst: other[2], protocol: 'other', ttl: pendingTtl });
    pendingTtl = undefined;
  }
  return packets;
}
