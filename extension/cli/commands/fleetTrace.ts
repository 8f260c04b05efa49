// `ebpf-netdebug trace --source packet-path --hosts A,R,B [--netns-scope own|all] [--filter F] [--duration S]`:
// the packet path tracer on several hosts at once (core/fleet/fleetPathTrace.ts, as the editor's view), each host's
// hops grouped there, then joined into one path per packet across hosts (core/fleet/crossHostPath.ts) with each
// host's clock offset estimated from agent round trips and stated. A host lost mid-trace is said on stderr at once
// and in the summary (its hops end there; the others go on). Text: one block per packet, hops labelled with their host, `~~ wire ~~` between hosts. --json: one
// line per host's clock (`{host, clock}`), then one line per packet (`{host: first host, hosts, hops: [{host,...}]}`).
// -w FILE [--snaplen N]: the joined hops also go into one pcapng file, one interface per host and interface
// (`R/eth0`), times on this machine's clock (core/fleet/fleetPcapng.ts); written when the trace ends.
import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFleetPcapng } from '../../core/fleet/fleetPcapng';
import { formatFleetPaths } from '../../core/fleet/crossHostPath';
import { Fleet } from '../../core/fleet/fleet';
import { FleetPathTrace, pathTraceHostOf } from '../../core/fleet/fleetPathTrace';
import { PacketFilterError, parsePacketFilter } from '../../core/packetPath';
import { commonOptions, oneOf, parseCommand, positiveNumber } from '../args';
import { CliError, usageError } from '../cliError';
import { CLI_VERSION } from '../hostSession';
import type { CliContext } from '../io';
import type { FleetOptions } from '../fleetOptions';
import { printSummary } from '../fleetRun';

export async function fleetTraceCommand(argv: string[], ctx: CliContext, fleetOpts: FleetOptions): Promise<number> {
  const { values, positionals } = parseCommand('trace', argv, {
    ...commonOptions,
    source: { type: 'string' },
    filter: { type: 'string' },
    duration: { type: 'string' },
    'netns-scope': { type: 'string' },
    write: { type: 'string', short: 'w' },
    snaplen: { type: 'string' },
  });
  if (positionals.length) throw usageError(`trace: unexpected argument ${positionals[0]} (a filter goes in --filter "...")`);
  const scope = oneOf('--netns-scope', values['netns-scope'], ['own', 'all'] as const) ?? 'all';
  const duration = positiveNumber('--duration', values.duration);
  if (values.write === '') throw usageError('trace: -w needs a file name (or - for stdout)');
  const toStdout = values.write === '-';
  if (toStdout && values.json) throw usageError('trace: -w - writes pcapng to stdout; --json cannot go there too');
  if (toStdout && !ctx.io.bytes) throw usageError('trace: -w -: this output cannot take bytes');
  if (values.snaplen !== undefined && values.write === undefined) throw usageError('trace: --snaplen goes with -w');
  const snaplen = values.snaplen === undefined ? 128 : Number(values.snaplen);
  if (values.snaplen !== undefined && (!/^\d+$/.test(values.snaplen) || snaplen > 256))
    throw usageError(`trace: --snaplen ${values.snaplen}: expected a byte count from 0 to 256`);
  let packetFilter;
  try {
    packetFilter = values.filter ? parsePacketFilter(values.filter) : undefined;
  } catch (e) {
    if (e instanceof PacketFilterError) throw usageError(`--filter: ${e.message}`);
    throw e;
  }
  // The file is opened before any host is: a path that cannot be written fails before anything is attached.
  let fd: number | undefined;
  if (values.write && !toStdout) {
    try {
      fd = openSync(values.write, 'w');
    } catch (e) {
      throw new CliError(`trace: -w ${values.write}: ${(e as Error).message}`);
    }
  }
  const remoteBase = ctx.env.EBPF_NETDEBUG_REMOTE_BASE;
  const { fleet, failures } = await Fleet.open(
    fleetOpts.hosts,
    ctx.openSession,
    {
      clientName: 'ebpf-netdebug-cli',
      clientVersion: CLI_VERSION,
      ...(remoteBase ? { deploy: { remoteBase } } : {}),
    },
    fleetOpts.bounds,
  );
  const problems = new Map<string, string>(failures.map((f) => [f.host, f.error.message]));
  // The same engine as the editor's view (core/fleet/fleetPathTrace.ts): clocks sampled before the tracers load and
  // after they stop, a host lost mid-trace said at once (its hops end there, the others go on).
  const trace = new FleetPathTrace(
    fleet.hostNames.flatMap((name) => {
      const s = fleet.session(name);
      return s ? [pathTraceHostOf(name, s, scope)] : [];
    }),
    {
      packetFilter,
      ...(values.write !== undefined ? { packetBytes: snaplen } : {}),
      log: (level, message) => {
        if (level === 'warn') ctx.io.err(`${message}\n`);
      },
    },
  );
  const agentLogs = await fleet.run(async (s, h) =>
    s.client.onAgentLog((l) => {
      if (l.level === 'error' && !problems.has(h.name)) problems.set(h.name, l.message);
    }),
  );
  try {
    await trace.start().catch(() => undefined);
    const traced = () => trace.hostStates().filter((s) => s.state === 'tracing' || s.state === 'lost');
    for (const s of trace.hostStates()) if (s.state === 'not traced') problems.set(s.host, s.reason ?? 'not traced');
    if (!traced().length) {
      printSummary(
        fleetOpts.hosts.map((h) => ({ host: h.name, failure: problems.get(h.name) ?? 'not traced' })),
        ctx.io,
      );
      return 1;
    }
    if (!values.json)
      ctx.io.err(
        `tracing on ${traced().length} host${traced().length === 1 ? '' : 's'} (netns scope ${scope})${duration ? ` for ${duration} s` : '; Ctrl-C to stop'}\n`,
      );
    let timer: NodeJS.Timeout | undefined;
    const stops = [ctx.interrupted()];
    if (duration)
      stops.push(
        new Promise<void>((r) => {
          timer = setTimeout(r, duration * 1000);
        }),
      );
    await Promise.race(stops);
    if (timer) clearTimeout(timer);
    await trace.stop();
    for (const s of trace.hostStates())
      if (s.state === 'lost') problems.set(s.host, `lost mid-trace (${s.reason ?? 'connection closed'}): its hops end there`);
    const joined = trace.paths();
    const clockList = trace.clocks();
    const hopHosts = trace.hostStates().filter((s) => s.state === 'stopped' || s.state === 'lost').length;
    if (values.write !== undefined) {
      // This machine's monotonic clock (the hops' clientNs) to the epoch, read once.
      const epochMinusClientNs = Date.now() * 1e6 - Number(process.hrtime.bigint());
      const chunks: Buffer[] = [];
      const w = writeFleetPcapng(joined, (c) => void chunks.push(c), { snaplen, epochMinusClientNs });
      const bytes = Buffer.concat(chunks);
      if (toStdout) ctx.io.bytes!(bytes);
      else writeSync(fd!, bytes);
      const where = toStdout ? 'stdout' : values.write;
      ctx.io.err(
        `trace: wrote ${w.packets} packets (hops) from ${hopHosts} host${hopHosts === 1 ? '' : 's'} to ${where}${w.withoutBytes ? ` (${w.withoutBytes} hops without bytes left out)` : ''}\n`,
      );
    }
    // With -w - stdout holds the pcapng: the paths are not printed.
    if (!toStdout && values.json) {
      for (const c of clockList) ctx.io.out(`${JSON.stringify(c)}\n`);
      for (const p of joined) ctx.io.out(`${JSON.stringify({ host: p.hosts[0], ...p })}\n`);
    } else if (!toStdout) {
      ctx.io.out(formatFleetPaths(joined, clockList));
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
    await trace.stop();
    for (const r of agentLogs) if (r.ok) r.value.dispose();
    await fleet.close();
  }
  return printSummary(
    fleetOpts.hosts.map((h) => ({ host: h.name, failure: problems.get(h.name) })),
    ctx.io,
  );
}
