// What every handler needs: how to run tools, which bpftool, where the private state lives, and how to tell the
// client something outside a request. One object, built once by main.ts; tests build their own.
import type { BpftoolFacts } from '../../protocol/types';
import type { AgentLogParams, TraceEventsParams } from '../../protocol/agent';
import { toolMissing } from './errors';
import type { Runner } from './runner';

export interface AgentContext {
  run: Runner;
  /** The bpftool chosen for this host (null: none found; requests needing it fail with ToolMissing). */
  bpftool: BpftoolFacts | null;
  /** What --bpftool / EBPF_NETDEBUG_BPFTOOL asked for, to name it when it is missing. */
  bpftoolRequested?: string;
  kernelRelease: string;
  /** Private 0700 directory for object files and records. */
  stateDir: string;
  /** The cgroup v2 mount point, or null when the host has none. */
  cgroupRoot: string | null;
  /** The packet path tracer's BPF object (tracepkt.o): the bundle's entry embeds it and hands it down. */
  tracepktObject?: Uint8Array;
  log(params: AgentLogParams): void;
  /** Resolves once the notification is written (the trace batcher's backpressure waits on it). */
  sendTraceEvents(params: TraceEventsParams): Promise<void>;
  /** How this agent was started (its bundle and options): what a kept agent (remote-agent/keep/) starts again. */
  launch?: { bundle: string; args: string[] };
}

/** The bpftool path, or ToolMissing naming what was looked for. */
export function bpftoolPath(ctx: AgentContext): string {
  if (!ctx.bpftool) {
    throw toolMissing(
      'bpftool',
      ctx.bpftoolRequested
        ? `bpftool at ${ctx.bpftoolRequested} is missing or does not run`
        : 'bpftool was not found (looked in /opt/ebpf-netdebug/bpftool-*, /usr/sbin, PATH)',
    );
  }
  return ctx.bpftool.path;
}
