// The agent's JSON-RPC 2.0 contract (client = extension or CLI, server = remote-agent on the host, over the agent's
// stdio). Each method is declared once here; docs/agent-protocol.md shows an example request and reply for each.
// Direction: every request travels client -> agent; notifications say which way they go.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { TraceColumns } from './traceColumns';
import type {
  Attachment,
  BpfLink,
  BpfMap,
  BpfProgram,
  CaptureInfo,
  CaptureSummary,
  CapturedPacket,
  CgroupAttachment,
  HostFacts,
  Lab,
  LabTopology,
  LoadedObject,
  NetAttachment,
  NetInterface,
  PacketFilter,
  PacketPathEvent,
  PinEntry,
  TcDirection,
  TraceEvent,
  XdpMode,
} from './types';

/** The agent's own error codes, inside JSON-RPC's implementation-defined server range. `data` is AgentErrorData. */
export const AgentErrorCode = {
  /**
   * JSON-RPC's own code: the params do not fit the method's schema (protocol/schemas.ts): a wrong type, an unknown
   * property, an option-like name or a NUL byte. data.argument is the path of the first bad one, e.g. "dev".
   */
  InvalidParams: -32602,
  /** An argument failed validation (bad interface/namespace/cgroup/pin name, unknown program...). */
  BadArgument: -32010,
  /** A tool the request needs is not on the host (bpftool, bpftrace, tc, clang...). data.tool names it. */
  ToolMissing: -32011,
  /** A tool ran and failed. data has argv, exitCode, stdout, stderr. */
  ToolFailed: -32012,
  /** The verifier refused a program. data has log, message, instruction, source. */
  VerifierRejected: -32013,
  /** Nothing by that name or id (program, map, attachment, stream, lab). */
  NotFound: -32014,
  /** The kernel, driver or bpftool cannot do this here (XDP offload on veth, tcx with bpftool 7.1...). */
  Unsupported: -32015,
  /** Something is attached already (and `replace` was not asked for). */
  AlreadyAttached: -32016,
  /** Not root / missing capabilities. */
  PermissionDenied: -32017,
  /** A bug in the agent; data.stack says where. */
  Internal: -32018,
  /** The agent is at its limit (requests in progress, trace streams); try again once some have finished. */
  Busy: -32019,
} as const;
export type AgentErrorCode = (typeof AgentErrorCode)[keyof typeof AgentErrorCode];

export interface AgentErrorData {
  /** The argument that was refused, e.g. "dev". */
  argument?: string;
  tool?: string;
  argv?: string[];
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  verifier?: VerifierRejection;
  stack?: string;
}

/** A verifier rejection, mapped from bpftool's log. */
export interface VerifierRejection {
  /** The program that failed (section or function name) when bpftool says. */
  program?: string;
  /** The verifier's own words for the failure, e.g. "invalid access to packet, off=23 size=1, R1(...)". */
  message: string;
  /** The failing instruction as printed, e.g. "12: (71) r1 = *(u8 *)(r1 +23)". */
  instruction?: string;
  /** From the nearest `; <code> @ file.c:LINE` annotation before the failing instruction. */
  source?: { file: string; line: number; code?: string };
  /** The whole log. */
  log: string;
}

/**
 * How a request names a program:
 * - `OBJECT/PROGRAM`: a program of an object loaded with `object.load` (pinned at /sys/fs/bpf/ebpf-netdebug/OBJECT/PROGRAM),
 * - an absolute pin path under /sys/fs/bpf,
 * - `id:N`: a program id.
 */
export type ProgramRef = string;
/** How a request names a map: `OBJECT/MAP`, an absolute pin path, or `id:N`. */
export type MapRef = string;

// ---- host facts ----------------------------------------------------------------------------------------------

export interface HelloParams {
  clientName: string;
  clientVersion: string;
}
export const hello = new RequestType<HelloParams, HostFacts, AgentErrorData>('agent.hello');

// ---- listings (rebuilt from bpftool JSON on every call; the kernel is the source of truth) --------------------

export const listPrograms = new RequestType0<BpfProgram[], AgentErrorData>('bpf.listPrograms');
export const listMaps = new RequestType0<BpfMap[], AgentErrorData>('bpf.listMaps');
export const listLinks = new RequestType0<BpfLink[], AgentErrorData>('bpf.listLinks');

export interface NetListParams {
  /** One namespace; all known namespaces (root + /run/netns) when absent. */ netns?: string;
}
export interface NetListResult {
  namespaces: { name: string; inode?: number; interfaces: NetInterface[]; attachments: NetAttachment[] }[];
}
export const netList = new RequestType<NetListParams, NetListResult, AgentErrorData>('net.list');

export interface CgroupListParams {
  /** A cgroup v2 directory; the whole v2 hierarchy when absent. */ path?: string;
}
export const cgroupList = new RequestType<CgroupListParams, CgroupAttachment[], AgentErrorData>('cgroup.list');

/** Everything under /sys/fs/bpf/ebpf-netdebug/. */
export const pinsList = new RequestType0<PinEntry[], AgentErrorData>('pins.list');

/** What the tool attached and the kernel still shows, as `Attachment`s whose ids `detach` accepts. */
export const attachmentsList = new RequestType0<Attachment[], AgentErrorData>('attachments.list');

/**
 * Every listing the editor's tree shows, in one request: the agent runs bpftool once for the programs, maps, links
 * and its own namespace's network attachments (`bpftool batch`) and derives pins and attachments from the same run.
 * A listing that fails leaves its part empty and says why in `errors` (part -> message); the rest still comes.
 */
export interface ListingsSnapshotParts {
  programs: BpfProgram[];
  maps: BpfMap[];
  net: NetListResult;
  cgroups: CgroupAttachment[];
  pins: PinEntry[];
  labs: Lab[];
  attachments: Attachment[];
}
export type SnapshotPart = keyof ListingsSnapshotParts;
/** Every part, in the order the agent lists them (the only names `have` accepts). */
export const SNAPSHOT_PARTS = [
  'programs',
  'maps',
  'net',
  'cgroups',
  'pins',
  'labs',
  'attachments',
] as const satisfies readonly SnapshotPart[];
/** A part's digest: sha1 of the part's JSON as the agent sends it, 40 lowercase hex digits. */
export const SNAPSHOT_DIGEST_PATTERN = '^[0-9a-f]{40}$';

/** The whole snapshot, every part present (what AgentClient.listingsSnapshot gives its callers). */
export interface ListingsSnapshotResult extends ListingsSnapshotParts {
  errors: Record<string, string>;
}

export interface ListingsSnapshotParams {
  /** Digests of the parts the client holds a copy of, from an earlier reply of this same agent connection. */
  have?: Partial<Record<SnapshotPart, string>>;
  /** The client applies `deltas`: a changed part may come as the edits to the copy it has (see the reply). */
  deltas?: boolean;
}

/**
 * A part's list: the part itself, or for `net` its `namespaces`. A delta's splices are in ascending, non-overlapping
 * positions of the base's list: [start, deleteCount, items to put there].
 */
export type SnapshotSplice = [start: number, deleteCount: number, items: unknown[]];
export interface SnapshotDelta {
  /** The digest (in `have`) of the copy the splices apply to; the result has the reply's digest of the part. */
  base: string;
  splices: SnapshotSplice[];
}

/**
 * The reply: a part whose digest equals the one in `have` is left out and named in `unchanged` (the client reuses
 * its copy); `digests` holds every part that did not fail, sent or not. A failed part is always sent (empty). When
 * the client asked for `deltas` and the agent still knows the content of the copy named in `have`, a changed part
 * may come in `deltas` instead (only the items that changed: after one program was loaded among 1,000, one program
 * instead of all).
 */
export interface ListingsSnapshotReply extends Partial<ListingsSnapshotParts> {
  errors: Record<string, string>;
  digests: Partial<Record<SnapshotPart, string>>;
  unchanged: SnapshotPart[];
  deltas?: Partial<Record<SnapshotPart, SnapshotDelta>>;
}
export const listingsSnapshot = new RequestType<ListingsSnapshotParams, ListingsSnapshotReply, AgentErrorData>('listings.snapshot');

// ---- objects -------------------------------------------------------------------------------------------------

export interface ObjectLoadParams {
  /** The object file's bytes, base64; or `path` to a file already on the host. */
  object?: string;
  path?: string;
  /** Object name: [A-Za-z0-9_-]{1,64}; pins go to /sys/fs/bpf/ebpf-netdebug/NAME/. */
  name: string;
  /** Override the program type bpftool infers from the section name. */
  programType?: string;
  /** Reuse pinned maps instead of creating new ones: map name in this object -> MapRef. */
  reuseMaps?: Record<string, MapRef>;
  /** Replace an object already loaded under this name. */
  replace?: boolean;
}
export const objectLoad = new RequestType<ObjectLoadParams, LoadedObject, AgentErrorData>('object.load');

export interface ObjectUnloadParams {
  name: string;
}
export const objectUnload = new RequestType<ObjectUnloadParams, { removedPins: string[] }, AgentErrorData>('object.unload');

export const objectList = new RequestType0<LoadedObject[], AgentErrorData>('object.list');

// ---- attach / detach -----------------------------------------------------------------------------------------

interface ConfirmOption {
  /**
   * Dead-man switch: unless `attach.confirm` arrives within this many milliseconds, a watchdog that outlives the
   * agent detaches the program. 0 or absent: no confirmation needed.
   */
  confirmWithin?: number;
}

export interface AttachXdpParams extends ConfirmOption {
  program: ProgramRef;
  dev: string;
  netns?: string;
  mode?: XdpMode;
  replace?: boolean;
  /** `bpftool net attach` (default) or `ip link set dev IF xdp object O sec S` (needs an `OBJECT/PROGRAM` ref). */
  via?: 'bpftool' | 'iproute2';
}
export const attachXdp = new RequestType<AttachXdpParams, Attachment, AgentErrorData>('attach.xdp');

export interface AttachTcParams extends ConfirmOption {
  program: ProgramRef;
  dev: string;
  netns?: string;
  direction: TcDirection;
  /** clsact + cls_bpf direct-action (default, works everywhere) or tcx (kernel >= 6.6 and bpftool with tcx). */
  via?: 'tc' | 'tcx';
  replace?: boolean;
}
export const attachTc = new RequestType<AttachTcParams, Attachment, AgentErrorData>('attach.tc');

export interface AttachCgroupParams {
  program: ProgramRef;
  /** A cgroup v2 directory (absolute), or a name created under the v2 root with prefix `end_` when `create`. */
  cgroup: string;
  type: string; // "sock_ops", "ingress", "egress", ...
  create?: boolean;
}
export const attachCgroup = new RequestType<AttachCgroupParams, Attachment, AgentErrorData>('attach.cgroup');

export interface AttachSkMsgParams {
  program: ProgramRef;
  map: MapRef;
  type?: 'msg_verdict';
}
export const attachSkMsg = new RequestType<AttachSkMsgParams, Attachment, AgentErrorData>('attach.skMsg');

export interface AttachTracepointsParams {
  /** An object name from `object.load`; every program in it is attached. */ object: string;
}
export const attachTracepoints = new RequestType<AttachTracepointsParams, Attachment, AgentErrorData>('attach.tracepoints');

export interface AttachConfirmParams {
  attachment: string;
  /** The token of the plan to disarm (the attach's pendingConfirmation.plan); without it, only plans this agent armed. */
  plan?: string;
}
export const attachConfirm = new RequestType<AttachConfirmParams, { confirmed: boolean }, AgentErrorData>('attach.confirm');

export interface DetachParams {
  attachment: string;
}
export const detach = new RequestType<DetachParams, { detached: Attachment }, AgentErrorData>('detach');

/** Rollbacks the watchdog performed (the program cut the connection and no confirmation came). */
export interface RollbackRecord {
  attachment: string;
  at: number;
  reason: string;
  ok: boolean;
  output?: string;
}
export const rollbacksList = new RequestType0<RollbackRecord[], AgentErrorData>('rollbacks.list');

// ---- inspection ----------------------------------------------------------------------------------------------

export interface MapDumpParams {
  map: MapRef;
  /** At most this many entries (default 10,000). */ limit?: number;
}
export interface MapEntry {
  key: unknown;
  value: unknown;
  /** bpftool's raw hex bytes. */ keyHex?: string[];
  valueHex?: string[];
}
export const mapDump = new RequestType<MapDumpParams, { entries: MapEntry[]; truncated: boolean }, AgentErrorData>('map.dump');

export interface XlatedInsn {
  pc?: number;
  disasm: string;
  src?: string;
  file?: string;
  line?: number;
  col?: number;
}
export const progDumpXlated = new RequestType<{ program: ProgramRef }, { insns: XlatedInsn[] }, AgentErrorData>('prog.dumpXlated');

// ---- running a program on a packet (the kernel's BPF_PROG_TEST_RUN through `bpftool prog run`) ----------------

export interface ProgRunParams {
  /** An XDP or tc (sched_cls / sched_act) program. */
  program: ProgramRef;
  /** The packet as hex (from the Ethernet header on), 14..65535 bytes. */
  packet: string;
  /**
   * The kernel's repeat: the program runs this many times on one buffer (changes accumulate: the output is what the
   * last run left) and `durationNs` is the kernel's average per run. 1..1,000,000; default 1.
   */
  repeat?: number;
  /**
   * Independent runs: each on a fresh copy of the input (one `bpftool batch` of test runs), so a program whose
   * verdict or rewrite varies (a random TTL, every tenth segment) shows its distribution in `outputs`. 1..10,000;
   * default 1. With both, every one of the `runs` repeats `repeat` times.
   */
  runs?: number;
}

/** One entry of a program's map that a run changed. `delta`: after minus before for every number inside the value. */
export interface MapChange {
  map: { id: number; name: string; type: string };
  key: unknown;
  keyHex?: string[];
  /** null: the entry was created (before) or deleted (after). */
  before: unknown;
  after: unknown;
  delta?: unknown;
}

export interface ProgRunOutput {
  /** Verdict by name: XDP_DROP, TC_ACT_OK...; the number when it has no name. */
  verdict: string;
  retval: number;
  /** The packet the program left, hex. */
  output: string;
  /** How many of the runs ended like this. */
  count: number;
}

export interface ProgRunResult {
  program: { id: number; name: string; type: string };
  /** Of the last run. */
  verdict: string;
  retval: number;
  output: string;
  /** Average time per run in ns (the kernel's measure, over all repeats and runs). */
  durationNs: number;
  repeat: number;
  runs: number;
  /** The distinct results of the runs, most frequent first. */
  outputs: ProgRunOutput[];
  /** What the runs changed in the program's maps (dumped before and after). */
  mapChanges: MapChange[];
  /** Maps not compared, with the reason (too large, not dumpable). */
  mapsSkipped: { id: number; name: string; reason: string }[];
}
export const progRun = new RequestType<ProgRunParams, ProgRunResult, AgentErrorData>('prog.run');

// ---- fleet: health probe and clock ---------------------------------------------------------------------------

export interface HostPingParams {
  /** An IPv4/IPv6 address or host name. */ target: string;
  /** 1-20, default 3. */ count?: number;
  /** Seconds to wait for the last reply, 1-10 (default 1). */ waitS?: number;
}
export interface HostPingResult {
  target: string;
  sent: number;
  received: number;
  avgRttMs?: number;
  /** ping's last lines. */ output: string;
}
/** Runs ping on the host (a rollout's health probe, see extension/core/fleet/rollout.ts). */
export const hostPing = new RequestType<HostPingParams, HostPingResult, AgentErrorData>('host.ping');

export interface ClockNowResult {
  /** The host's CLOCK_MONOTONIC in ns (the packet path tracer's timestamps). */ monotonicNs: number;
}
/** The host's monotonic clock, for estimating its offset against the client's (cross-host packet paths). */
export const clockNow = new RequestType0<ClockNowResult, AgentErrorData>('clock.now');

// ---- the session's own needs on the host (the client runs nothing on the host behind the agent's back) -------

/** The host's interface that carries the SSH session the agent was started through. */
export interface SshInterface {
  dev: string;
  clientAddress: string;
  serverAddress: string;
}
/** null when the agent was not started over SSH (local) or the route cannot be told. */
export const hostSshInterface = new RequestType0<SshInterface | null, AgentErrorData>('host.sshInterface');

/** The kernel's accounting of the trace ring buffer, summed over CPUs (per_cpu/cpuN/stats). */
export interface TraceCounters {
  /** "read events" + "overrun": lines that have left the buffer, host-wide. */
  gone: number;
  /** "entries": lines still waiting in the buffer (a new reader will get them). */
  entries: number;
}
/** Sampled while a trace stream is open, to measure what a reconnect missed (docs/ssh.md "How the gap is measured"). */
export const traceCounters = new RequestType0<TraceCounters, AgentErrorData>('trace.counters');

export interface AgentEndPreviousParams {
  /** The previous agent's pid (its agent.hello said it). */ pid: number;
  /** Its bundle on the host (the deployment's remotePath). */ bundle: string;
}
/** Ends a previous agent of this session that still runs (it may hold trace_pipe), after checking the pid runs `bundle`. */
export const agentEndPrevious = new RequestType<AgentEndPreviousParams, { result: 'ended' | 'gone' }, AgentErrorData>('agent.endPrevious');

export interface AgentKeepParams {
  /** The kept agent ends after this many seconds with no connection (1 to 86400). */
  idleSeconds: number;
}
export interface AgentKeepResult {
  /** Its unix socket on the host (root-only), for stream-local forwarding. */
  socket: string;
  /** False when one was already listening there. */
  started: boolean;
  pid?: number;
}
/**
 * Leaves a kept agent on the host (root only): a server on a unix socket that starts a fresh agent for each later
 * connection, reached without running a command (docs/ssh.md "Kept agent").
 */
export const agentKeep = new RequestType<AgentKeepParams, AgentKeepResult, AgentErrorData>('agent.keep');

// ---- program run-time statistics (kernel BPF stats, on only while somebody watches) ------------------------------

/**
 * How the agent turned statistics on: `fd` holds a BPF_ENABLE_STATS file descriptor in a helper process (the
 * kernel turns them off when the last such fd closes, also when the agent is killed); `sysctl` set
 * kernel.bpf_stats_enabled=1 with a watcher that writes the old value back; `already` found them on already (and
 * leaves them as they were).
 */
export type StatsMode = 'fd' | 'sysctl' | 'already';
export const statsStart = new RequestType0<{ subscription: string; mode: StatsMode }, AgentErrorData>('stats.start');
export const statsStop = new RequestType<{ subscription: string }, { stopped: boolean; statsOn: boolean }, AgentErrorData>('stats.stop');

export interface ProgramCounters {
  id: number;
  name: string;
  type: string;
  runCnt: number;
  runTimeNs: number;
  /** Where it is attached: "xdp eth0 (end_demo_b)", "tc egress eth0 (root)", "cgroup sock_ops /sys/fs/cgroup/x". */
  attachedTo: string[];
}
/** Cumulative counters of every program at one moment; rates come from two samples (extension/core/stats). */
export interface StatsSample {
  /** CLOCK_MONOTONIC of the host, in ns. */
  atNs: number;
  programs: ProgramCounters[];
  /** Whether statistics are being collected now. */
  statsOn: boolean;
}
export const statsSample = new RequestType0<StatsSample, AgentErrorData>('stats.sample');

// ---- trace streams -------------------------------------------------------------------------------------------

export type TraceSource = 'trace_pipe' | 'perf_array' | 'packet_path';
export interface TraceStartParams {
  source: TraceSource;
  /** trace_pipe: a substring (or /regex/) lines must contain. */
  filter?: string;
  /** packet_path: what to follow. */
  packetFilter?: PacketFilter;
  /** packet_path: how many of each packet's first bytes to copy into its events (0-256, default 128; 0 = none). */
  packetBytes?: number;
  /**
   * packet_path: `all` (default) reports hops in every network namespace of the kernel; `own` only those in the
   * agent's own namespace (a container's view; namespace hosts sharing one kernel each see only their own hops).
   */
  netnsScope?: 'all' | 'own';
  /** perf_array: the map to read. */
  map?: MapRef;
  /** Max events per notification batch and max delay before a batch is sent. */
  batch?: { maxEvents?: number; maxDelayMs?: number };
  /**
   * trace_pipe: send each batch as `columns` (protocol/traceColumns.ts) instead of `events`: parsed straight into
   * columns, about half the bytes on the wire and far less to parse for the client (the live trace view asks for it).
   */
  columns?: boolean;
}
export const traceStart = new RequestType<TraceStartParams, { stream: string }, AgentErrorData>('trace.start');
export const traceStop = new RequestType<{ stream: string }, { stopped: boolean }, AgentErrorData>('trace.stop');

/** agent -> client: a batch of events of one stream. `dropped`: events lost since the previous batch. */
export interface TraceEventsParams {
  stream: string;
  source: TraceSource;
  /** Empty when the stream was started with `columns`. */
  events: TraceEvent[] | PacketPathEvent[];
  /** The batch, for a trace_pipe stream started with `columns: true`. */
  columns?: TraceColumns;
  dropped: number;
  /** Monotonic count of events sent on this stream (after this batch), for gap accounting across reconnects. */
  sent: number;
}
export const traceEvents = new NotificationType<TraceEventsParams>('trace.events');

/** agent -> client: something went wrong outside a request (an uncaught exception, a stream that died). */
export interface AgentLogParams {
  level: 'info' | 'warning' | 'error';
  message: string;
  stack?: string;
}
export const agentLog = new NotificationType<AgentLogParams>('agent.log');

// ---- verdict capture (docs/verdict-capture.md) -----------------------------------------------------------------

/**
 * Swaps the program of an XDP or tc attachment for its instrumented variant (built by the client from the same
 * source), which reuses the plain program's maps and reports each packet's verdict and first bytes; `capture.stop`
 * (or the agent's exit, or the watchdog if the agent dies) puts the plain program back.
 */
export interface CaptureStartParams {
  /** `xdp:NETNS:DEV` or `tc:NETNS:DEV:DIRECTION` of a program loaded through object.load. */
  attachment: string;
  /** The instrumented object (base64), see extension/core/capture/instrument.ts. */
  object: string;
  /** Its entry program; default the name of the program attached now. */
  program?: string;
  /** Which packets to record (all are counted); default every packet. */
  filter?: PacketFilter;
  /** Bytes of each packet to record, 0..4096; default 128. */
  snapLength?: number;
  /** The watchdog's lease: if the agent stops renewing it (it died), the plain program is put back. Default 30000. */
  leaseMs?: number;
}
export const captureStart = new RequestType<CaptureStartParams, CaptureInfo, AgentErrorData>('capture.start');
export const captureStop = new RequestType<{ capture: string }, CaptureSummary, AgentErrorData>('capture.stop');

/** agent -> client: packets of one capture. `lost`: packets lost since the previous batch (counted, never silent). */
export interface CapturePacketsParams {
  capture: string;
  packets: CapturedPacket[];
  lost: number;
}
export const capturePackets = new NotificationType<CapturePacketsParams>('capture.packets');

// ---- labs ----------------------------------------------------------------------------------------------------

export interface LabCreateParams {
  /** [a-z0-9]{1,8}: namespaces are named end_NAME_ROLE. */ name: string;
  topology: LabTopology;
}
export const labCreate = new RequestType<LabCreateParams, Lab, AgentErrorData>('lab.create');
export const labDestroy = new RequestType<{ name: string }, { removed: string[] }, AgentErrorData>('lab.destroy');
export const labList = new RequestType0<Lab[], AgentErrorData>('lab.list');

// ---- lifecycle -----------------------------------------------------------------------------------------------

/** Ends the agent after replying; attachments stay (they live in the kernel). */
export const shutdown = new RequestType0<null, AgentErrorData>('agent.shutdown');
