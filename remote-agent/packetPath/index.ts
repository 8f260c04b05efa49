// Packet path tracer on the host ("mtr for L2", docs/packet-path.md). The agent's trace.start
// {source: 'packet_path'} calls startPacketPath(); it picks how to attach tracepkt on this host:
//   bpftool with autoattach (>= 7.2): the embedded tracepkt.o, links pinned in a directory of its own;
//   else bpftrace: an equivalent script (bpftraceScript.ts), without the packet bytes;
// Drops (skb:kfree_skb) are named here for both: reasons from the kernel's BTF, locations from kallsyms.
//   else a ToolMissing error that says what to install.
import { accessSync, constants, readFileSync } from 'node:fs';
import type { BpftoolFacts, PacketFilter, PacketPathEvent } from '../../protocol/types';
import { AgentErrorCode } from '../../protocol/agent';
import { AgentError } from '../core/errors';
import { startBpftoolTracer } from './bpftoolTracer';
import { startBpftraceTracer } from './bpftraceTracer';
import { validatePacketBytes, validatePacketFilter } from './filterEncoding';
import { DropNamer } from './dropNames';
import { decodeEvent, hostOrder, type DecodeContext } from './eventLayout';
import { NetnsNamer } from './netnsNames';

export interface PacketPathOptions {
  filter: PacketFilter;
  /** Packet bytes copied into each event, 0-256 (default 128); the bpftrace backend copies none. */
  packetBytes?: number;
  bpftool: BpftoolFacts | null;
  bpftrace: { path: string } | null;
  /**
   * tracepkt.o, for the bpftool backend: the agent's entry passes the bytes its bundle embeds, a test the object it
   * built (a seam, so nothing here imports a build output).
   */
  object?: Uint8Array;
  /** Where tracer pin directories go (default /sys/fs/bpf/ebpf-netdebug/packet_path_tracers). */
  tracersDir?: string;
  /** Names for namespace inodes (a shared one keeps its cache across tracers). */
  namer?: NetnsNamer;
  /** Called once if the tracer's helper process (event_pipe or bpftrace) ends by itself after start. */
  onFailure?: (err: Error) => void;
}

export interface PacketPathTracer {
  /** Detaches everything it attached and removes its pins. */
  stop(): Promise<void>;
  /** How it attached: 'bpftool' (autoattach, pinned links) or 'bpftrace'. */
  readonly backend: 'bpftool' | 'bpftrace';
  /** bpftool backend: its pin directory (links/ and maps/ inside); '' for bpftrace. */
  readonly pinDir: string;
  /** The helper process reading the events (bpftool event_pipe or bpftrace), for diagnostics. */
  readonly pid?: number;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Attaches the tracer and calls `emit` with decoded events until stopped. */
export async function startPacketPath(
  opts: PacketPathOptions,
  emit: (events: PacketPathEvent[], dropped: number) => void,
): Promise<PacketPathTracer> {
  const filter = validatePacketFilter(opts.filter, 'packetFilter');
  const packetBytes = validatePacketBytes(opts.packetBytes, 'packetBytes');
  const namer = opts.namer ?? new NetnsNamer();
  namer.rescan();
  const bpftool = opts.bpftool && executable(opts.bpftool.path) ? opts.bpftool.path : undefined;
  // Drop reasons are named from this kernel's BTF (bpftool of any version can dump it), locations from kallsyms.
  const drops = await DropNamer.load(bpftool);
  const ctx: DecodeContext = { drop: (r, l, has) => drops.drop(r, l, has), epochOffsetNs: epochOffsetNs() };
  const decode = (rec: Buffer) => decodeEvent(rec, hostOrder, ctx);

  if (bpftool && opts.bpftool?.features.autoattach) {
    if (!opts.object?.length) throw new Error('packet path: the tracer object (tracepkt.o) was not given to the agent');
    const t = await startBpftoolTracer({
      bpftool,
      object: opts.object,
      filter,
      packetBytes,
      decode,
      namer,
      emit,
      tracersDir: opts.tracersDir,
      onFailure: opts.onFailure,
    });
    return { backend: 'bpftool', pinDir: t.dir, pid: t.pid, stop: t.stop };
  }
  if (opts.bpftrace && executable(opts.bpftrace.path)) {
    const kfreeSkb = { hasReason: kfreeSkbHasReason(), consumed: drops.valueOf('SKB_CONSUMED') };
    const t = await startBpftraceTracer({ bpftrace: opts.bpftrace.path, filter, decode, kfreeSkb, namer, emit, onFailure: opts.onFailure });
    return { backend: 'bpftrace', pinDir: '', pid: t.pid, stop: t.stop };
  }
  const have = opts.bpftool
    ? `bpftool ${opts.bpftool.version} at ${opts.bpftool.path} cannot attach tracepoints (no autoattach)`
    : 'no bpftool';
  throw new AgentError(
    AgentErrorCode.ToolMissing,
    `the packet path tracer needs bpftool >= 7.2 (autoattach; Debian 12: bookworm-backports) or bpftrace; this host has ${have} and no bpftrace`,
    { tool: 'bpftool' },
  );
}

/**
 * CLOCK_REALTIME - CLOCK_MONOTONIC, ns: bpf_ktime_get_ns() and process.hrtime() both read CLOCK_MONOTONIC, and
 * performance.timeOrigin + now() is the wall clock to the microsecond, which is what pcapng's times need.
 */
export function epochOffsetNs(): bigint {
  const mono = process.hrtime.bigint();
  const wallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
  return wallNs - mono;
}

/** skb:kfree_skb's format names a `reason` field (kernels >= 5.17). */
function kfreeSkbHasReason(): boolean {
  for (const root of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']) {
    try {
      return /\bfield:enum skb_drop_reason reason;|\breason;/.test(readFileSync(`${root}/events/skb/kfree_skb/format`, 'utf8'));
    } catch {
      /* try the next mount */
    }
  }
  return false;
}
