// `ebpf-netdebug trace --host H [--source trace_pipe|packet-path] [--filter F] [--duration S] [-w FILE] [--snaplen N]`:
// streams events until --duration seconds pass or the user presses Ctrl-C. trace_pipe lines print as they come;
// packet-path hops are grouped into packets (core/packetPath) and printed as each packet settles, one block per
// packet; a dropped packet's last hop says where and why. --json: trace_pipe events as one JSON object per line;
// packet-path as one `{ packets: [...] }` document. -w FILE (packet-path): the hops also go into a pcapng file as
// each packet settles (`-w -`: to stdout, for `| tshark -r -`; the text then goes nowhere, --json is refused).
import type { TraceEventsParams, TraceStartParams } from '../../../protocol/agent';
import type { PacketPathEvent, TraceEvent } from '../../../protocol/types';
import {
  formatPacketPaths,
  PacketFilterError,
  PacketPathGrouper,
  packetPathsJson,
  parsePacketFilter,
  SAME_PACKET_WINDOW_NS,
  type PacketPath,
} from '../../core/packetPath';
import type { TraceGap } from '../../core/reconnect/traceStreams';
import { commonOptions, hostOptions, oneOf, parseCommand, positiveNumber, requireHost } from '../args';
import { CliError, usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { PacketPathPcapng } from '../../core/packetPath';
import { printJson } from '../output';

export async function traceCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('trace', argv, {
    ...commonOptions,
    ...hostOptions,
    source: { type: 'string' },
    filter: { type: 'string' },
    duration: { type: 'string' },
    write: { type: 'string', short: 'w' },
    snaplen: { type: 'string' },
    'netns-scope': { type: 'string' },
  });
  if (positionals.length) throw usageError(`trace: unexpected argument ${positionals[0]} (a filter goes in --filter "...")`);
  const source = oneOf('--source', values.source, ['trace_pipe', 'packet-path', 'packet_path'] as const) ?? 'trace_pipe';
  const duration = positiveNumber('--duration', values.duration);
  const packetPath = source !== 'trace_pipe';
  if (!packetPath && (values.write !== undefined || values.snaplen !== undefined)) {
    throw usageError('trace: -w and --snaplen go with --source packet-path');
  }
  if (values.write === '') throw usageError('trace: -w needs a file name (or - for stdout)');
  const toStdout = values.write === '-';
  if (toStdout && values.json) throw usageError('trace: -w - writes pcapng to stdout; --json cannot go there too');
  if (toStdout && !ctx.io.bytes) throw usageError('trace: -w -: this output cannot take bytes');
  const snaplen = parseSnaplen(values.snaplen);
  // own: only hops in the agent's own network namespace (trace.start netnsScope; a container host's view).
  const netnsScope = oneOf('--netns-scope', values['netns-scope'], ['own', 'all'] as const);
  if (netnsScope && !packetPath) throw usageError('trace: --netns-scope goes with --source packet-path');
  const host = requireHost('trace', values.host, ctx.env);
  let params: TraceStartParams;
  if (packetPath) {
    let packetFilter;
    try {
      packetFilter = values.filter ? parsePacketFilter(values.filter) : undefined;
    } catch (e) {
      if (e instanceof PacketFilterError) throw usageError(`--filter: ${e.message}`);
      throw e;
    }
    params = { source: 'packet_path', packetFilter, packetBytes: snaplen, ...(netnsScope ? { netnsScope } : {}) };
  } else {
    params = { source: 'trace_pipe', filter: values.filter };
  }

  // pcapng: opened before the host is, so a path that cannot be written fails before anything is attached
  let file: WriteStream | undefined;
  let writeError: string | undefined;
  if (values.write && !toStdout) {
    const f = (file = createWriteStream(values.write));
    await new Promise<void>((resolve, reject) => {
      f.once('open', () => resolve());
      f.once('error', (e) => reject(new CliError(`trace: -w ${values.write}: ${e.message}`)));
    });
    // a write that fails later (a full disk) ends in an error, not a crash
    f.on('error', (e) => {
      writeError ??= `-w ${values.write}: ${e.message}`;
    });
  }
  const pcap = values.write
    ? new PacketPathPcapng(
        toStdout
          ? (b) => {
              ctx.io.bytes!(b);
            }
          : (b) => file!.write(b),
        snaplen,
      )
    : undefined;
  const showText = !values.json && !toStdout;

  const grouper = new PacketPathGrouper();
  let events = 0;
  // Packet paths print as they settle: once the host's clock has moved a grouping window past a packet's last hop,
  // no late hop (from another CPU's buffer) can still join it. The rest print when the trace ends.
  const printed = new Set<PacketPath>();
  let latestNs = 0;
  const printSettled = (all: boolean) => {
    const ready = grouper
      .paths()
      .filter((p) => !printed.has(p) && (all || latestNs - p.hops[p.hops.length - 1].timestampNs > SAME_PACKET_WINDOW_NS));
    if (!ready.length) return;
    if (showText) ctx.io.out(`${printed.size ? '\n' : ''}${formatPacketPaths(ready)}`);
    for (const p of ready) {
      printed.add(p);
      pcap?.add(p);
    }
  };
  let failure: string | undefined;
  await withSession(ctx, host, async (s) => {
    // A reader that dies on the host (trace_pipe busy with another reader, tracefs unmounted) is reported by the
    // agent as an error notification: end the trace and say so, instead of printing nothing.
    let failed!: () => void;
    const failedNow = new Promise<void>((r) => {
      failed = r;
    });
    const logSub = s.client.onAgentLog((l) => {
      if (l.level !== 'error' || failure) return;
      failure = l.message;
      failed();
    });
    const stream = await s.startTrace(params);
    stream.onEvents((batch: TraceEventsParams) => {
      events += batch.events.length;
      if (packetPath) {
        grouper.add(batch.events as PacketPathEvent[]);
        for (const e of batch.events as PacketPathEvent[]) latestNs = Math.max(latestNs, e.timestampNs);
        printSettled(false);
      } else {
        for (const e of batch.events as TraceEvent[]) ctx.io.out(values.json ? `${JSON.stringify(e)}\n` : `${formatTraceLine(e)}\n`);
      }
    });
    stream.onGap((g: TraceGap) =>
      ctx.io.err(
        `trace: connection lost for ${((g.to - g.from) / 1000).toFixed(1)} s; ${g.lostLines ?? 'an unknown number of'} lines may be missing\n`,
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const stops = [ctx.interrupted(), failedNow];
    if (duration)
      stops.push(
        new Promise<void>((r) => {
          timer = setTimeout(r, duration * 1000);
        }),
      );
    await Promise.race(stops);
    if (timer) clearTimeout(timer);
    logSub.dispose();
    await stream.stop().catch(() => undefined);
  });
  if (packetPath) {
    if (grouper.paths().length) printSettled(true);
    if (file) {
      file.end();
      await once(file, 'close').catch(() => undefined);
    }
  }
  if (failure) throw new CliError(`trace: ${failure}`);
  if (writeError) throw new CliError(`trace: ${writeError}`);
  if (packetPath) {
    if (values.json) printJson(ctx.io, packetPathsJson(grouper.paths()));
    else if (!grouper.paths().length && showText) ctx.io.out(formatPacketPaths([]));
    if (pcap) {
      ctx.io.err(`trace: wrote ${pcap.packets} packets (hops) to ${toStdout ? 'stdout' : values.write}\n`);
      if (pcap.withoutBytes) {
        ctx.io.err(
          `trace: ${pcap.withoutBytes} hops carried no packet bytes and are not in the file (the host traces through bpftrace, which copies none; bpftool >= 7.2 does)\n`,
        );
      }
    }
  } else if (!values.json && events === 0) {
    ctx.io.err('trace: no events\n');
  }
  return 0;
}

/** The shape trace_pipe itself prints: `task-pid [cpu] flags timestamp: function: message`. */
export function formatTraceLine(e: TraceEvent): string {
  const cpu = String(e.cpu).padStart(3, '0');
  return `${`${e.task}-${e.pid}`.padStart(22)} [${cpu}] ${e.flags.padEnd(5)} ${e.timestamp.toFixed(6).padStart(12)}: ${e.function ? `${e.function}: ` : ''}${e.message}`;
}

/** --snaplen: packet bytes per hop, 0-256 (the tracer's TRACEPKT_MAX_BYTES); 128 when not given. */
function parseSnaplen(text: string | undefined): number {
  if (text === undefined) return 128;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 256) throw usageError(`trace: --snaplen ${text}: expected a byte count from 0 to 256`);
  return n;
}
