// One TCP stream of MIB MiB between two namespaces (dd | nc -> nc > /dev/null), the load that the packet path and
// verdict capture benchmarks measure a tracer's cost on: wall time and the CPU time of both nc processes (GNU time;
// the veth, XDP and tracepoint work runs in their context, so CPU per MiB is steadier than throughput on a busy
// machine).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inNetnsOk } from '../../test/kernel/helpers/netns';
import { until } from '../../test/kernel/helpers/until';

const TIME = '/usr/bin/time';

export interface NcStreamOptions {
  /** The sending namespace. */
  client: { netns: string };
  /** The receiving namespace and the address nc listens on. */
  server: { netns: string; address: string };
  port: number;
  mib: number;
  /** A scratch directory for GNU time's reports. */
  tmp: string;
  /** Called once the listener is up, right before the transfer starts (e.g. to read a process's CPU time). */
  onStart?: () => void;
}

export interface NcStreamSample {
  seconds: number;
  mibPerS: number;
  /** user + system seconds of both nc processes per MiB. */
  cpuPerMib: number;
}

export function waitExit(c: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', (code) => resolve(code))));
}

/** argv run inside a namespace under GNU time, which writes "user system" seconds to `out`. */
export function timed(ns: string, out: string, argv: string[]): string[] {
  return [TIME, '-f', '%U %S', '-o', out, 'nsenter', `--net=/run/netns/${ns}`, '--', ...argv];
}

export function cpuSeconds(file: string): number {
  const [u, s] = readFileSync(file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return u + s;
}

export const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

export async function ncStream(o: NcStreamOptions): Promise<NcStreamSample> {
  const devnull = openSync('/dev/null', 'w');
  const serverTime = join(o.tmp, 'server.time');
  const clientTime = join(o.tmp, 'client.time');
  const sArgv = timed(o.server.netns, serverTime, ['nc', '-l', o.server.address, String(o.port)]);
  const server = spawn(sArgv[0], sArgv.slice(1), { stdio: ['ignore', devnull, 'inherit'] });
  try {
    const listening = async () => !!(await inNetnsOk(o.server.netns, ['ss', '-Htln', `sport = :${o.port}`])).stdout.trim();
    await until(listening, `nc listening on ${o.server.address}:${o.port}`, 10_000, 10);
    o.onStart?.();
    const t0 = process.hrtime.bigint();
    const dd = spawn('dd', ['if=/dev/zero', 'bs=1M', `count=${o.mib}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const cArgv = timed(o.client.netns, clientTime, ['nc', '-N', o.server.address, String(o.port)]);
    const client = spawn(cArgv[0], cArgv.slice(1), { stdio: [dd.stdout, 'ignore', 'inherit'] });
    const [rc] = await Promise.all([waitExit(client), waitExit(server), waitExit(dd)]);
    if (rc !== 0) throw new Error(`nc client exited with ${rc}`);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { seconds, mibPerS: o.mib / seconds, cpuPerMib: (cpuSeconds(serverTime) + cpuSeconds(clientTime)) / o.mib };
  } finally {
    if (server.exitCode === null) server.kill();
    closeSync(devnull);
  }
}
