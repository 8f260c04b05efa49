// Messages between the extension host and the webviews (docs/STYLE.md #10). One union per direction per view;
// every view opens with `ready` (webview -> host) and receives its data only by postMessage afterwards (never in
// the HTML). A webview request carries a `requestId`; the host answers it with exactly one `reply` holding the same id.
import type { MapEntry, NetListResult } from './agent';
import type { BpfMap, BpfProgram, PacketFilter, TraceEvent } from './types';

export type ViewId = 'liveTrace' | 'listings' | 'elfInspector' | 'packetPath';

// ---- common -------------------------------------------------------------------------------------------------

/** webview -> host: the script has run and listens; the host (re)sends everything the view needs. */
export interface ReadyMessage { type: 'ready' }

/** host -> webview: the answer to one request. */
export type ReplyMessage<R = unknown> =
  | { type: 'reply'; requestId: number; ok: true; result: R }
  | { type: 'reply'; requestId: number; ok: false; error: string };

/** host -> webview: where the data comes from, shown in every view's status line. */
export interface StatusMessage {
  type: 'status';
  state: 'connected' | 'connecting' | 'disconnected' | 'noSession' | 'error';
  /** The host label (`local`, an ssh alias). */
  host?: string;
  message?: string;
}

// ---- live trace (a WebviewView in the panel) ----------------------------------------------------------------

/** host -> webview. `lines` batches arrive as the agent sends `trace.events` for a trace_pipe stream. */
export type LiveTraceToView =
  | { type: 'config'; /** ebpfNetDebug.trace.maxRows */ maxRows: number }
  | { type: 'lines'; lines: TraceEvent[]; /** events the agent (or the host) lost since the previous batch */ dropped: number }
  | StatusMessage
  | ReplyMessage<LiveTraceReplies[keyof LiveTraceReplies]>;

/** webview -> host. */
export type LiveTraceToHost =
  | ReadyMessage
  /** Ask the host to save rows (already serialised by the view: what the user sees, filter applied). */
  | { type: 'save'; requestId: number; format: 'text' | 'json'; content: string; rows: number }
  /** Start or stop the host's subscription (the view's "connect" / "stop" button). */
  | { type: 'stream'; requestId: number; on: boolean };

export interface LiveTraceReplies {
  save: { saved: boolean; path?: string };
  stream: { on: boolean };
}

// ---- listings (programs, network attachments, maps) ---------------------------------------------------------

export type ListingsTab = 'programs' | 'network' | 'maps';

/** Everything the listings show, rebuilt from the agent's bpftool-backed answers on each refresh. */
export interface ListingsSnapshot {
  host: string;
  /** Milliseconds since the epoch when the host asked the agent. */
  at: number;
  programs: BpfProgram[];
  maps: BpfMap[];
  namespaces: NetListResult['namespaces'];
  /** kernel.bpf_stats_enabled: run counts and run times are present. */
  statsEnabled: boolean;
}

export interface MapDump { mapId: number; entries: MapEntry[]; truncated: boolean; at: number }

/** host -> webview. */
export type ListingsToView =
  | { type: 'show'; tab: ListingsTab; /** open the dump of this map (ebpfNetDebug.dumpMap) */ mapId?: number }
  | { type: 'snapshot'; snapshot: ListingsSnapshot }
  | StatusMessage
  | ReplyMessage<ListingsReplies[keyof ListingsReplies]>;

/** Commands a listing row may run (the host refuses any other id). */
export type ListingsCommand = 'ebpfNetDebug.detach' | 'ebpfNetDebug.refresh';

/** webview -> host. */
export type ListingsToHost =
  | ReadyMessage
  | { type: 'refresh'; requestId: number }
  | { type: 'dumpMap'; requestId: number; mapId: number }
  /** Reveal the item in the tree view. */
  | { type: 'reveal'; kind: 'program' | 'map' | 'attachment'; id: number; /** attachment: netns and dev */ netns?: string; dev?: string }
  | { type: 'runCommand'; command: ListingsCommand; args: (string | number)[] };

export interface ListingsReplies {
  refresh: ListingsSnapshot;
  dumpMap: MapDump;
}

// ---- ELF inspector ------------------------------------------------------------------------------------------

/** What the inspector shows of one BPF object (built by the host from extension/core/elf). */
export interface ElfSummary {
  /** The file's name as the user knows it (workspace-relative or absolute). */
  file: string;
  size: number;
  /** `readelf -h`: label/value pairs in readelf's order and words, e.g. {label: "Machine", value: "Linux BPF"}. */
  header: { label: string; value: string }[];
  sections: { index: number; name: string; type: string; flags: string; offset: number; size: number }[];
  /** Programs with their section and the program type libbpf infers from it. */
  programs: { name: string; section: string; programType: string; /** instructions (8 bytes each) */ insns: number }[];
  maps: { name: string; type: string; keySize?: number; valueSize?: number; maxEntries?: number; flags?: number; pinning?: string }[];
  license?: string;
  btf: boolean;
  btfExt: boolean;
}

/** Which command the attach button of a program runs; the host decides from the program type it read itself. */
export type ElfAttachKind = 'xdp' | 'tc' | 'sockops' | 'none';

/** host -> webview. */
export type ElfInspectorToView =
  | { type: 'elf'; elf: ElfSummary; attach: Record<string, ElfAttachKind> }
  | { type: 'error'; file: string; message: string }
  | ReplyMessage<ElfInspectorReplies[keyof ElfInspectorReplies]>;

/** webview -> host. */
export type ElfInspectorToHost =
  | ReadyMessage
  | { type: 'attach'; requestId: number; program: string }
  | { type: 'reload'; requestId: number };

export interface ElfInspectorReplies {
  attach: { started: boolean };
  reload: { ok: boolean };
}

// ---- packet path --------------------------------------------------------------------------------------------

/** One hop of one packet as the picture draws it. */
export interface PathHop {
  /** 1-based order along the whole exchange (request hops first, then reply hops). */
  step: number;
  leg: 'request' | 'reply';
  tracepoint: string;
  /** A name the user knows (root, end_lab_a, pid:N), else `ns:<inode>`. */
  netns: string;
  netnsInode: number;
  ifname: string;
  ifindex: number;
  /** Nanoseconds since the first hop of this packet. */
  offsetNs: number;
  src: string;
  dst: string;
  /** e.g. "icmp echo request id=7 seq=1", "tcp 40000>80 [S]". */
  summary: string;
}

/** One packet's exchange (a request and its reply, or one packet when no reply was matched). */
export interface PacketTrace {
  id: string;
  protocol: string;
  src: string;
  dst: string;
  summary: string;
  /** CLOCK_MONOTONIC ns of the first hop. */
  startNs: number;
  hops: PathHop[];
}

/** host -> webview. */
export type PacketPathToView =
  | { type: 'filter'; filter: PacketFilter }
  | { type: 'packets'; packets: PacketTrace[]; /** drop what the view holds first */ replace: boolean; dropped: number }
  | StatusMessage
  | ReplyMessage<PacketPathReplies[keyof PacketPathReplies]>;

/** webview -> host. */
export type PacketPathToHost =
  | ReadyMessage
  | { type: 'start'; requestId: number; filter: PacketFilter }
  | { type: 'stop'; requestId: number };

export interface PacketPathReplies {
  start: { tracing: boolean };
  stop: { tracing: boolean };
}

/** What a view may keep in getState/setState so it survives being hidden (never data from the host). */
export interface LiveTraceState { filter: string; regex: boolean; follow: boolean }
export interface ListingsState { tab: ListingsTab; filter: string; sort: { column: string; descending: boolean }; dumpMapId?: number; live: boolean }
export interface PacketPathState { filter: PacketFilter; selected?: string }
