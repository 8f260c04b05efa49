// Packet path tracer on the host ("mtr for L2", docs/packet-path.md). The agent's trace.start
// {source: 'packet_path'} calls startPacketPath(); it picks how to attach tracepkt on this host:
//   bpftool with autoattach (>= 7.2): the embedded tracepkt.o, links pinned in a directory of its own;
//   else bpftrace: an equivalent script (bpftraceScript.ts);
//   else a ToolMissing error that says what to install.
import { accessSync, constants } from 'node:fs';
import type { BpftoolFacts, PacketFilter, PacketPathEvent } from '../../protocol/types';
import { AgentErrorCode } from '../../protocol/agent';
import { AgentError } from '../core/errors';
import tracepktObject from '../../dist/bpf/embed/tracepkt.o';
import { startBpftoolTracer } from './bpftoolTracer';
import { startBpftraceTracer } from './bpftraceTracer';
import { validatePacketFilter } from './filterEncoding';
import { NetnsNamer } from './netnsNames';

export interface PacketPathOptions {
  filter: PacketFilter;
  bpftool: BpftoolFacts | null;
  bpftrace: { path: string } | null;
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
  const namer = opts.namer ?? new NetnsNamer();
  namer.rescan();

  if (opts.bpftool?.features.autoattach && executable(opts.bpftool.path)) {
    const t = await startBpftoolTracer({
      bpftool: opts.bpftool.path, object: tracepktObject, filter, namer, emit, tracersDir: opts.tracersDir, onFailure: opts.onFailure,
    });
    return { backend: 'bpftool', pinDir: t.dir, pid: t.pid, stop: t.stop };
  }
  if (opts.bpftrace && executable(opts.bpftrace.path)) {
    const t = await startBpftraceTracer({ bpftrace: opts.bpftrace.path, filter, namer, emit, onFailure: opts.onFailure });
    return { backend: 'bpftrace', pinDir: '', pid: t.pid, stop: t.stop };
  }
  const have = opts.bpftool ? `bpftool ${opts.bpftool.version} at ${opts.bpftool.path} cannot attach tracepoints (no autoattach)` : 'no bpftool';
  throw new AgentError(AgentErrorCode.ToolMissing,
    `the packet path tracer needs bpftool >= 7.2 (autoattach; Debian 12: bookworm-backports) or bpftrace; this host has ${have} and no bpftrace`,
    { tool: 'bpftool' });
}
