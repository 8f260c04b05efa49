// Plain data shared by every side: what the kernel holds (programs, maps, links, attachments), what the agent
// reports of a host, and trace events. No logic lives here (../shared/docs/DESIGN.md: protocol/ is the only shared code).

/** What `agent.hello` says of a host. */
export interface HostFacts {
  agentVersion: string;
  /** sha256 of the agent bundle that is running, so a client can tell whether it must redeploy. */
  agentChecksum?: string;
  /** The agent's process id on the host: after a reconnect the client ends its previous agent if it still runs. */
  agentPid?: number;
  hostname: string;
  kernelRelease: string;
  arch: string;
  nodeVersion: string;
  bpftool: BpftoolFacts | null;
  bpftrace: { path: string; version: string } | null;
  clang: { path: string; version: string } | null;
  bpffs: MountState;
  tracefs: MountState;
  /** Kernel BTF, needed to generate vmlinux.h for this host. */
  btf: { path: string; present: boolean };
  privileges: { uid: number; euid: number; root: boolean };
}

export interface BpftoolFacts {
  path: string;
  /** e.g. "7.5.0" */
  version: string;
  libbpfVersion?: string;
  features: {
    /** `prog loadall ... autoattach` (7.2+): attaches tracepoints and pins their links. */
    autoattach: boolean;
    /** `net attach tcx_ingress|tcx_egress` (7.4+ on kernels >= 6.6). */
    tcx: boolean;
    /** `net show` lists tcx attachments (7.5 shape) rather than hiding them (7.1 shape). */
    netShowTcx: boolean;
  };
}

export interface MountState {
  path: string;
  mounted: boolean;
  /** true when the agent mounted it itself. */ mountedByAgent?: boolean;
}

export type ProgramType = string; // bpftool's names: "xdp", "sched_cls", "sock_ops", "sk_msg", "tracepoint", ...
export type MapType = string; // bpftool's names: "hash", "array", "sockhash", "perf_event_array", ...

export interface BpfProgram {
  id: number;
  type: ProgramType;
  name: string;
  tag: string;
  gplCompatible?: boolean;
  /** Seconds since the epoch. */
  loadedAt?: number;
  uid?: number;
  bytesXlated?: number;
  jited?: boolean;
  bytesJited?: number;
  bytesMemlock?: number;
  mapIds: number[];
  btfId?: number;
  pinned: string[];
  /** Present when kernel.bpf_stats_enabled is on. */
  runTimeNs?: number;
  runCnt?: number;
  /** bpftool 7.5: the program is detached from its loader and only kept by the kernel. */
  orphaned?: boolean;
}

export interface BpfMap {
  id: number;
  type: MapType;
  name: string;
  flags?: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  bytesMemlock?: number;
  btfId?: number;
  frozen?: boolean;
  pinned: string[];
}

export interface BpfLink {
  id: number;
  type: string; // "perf_event", "tracing", "xdp", "tcx", "cgroup", "netns", ...
  progId: number;
  pinned: string[];
  /** The rest of bpftool's fields for this link type, unchanged. */
  details: Record<string, unknown>;
}

/** Where a network namespace is: `root` for the initial one, a name from /run/netns, or `pid:N`. */
export interface NetnsRef {
  name: string;
  inode?: number;
}

export type XdpMode = 'native' | 'generic' | 'offload';
/** bpftool's own words for XDP modes in `net show`. */
export type XdpKernelMode = 'driver' | 'generic' | 'offload';
export type TcDirection = 'ingress' | 'egress';

export interface NetInterface {
  netns: string;
  ifindex: number;
  name: string;
  mtu?: number;
  operState?: string;
  mac?: string;
  kind?: string; // "veth", "bridge", "loopback", ...
  master?: string;
  /** Addresses with prefix length, IPv4 and IPv6. */
  addresses: string[];
}

/** One program attached to an interface, as `bpftool net show` reports it. */
export interface NetAttachment {
  /** The id `detach` takes (XDP, tc and tcx; given by the agent, the only place ids are made). */
  id?: string;
  netns: string;
  dev: string;
  ifindex: number;
  kind: 'xdp' | 'tc' | 'tcx' | 'flow_dissector' | 'netfilter';
  progId: number;
  progName?: string;
  /** XDP only: the mode the kernel reports. */
  mode?: XdpKernelMode;
  /** tc and tcx only. */
  direction?: TcDirection;
  /** tcx and XDP links. */
  linkId?: number;
  /** tc (cls_bpf) only: "da" etc. */
  tcDetails?: { handle?: string; priority?: number; directAction?: boolean };
}

export interface CgroupAttachment {
  cgroup: string;
  attachType: string; // "sock_ops", "ingress", ...
  progId: number;
  progName?: string;
  attachFlags?: string;
}

export interface PinEntry {
  path: string;
  kind: 'prog' | 'map' | 'link' | 'dir' | 'unknown';
  id?: number;
}

/**
 * Something the tool attached. `id` is a self-describing string derived from kernel state (not a counter), so
 * that a later process (the CLI's `detach`) can act on it: e.g. `xdp:root:eth0`, `tc:end_lab_a:eth0:egress`,
 * `cgroup:sock_ops:/sys/fs/cgroup/unified/end_x:42`, `sk_msg:msg_verdict:<map pin>:17`, `tracepoints:NAME`.
 */
export interface Attachment {
  id: string;
  kind: 'xdp' | 'tc' | 'tcx' | 'cgroup' | 'sk_msg' | 'tracepoints';
  progId?: number;
  progName?: string;
  dev?: string;
  netns?: string;
  mode?: XdpKernelMode;
  direction?: TcDirection;
  cgroup?: string;
  attachType?: string;
  map?: string;
  /** Tracepoints: the object whose programs are linked. */
  object?: string;
  via?: 'bpftool' | 'iproute2' | 'tc';
  /**
   * Set while a dead-man switch waits for `attach.confirm`. `plan` is that arm's token: pass it to attach.confirm
   * (a confirm without it only disarms plans the same agent process armed).
   */
  pendingConfirmation?: { deadline: number; plan?: string };
}

/** A program or map of an object loaded through `object.load`. */
export interface LoadedProgram {
  name: string;
  id: number;
  type: ProgramType;
  section: string;
  pin: string;
}
export interface LoadedMap {
  name: string;
  id: number;
  type: MapType;
  pin: string;
}
export interface LoadedObject {
  name: string;
  dir: string;
  programs: LoadedProgram[];
  maps: LoadedMap[];
}

/** One line of /sys/kernel/tracing/trace_pipe, parsed. */
export interface TraceEvent {
  task: string;
  pid: number;
  cpu: number;
  flags: string;
  /** Seconds since boot, as the kernel prints it. */
  timestamp: number;
  /** "bpf_trace_printk" etc. */
  function?: string;
  message: string;
}

/** What the packet path tracer matches. Absent fields match everything. */
export interface PacketFilter {
  protocol?: 'icmp' | 'icmp6' | 'tcp' | 'udp';
  /** Either end of the packet. */
  host?: string;
  src?: string;
  dst?: string;
  /** Either port (TCP/UDP). */
  port?: number;
}

/** One hop of one packet, as the tracepkt program reports it. */
/** Where and why the kernel dropped a packet (skb:kfree_skb). */
export interface PacketDrop {
  /**
   * The host kernel's `enum skb_drop_reason` name without `SKB_DROP_REASON_` (`NETFILTER_DROP`), read from its BTF;
   * `reason 12` when the BTF could not be read; absent where the kernel's kfree_skb has no reason field (< 5.17).
   */
  reason?: string;
  /** The kernel function that dropped it (the tracepoint's location through /proc/kallsyms), else its address. */
  location: string;
}

/** The first bytes of a packet as the tracer copied them (TraceStartParams.packetBytes). */
export interface PacketBytes {
  /** Base64. */
  data: string;
  /** The packet's length from the first of these bytes (what pcap calls the original length). */
  length: number;
  /** Where the bytes start: the Ethernet header, or the IP header (no link-layer header on that device). */
  link: 'ethernet' | 'raw';
}

export interface PacketPathEvent {
  /** Nanoseconds, CLOCK_MONOTONIC (bpf_ktime_get_ns). */
  timestampNs: number;
  /** The same moment on the host's wall clock: ns since the Unix epoch, decimal (too large for a JSON number). */
  epochNs?: string;
  tracepoint: 'net_dev_queue' | 'netif_receive_skb_entry' | 'netif_rx' | 'napi_gro_receive_entry' | 'kfree_skb' | string;
  netnsInode: number;
  /** A name the user knows: `root`, a /run/netns name, `pid:N (comm)`; absent when unknown. */
  netnsName?: string;
  ifindex: number;
  ifname: string;
  family: 4 | 6;
  src: string;
  dst: string;
  protocol: 'icmp' | 'icmp6' | 'tcp' | 'udp' | string;
  icmp?: { type: number; code: number; id: number; seq: number };
  tcp?: { sport: number; dport: number; flags: string; seq: number; ack: number };
  udp?: { sport: number; dport: number };
  skb: string;
  /** IPv4 TTL or IPv6 hop limit as the packet had it at this hop. */
  ttl?: number;
  /** IPv4 identification: tells apart UDP datagrams of one flow (which carry no sequence number). */
  ipId?: number;
  /** tracepoint kfree_skb: the packet ended here. */
  drop?: PacketDrop;
  /** The packet's first bytes (absent with the bpftrace backend, or when packetBytes is 0). */
  packet?: PacketBytes;
}

/** A lab: disposable namespaces joined by veth pairs, optionally through a bridge namespace. */
export type LabTopology =
  /** Two hosts, `a` and `b`, on one link (both ends called eth0). */
  | { kind: 'pair'; ipv6?: boolean; rootLink?: boolean }
  /** Hosts `a` and `b`, each linked to a bridge `br0` in a third namespace `br`. */
  | { kind: 'bridge'; ipv6?: boolean; rootLink?: boolean };

export interface LabHost {
  /** Role inside the lab: "a", "b", "br". */
  role: string;
  /** The network namespace's name under /run/netns (prefix `end_`). */
  netns: string;
  interfaces: { name: string; addresses: string[]; peer?: string }[];
}

export interface Lab {
  name: string;
  topology: LabTopology;
  hosts: LabHost[];
  /** With `rootLink`: the root namespace's end of a veth to host `a`, and the addresses on both ends. */
  rootLink?: { dev: string; address: string; peerAddress: string };
}

// A packet's path as clients show it: the tracer's hop events grouped per packet (extension/core/packetPath does
// the grouping). Shared by the CLI's JSON output and the packet path webview, so it lives here once.
export interface PacketHop {
  netnsInode: number;
  /** `root`, a /run/netns name or `pid:N (comm)`, when the host could name the namespace. */
  netnsName?: string;
  ifname: string;
  ifindex: number;
  tracepoint: PacketPathEvent['tracepoint'];
  timestampNs: number;
  /** Nanoseconds since this packet's first hop. */
  sinceFirstNs: number;
  /** The kernel buffer that carried the packet here (it changes when the stack copies or rebuilds it). */
  skb: string;
  ttl?: number;
  epochNs?: string;
  /** The packet was dropped at this hop (the last one). */
  drop?: PacketDrop;
  packet?: PacketBytes;
}

export interface PacketPath {
  /** What makes two events the same packet (see grouping.ts). */
  key: string;
  /** "request" / "reply" for ICMP echo, the TCP flags ("SYN", "SYN|ACK"), an ICMP message name, or "udp". */
  label: string;
  /** Ties a request to its reply: "#17146.001" (ICMP echo id.seq), or the TCP/UDP flow "10.0.0.1:4000 > 10.0.0.2:80". */
  exchange: string;
  family: 4 | 6;
  protocol: string;
  src: string;
  dst: string;
  icmp?: PacketPathEvent['icmp'];
  tcp?: PacketPathEvent['tcp'];
  udp?: PacketPathEvent['udp'];
  /** Time of the first hop (CLOCK_MONOTONIC of the host, ns). */
  firstNs: number;
  /** In time order. */
  hops: PacketHop[];
  /** The packet was dropped: the same as its kfree_skb hop's. */
  drop?: PacketDrop;
}

// ---- verdict capture ------------------------------------------------------------------------------------------

/** The return values of XDP programs (enum xdp_action) and of tc direct-action programs (TC_ACT_*), by number. */
export const XDP_VERDICTS: Readonly<Record<number, string>> = {
  0: 'XDP_ABORTED',
  1: 'XDP_DROP',
  2: 'XDP_PASS',
  3: 'XDP_TX',
  4: 'XDP_REDIRECT',
};
export const TC_VERDICTS: Readonly<Record<number, string>> = {
  [-1]: 'TC_ACT_UNSPEC',
  0: 'TC_ACT_OK',
  1: 'TC_ACT_RECLASSIFY',
  2: 'TC_ACT_SHOT',
  3: 'TC_ACT_PIPE',
  4: 'TC_ACT_STOLEN',
  5: 'TC_ACT_QUEUED',
  6: 'TC_ACT_REPEAT',
  7: 'TC_ACT_REDIRECT',
  8: 'TC_ACT_TRAP',
};

/** A running verdict capture (capture.start's reply). */
export interface CaptureInfo {
  capture: string;
  attachment: string;
  kind: 'xdp' | 'tc';
  netns: string;
  dev: string;
  ifindex: number;
  /** XDP sees received packets only; tc the direction it is attached to. */
  direction: 'ingress' | 'egress';
  /** The plain program (put back on stop) and the instrumented one running now. */
  plainProgId: number;
  captureProgId: number;
  program: string;
  snapLength: number;
  /** The filter as recorded (absent: every packet). */
  filter?: PacketFilter;
  startedAt: number;
}

/** One packet the user's program returned a verdict for. */
export interface CapturedPacket {
  /** Wall-clock time in microseconds since the epoch (from the kernel's monotonic clock at program entry). */
  timeUs: number;
  /** The program's return value (XDP_VERDICTS / TC_VERDICTS name it). */
  verdict: number;
  ifindex: number;
  /** The packet's length as the program left it. */
  len: number;
  /** Its first snapLength bytes (base64), as the program left them. */
  data: string;
}

/** What a capture saw, in the kernel's own counts (capture.stop's reply). */
export interface CaptureSummary {
  capture: string;
  /** Packets the program ran on during the capture. */
  seen: number;
  /** Of those, packets the filter kept. */
  matched: number;
  /** Packets sent to the client. */
  received: number;
  /** matched - received: lost in the kernel's perf buffer or on the way (0 when nothing was lost). */
  lost: number;
  /** Matched packets by verdict name (XDP_DROP: 3), counted in the kernel, lost ones included. */
  verdicts: Record<string, number>;
  /** The program attached again (the plain one) and whether the swap back succeeded. */
  restored: { progId: number; ok: boolean; message?: string };
  durationMs: number;
}

/** An attachment as the host diff shows it: with its program's tag and its attach point. */
export type DiffAttachment = Attachment & { tag?: string; point: string };

/** Two hosts compared (extension/core/fleet/hostDiff.ts): the CLI's `diff --json` and the host diff webview. */
export interface HostDiff {
  a: string;
  b: string;
  programs: { onlyA: BpfProgram[]; onlyB: BpfProgram[]; differ: { key: string; a: BpfProgram[]; b: BpfProgram[] }[]; same: number };
  /** `point`: where it sits, as matched ("xdp root/eth0", "tc root/eth0 ingress", "cgroup sock_ops /sys/fs/cgroup/x"). */
  attachments: {
    onlyA: DiffAttachment[];
    onlyB: DiffAttachment[];
    differ: { point: string; a: DiffAttachment; b: DiffAttachment }[];
    same: number;
  };
  maps: { onlyA: BpfMap[]; onlyB: BpfMap[]; differ: { key: string; a: BpfMap; b: BpfMap; what: string }[]; same: number };
  contents: { map: string; onlyA: string[]; onlyB: string[]; differ: { key: string; a: string; b: string }[]; truncated: boolean }[];
  identical: boolean;
}

/** How a host's CLOCK_MONOTONIC sits against the client's (extension/core/fleet/clockOffset.ts). */
export interface HostClock {
  /** Host clock minus the client's, ns: a host timestamp minus this is the client's clock. */
  offsetNs: number;
  /** Half the best round trip, ns: the offset is right within this. */
  uncertaintyNs: number;
  samples: number;
}

/** A hop of a packet followed across hosts (extension/core/fleet/crossHostPath.ts). */
export interface FleetHop extends PacketHop {
  host: string;
  /** This hop's time on the client's clock (host time minus the host's offset), ns. */
  clientNs: number;
}

/**
 * What one host of a packet path trace across hosts is doing (extension/core/fleet/fleetPathTrace.ts): `lost` when
 * its connection dropped mid-trace (its hops stop there; `final` when it is gone for good, else it is reconnecting).
 */
export interface FleetHostTraceState {
  host: string;
  state: 'starting' | 'tracing' | 'not traced' | 'lost' | 'stopped';
  netnsScope: 'own' | 'all';
  /** Why: the failure to start, the connection's error, or the gap after a reconnect. */
  reason?: string;
  /** When it was lost (ms since the epoch). */
  since?: number;
  /** Lost for good (no reconnect). */
  final?: boolean;
  /** When its first and latest hops arrived here (ms since the epoch). */
  firstHopAt?: number;
  lastHopAt?: number;
}

/** One packet's path across hosts: the CLI's `trace --hosts ... --json` lines and the fleet path webview. */
export interface FleetPacketPath extends Omit<PacketPath, 'hops' | 'drop'> {
  /** Hosts in path order (a host appears once per segment). */
  hosts: string[];
  hops: FleetHop[];
  /** Where the packet died (the hop with a drop reason), when a host saw it die. */
  drop?: PacketDrop & { host: string; ifname: string };
}
