// Packet path tracer on the host (owned by the packet-path work). Interface fixed here so the agent's
// trace.start {source: 'packet_path'} can call it.
import type { BpftoolFacts, PacketFilter, PacketPathEvent } from '../../protocol/types';

export interface PacketPathOptions {
  filter: PacketFilter;
  bpftool: BpftoolFacts | null;
  bpftrace: { path: string } | null;
}

export interface PacketPathTracer {
  /** Detaches everything it attached and removes its pins. */
  stop(): Promise<void>;
}

/** Attaches the tracer and calls `emit` with decoded events until stopped. */
export async function startPacketPath(
  _opts: PacketPathOptions,
  _emit: (events: PacketPathEvent[], dropped: number) => void,
): Promise<PacketPathTracer> {
  throw new Error('packet path tracer not built yet');
}
