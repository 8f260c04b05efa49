// Messages between the extension host and the webviews (../shared/docs/STYLE.md #10). One union per direction per view;
// every view opens with `ready` (webview -> host) and receives its data only by postMessage afterwards (never in
// the HTML). A webview request carries a `requestId`; the host answers it with exactly one `reply` holding the same id.
import type { MapEntry, NetListResult, ProgRunResult, StatsMode } from './agent';
import type { BpfMap, BpfProgram, FleetHostTraceState, FleetPacketPath, HostClock, HostDiff, PacketHop, PacketPath } from './types';

export type ViewId =
  'liveTrace' | 'listings' | 'elfInspector' | 'packetPath' | 'hostDiff' | 'fleetPath' | 'progRun' | 'programStats' | 'packetList';

// ---- common -------------------------------------------------------------------------------------------------

/** webview -> host: the script has run and listens; the host (re)sends everything the view needs. */
export interface ReadyMessage {
  type: 'ready';
}

/** host -> webview: the answer to one request. */
export type ReplyMessage<R = unknown> =
  { type: 'reply'; requestId: number; ok: true; result: R } | { type: 'reply'; requestId: number; ok: false; error: string };

/** host -> webview: where the data comes from, shown in every view's status line. */
export interface StatusMessage {
  type: 'status';
  /** `waiting`: connected, but the source cannot be read yet (trace_pipe held by another reader); message says why. */
  state: 'connected' | 'connecting' | 'waiting' | 'disconnected' | 'noSession' | 'error';
  /** The host label (`local`, an ssh alias). */
  host?: string;
  message?: string;
}

// ---- live trace (a WebviewView in the panel) ----------------------------------------------------------------

/** Rows the live trace keeps unless ebpfNetDebug.trace.maxRows says otherwise (the setting's default too). */
export const DEFAULT_TRACE_MAX_ROWS = 100_000;

/** host -> webview. `lines` batches arrive as the agent sends `trace.events` for a trace_pipe stream. */
export type LiveTraceToView =
  | { type: 'config'; /** ebpfNetDebug.trace.maxRows */ maxRows: number }
  | ({ type: 'lines'; /** events the agent (or the host) lost since the previous batch */ dropped: number } & TraceColumns)
  | StatusMessage
  | ReplyMessage<LiveTraceReplies[keyof LiveTraceReplies]>;

// TraceColumns and its helpers live in protocol/traceColumns.ts: the agent sends them too (trace.start `columns`).
export { concatTraceColumns, sliceTraceColumns, toTraceColumns, traceColumnsAt, type TraceColumns } from './traceColumns';
import type { TraceColumns } from './traceColumns';

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

export interface MapDump {
  mapId: number;
  entries: MapEntry[];
  truncated: boolean;
  at: number;
}

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

/**
 * What the inspector shows of one BPF object: built by the host from extension/core/elf's BpfObjectInfo (same
 * field names where they overlap; bigints turned into the text readelf prints).
 */
export interface ElfSummary {
  /** The file's name as the user knows it (workspace-relative or absolute). */
  file: string;
  size: number;
  /** `readelf -h`: label/value pairs in readelf's order and words, e.g. {label: "Machine", value: "Linux BPF"}. */
  header: { label: string; value: string }[];
  sections: { index: number; name: string; type: string; flags: string; offset: number; size: number }[];
  /** Programs with their section and the program type libbpf infers from it. */
  programs: {
    name: string;
    section: string;
    programType?: string;
    attachType?: string;
    /** Which attach flow fits (extension/core/elf AttachKind); the attach button shows only for xdp, tc, sockops, skmsg. */
    attachKind?: 'xdp' | 'tc' | 'sockops' | 'skmsg' | 'tracepoints';
    target?: string;
    instructions: number;
  }[];
  maps: {
    name: string;
    type: string;
    keySize: number;
    valueSize: number;
    maxEntries: number;
    flags: number;
    pinning?: number;
    keyType?: string;
    valueType?: string;
  }[];
  license?: string;
  btf: boolean;
  btfExt: boolean;
  warnings: string[];
}

/** host -> webview. */
export type ElfInspectorToView =
  | { type: 'elf'; elf: ElfSummary }
  | { type: 'error'; file: string; message: string }
  | ReplyMessage<ElfInspectorReplies[keyof ElfInspectorReplies]>;

/** webview -> host. */
export type ElfInspectorToHost =
  | ReadyMessage
  /** Run the attach command that fits the program (the host decides from the object it read, not from the view). */
  | { type: 'attach'; requestId: number; program: string }
  | { type: 'reload'; requestId: number };

export interface ElfInspectorReplies {
  attach: { command: string };
  reload: { ok: boolean };
}

// ---- packet path --------------------------------------------------------------------------------------------

/** One packet's path, grouped by the host with extension/core/packetPath and posted as it is. */
export type PacketHopView = PacketHop;
export type PacketPathView = PacketPath;

/** host -> webview. */
export type PacketPathToView =
  | { type: 'filter'; filter: string; tracing: boolean }
  /** Packets created or changed since the last message (matched by `key`); `replace` drops what the view holds first. */
  | { type: 'packets'; packets: PacketPathView[]; replace: boolean; dropped: number }
  | StatusMessage
  | ReplyMessage<PacketPathReplies[keyof PacketPathReplies]>;

/** webview -> host. */
export type PacketPathToHost =
  | ReadyMessage
  /** The filter as the user typed it ("icmp host 10.0.0.2"); the host parses it with extension/core/packetPath. */
  | { type: 'start'; requestId: number; filter: string }
  | { type: 'stop'; requestId: number }
  /** Show the trace's hops in a packet list (webview/packetList), with their bytes and Save as pcapng. */
  | { type: 'openPacketList'; requestId: number };

export interface PacketPathReplies {
  start: { tracing: boolean };
  stop: { tracing: boolean };
  openPacketList: { opened: boolean };
}

/** What a view may keep in getState/setState so it survives being hidden (never data from the host). */
export interface LiveTraceState {
  filter: string;
  regex: boolean;
  follow: boolean;
}
export interface ListingsState {
  tab: ListingsTab;
  filter: string;
  sort: { column: string; descending: boolean };
  dumpMapId?: number;
  live: boolean;
}
export interface PacketPathState {
  filter: string;
  selected?: string;
}

// ---- host diff (two hosts compared: extension/core/fleet/hostDiff.ts) ------------------------------------------

/** host -> webview: the comparison (sent after `ready` and after every refresh), or why there is none. */
export type HostDiffToView =
  | { type: 'diff'; diff: HostDiff; /** ms since the epoch, when the hosts were read */ at: number }
  | { type: 'error'; message: string }
  | StatusMessage;

/** webview -> host. */
export type HostDiffToHost =
  | ReadyMessage
  /** Read both hosts again. */
  | { type: 'refresh' };

export interface HostDiffState {
  /** Show the counts of what is the same too. */ showSame: boolean;
}

// ---- packet list (a verdict capture's packets, like Wireshark's top pane: webview/packetList) -------------------

/**
 * One captured packet as the host hands it over; the view decodes the headers from `data` itself. A row is a packet
 * a verdict capture recorded, or one hop of a packet path trace (extension/core/packetPath/rows.ts).
 */
export interface PacketListRow {
  /** Number in the capture, from 1. */
  no: number;
  /** Wall clock, microseconds since the epoch. */
  timeUs: number;
  netns: string;
  dev: string;
  /** `unknown`: a packet path's kfree_skb hop (freed, neither arriving nor leaving). */
  direction: 'ingress' | 'egress' | 'unknown';
  /**
   * The verdict's name ("XDP_DROP", "TC_ACT_OK") and the program's return value; for a packet path hop the
   * tracepoint ("netif_rx"), or "DROP" on the hop where the kernel dropped it (no value then).
   */
  verdict: string;
  verdictValue?: number;
  /** Where the bytes start: the Ethernet header (default) or the IP header (a device without a link-layer header). */
  link?: 'ethernet' | 'raw';
  /** A packet path hop: "hop 2/3 netif_rx: request #1.001 10.0.0.1 -> 10.0.0.2". */
  hop?: string;
  /** What the verdict means for the packet: goes on, dropped, sent elsewhere, anything else. */
  verdictClass: 'pass' | 'drop' | 'redirect' | 'other';
  /** The packet's length; `data` may hold fewer bytes (the snap length). */
  len: number;
  /** The first bytes (base64), from the Ethernet header. */
  data: string;
  /** Why it was dropped, when known. */
  reason?: string;
}

/** host -> webview. */
export type PacketListToView =
  | {
      type: 'capture';
      title: string;
      capturing: boolean;
      /** wireshark is on this machine's PATH */ wireshark: boolean;
      /** The heading of the verdict column ("Verdict"; a packet path trace: "Hop / drop"). */
      verdictHeading?: string;
    }
  /** New packets (`replace`: drop what the view holds first); `lost` counts packets lost since the previous message. */
  | { type: 'packets'; rows: PacketListRow[]; replace: boolean; lost: number }
  /** The kernel's counts once the capture stopped (capture.stop). */
  | { type: 'summary'; seen: number; matched: number; lost: number; verdicts: Record<string, number>; restored: boolean }
  | StatusMessage
  | ReplyMessage<PacketListReplies[keyof PacketListReplies]>;

/** webview -> host. */
export type PacketListToHost =
  | ReadyMessage
  | { type: 'stop'; requestId: number }
  /** The packets the view shows (after its filter), or all when `numbers` is absent. */
  | { type: 'save'; requestId: number; numbers?: number[] }
  | { type: 'openWireshark'; requestId: number; numbers?: number[] };

export interface PacketListReplies {
  stop: { capturing: boolean };
  save: { saved: string | null };
  openWireshark: { opened: boolean };
}

export interface PacketListState {
  filter: string;
  selected?: number;
}

// ---- run a program on a packet (an editor panel) ----------------------------------------------------------------

/** The fields of the packet form (extension/core/packet/build.ts builds the frame, every checksum computed). */
export interface PacketSpec {
  ethernet?: { source?: string; destination?: string };
  ip: {
    version: 4 | 6;
    source: string;
    destination: string;
    /** TTL (IPv4) or hop limit (IPv6); default 64. */
    ttl?: number;
    /** IPv4 identification; default 1. */
    id?: number;
    tos?: number;
  };
  l4:
    | {
        protocol: 'tcp';
        sourcePort: number;
        destinationPort: number;
        seq?: number;
        ack?: number;
        flags?: readonly string[];
        window?: number;
      }
    | { protocol: 'udp'; sourcePort: number; destinationPort: number }
    | { protocol: 'icmp'; type?: 'echo-request' | 'echo-reply'; id?: number; seq?: number };
  /** Payload as text, or hex when `payloadHex`. */
  payload?: string;
  payloadHex?: boolean;
}

/** The program the panel runs packets through. */
export interface ProgRunTarget {
  ref: string;
  id: number;
  name: string;
  type: string;
}

/** A run result as people read it (extension/core/packet/runReport.ts). */
export interface RunReport {
  inputSummary: string;
  outcomes: { verdict: string; retval: number; count: number; output: string; same: boolean; changes: string[] }[];
  maps: string[];
}

export interface ProgRunView {
  packet: string;
  result: ProgRunResult;
  report: RunReport;
}

/** host -> webview. `packet`: a frame to start from (a capture row), as hex. */
export type ProgRunToView = { type: 'target'; target: ProgRunTarget; packet?: string } | StatusMessage | ReplyMessage<ProgRunView>;

/** webview -> host: run the form's packet (`spec`) or a given frame (`packet`, hex). */
export type ProgRunToHost =
  ReadyMessage | { type: 'run'; requestId: number; spec?: PacketSpec; packet?: string; repeat: number; runs: number };

// ---- program statistics (an editor panel; the kernel's run-time statistics are on while it is open) -------------

export interface ProgramRateView {
  id: number;
  name: string;
  type: string;
  runsPerSec: number;
  avgNs: number;
  /** Percent of one CPU. */
  cpuPercent: number;
  attachedTo: string[];
}

export type ProgramStatsToView =
  | { type: 'rates'; /** ms since the epoch */ at: number; intervalS: number; rates: ProgramRateView[] }
  | { type: 'stats'; on: boolean; mode?: StatsMode }
  | StatusMessage;

export type ProgramStatsToHost = ReadyMessage;

// ---- packets across hosts (the fleet's joined packet paths: extension/core/fleet/crossHostPath.ts) ------------

/** host -> webview: the joined paths of one trace across hosts, with each host's clock offset. */
export type FleetPathToView =
  | { type: 'paths'; paths: FleetPacketPath[]; clocks: { host: string; clock: HostClock }[] }
  /** Every host's state: tracing, not traced, lost mid-trace (its hops stop there), stopped. */
  | { type: 'hosts'; hosts: FleetHostTraceState[] }
  | StatusMessage;

/** webview -> host: `stop` is the view's Stop button. */
export type FleetPathToHost = ReadyMessage | { type: 'stop' };

export interface FleetPathState {
  /** The exchange shown (`#id.seq`, a flow). */ selected?: string;
}
