// What program type a section name stands for, matched the way libbpf >= 1.0 does (libbpf.c section_defs): a
// name without '+' must match exactly; a name with '+' matches itself or itself followed by '/...'. Order matters
// (first match wins), so more specific names come first, as in libbpf's table.

/** How the CLI attaches a program of this type (`ebpf-netdebug attach KIND`); absent when it cannot. */
export type AttachKind = 'xdp' | 'tc' | 'sockops' | 'skmsg' | 'tracepoints';

export interface SectionType {
  /** bpftool's name for the program type ("xdp", "sched_cls", "tracepoint", ...). */
  programType: string;
  /** bpftool's name for the expected attach type, when the section implies one. */
  attachType?: string;
  attachKind?: AttachKind;
}

interface SectionDef extends SectionType {
  prefix: string;
  plus: boolean;
}

function def(spec: string, programType: string, attachType?: string, attachKind?: AttachKind): SectionDef {
  const plus = spec.endsWith('+');
  return { prefix: plus ? spec.slice(0, -1) : spec, plus, programType, attachType, attachKind };
}

const tracing = (p: string, a: string) => def(p, 'tracing', a);
/** cgroup/connect4 -> cgroup_inet4_connect, cgroup/sendmsg6 -> cgroup_udp6_sendmsg, cgroup/bind_unix... (bpftool's names). */
function sockAddr(n: string): SectionDef {
  const m = /^([a-z]+?)(4|6|_unix)$/.exec(n)!;
  const [, op, fam] = m;
  const family = fam === '_unix' ? 'unix' : `${op === 'sendmsg' || op === 'recvmsg' ? 'udp' : 'inet'}${fam}`;
  return def(`cgroup/${n}`, 'cgroup_sock_addr', `cgroup_${family}_${op}`);
}

const defs: SectionDef[] = [
  def('socket', 'socket_filter'),
  def('sk_reuseport/migrate', 'sk_reuseport', 'sk_reuseport_select_or_migrate'),
  def('sk_reuseport', 'sk_reuseport', 'sk_reuseport_select'),
  def('kprobe+', 'kprobe'),
  def('uprobe+', 'kprobe'),
  def('uprobe.s+', 'kprobe'),
  def('kretprobe+', 'kprobe'),
  def('uretprobe+', 'kprobe'),
  def('uretprobe.s+', 'kprobe'),
  def('kprobe.multi+', 'kprobe', 'trace_kprobe_multi'),
  def('kretprobe.multi+', 'kprobe', 'trace_kprobe_multi'),
  def('kprobe.session+', 'kprobe', 'trace_kprobe_session'),
  def('uprobe.multi+', 'kprobe', 'trace_uprobe_multi'),
  def('uretprobe.multi+', 'kprobe', 'trace_uprobe_multi'),
  def('uprobe.multi.s+', 'kprobe', 'trace_uprobe_multi'),
  def('uretprobe.multi.s+', 'kprobe', 'trace_uprobe_multi'),
  def('ksyscall+', 'kprobe'),
  def('kretsyscall+', 'kprobe'),
  def('usdt+', 'kprobe'),
  def('usdt.s+', 'kprobe'),
  def('tc/ingress', 'sched_cls', 'tcx_ingress', 'tc'),
  def('tc/egress', 'sched_cls', 'tcx_egress', 'tc'),
  def('tcx/ingress', 'sched_cls', 'tcx_ingress', 'tc'),
  def('tcx/egress', 'sched_cls', 'tcx_egress', 'tc'),
  def('tc', 'sched_cls', undefined, 'tc'),
  def('classifier', 'sched_cls', undefined, 'tc'),
  def('action', 'sched_act'),
  def('netkit/primary', 'sched_cls', 'netkit_primary'),
  def('netkit/peer', 'sched_cls', 'netkit_peer'),
  def('tracepoint+', 'tracepoint', undefined, 'tracepoints'),
  def('tp+', 'tracepoint', undefined, 'tracepoints'),
  def('raw_tracepoint+', 'raw_tracepoint', undefined, 'tracepoints'),
  def('raw_tp+', 'raw_tracepoint', undefined, 'tracepoints'),
  def('raw_tracepoint.w+', 'raw_tracepoint_writable', undefined, 'tracepoints'),
  def('raw_tp.w+', 'raw_tracepoint_writable', undefined, 'tracepoints'),
  { ...tracing('tp_btf+', 'trace_raw_tp'), attachKind: 'tracepoints' },
  tracing('fentry+', 'trace_fentry'),
  tracing('fmod_ret+', 'modify_return'),
  tracing('fexit+', 'trace_fexit'),
  tracing('fentry.s+', 'trace_fentry'),
  tracing('fmod_ret.s+', 'modify_return'),
  tracing('fexit.s+', 'trace_fexit'),
  def('freplace+', 'ext'),
  def('lsm+', 'lsm', 'lsm_mac'),
  def('lsm.s+', 'lsm', 'lsm_mac'),
  def('lsm_cgroup+', 'lsm', 'lsm_cgroup'),
  tracing('iter+', 'trace_iter'),
  tracing('iter.s+', 'trace_iter'),
  def('syscall', 'syscall'),
  def('xdp.frags/devmap', 'xdp', 'xdp_devmap'),
  def('xdp/devmap', 'xdp', 'xdp_devmap'),
  def('xdp.frags/cpumap', 'xdp', 'xdp_cpumap'),
  def('xdp/cpumap', 'xdp', 'xdp_cpumap'),
  def('xdp.frags', 'xdp', 'xdp', 'xdp'),
  def('xdp', 'xdp', 'xdp', 'xdp'),
  def('perf_event', 'perf_event'),
  def('lwt_in', 'lwt_in'),
  def('lwt_out', 'lwt_out'),
  def('lwt_xmit', 'lwt_xmit'),
  def('lwt_seg6local', 'lwt_seg6local'),
  def('sockops', 'sock_ops', 'cgroup_sock_ops', 'sockops'),
  def('sk_skb/stream_parser', 'sk_skb', 'sk_skb_stream_parser'),
  def('sk_skb/stream_verdict', 'sk_skb', 'sk_skb_stream_verdict'),
  def('sk_skb/verdict', 'sk_skb', 'sk_skb_verdict'),
  def('sk_skb', 'sk_skb'),
  def('sk_msg', 'sk_msg', 'sk_msg_verdict', 'skmsg'),
  def('lirc_mode2', 'lirc_mode2', 'lirc_mode2'),
  def('flow_dissector', 'flow_dissector', 'flow_dissector'),
  def('cgroup_skb/ingress', 'cgroup_skb', 'cgroup_inet_ingress'),
  def('cgroup_skb/egress', 'cgroup_skb', 'cgroup_inet_egress'),
  def('cgroup/skb', 'cgroup_skb'),
  def('cgroup/sock_create', 'cgroup_sock', 'cgroup_inet_sock_create'),
  def('cgroup/sock_release', 'cgroup_sock', 'cgroup_inet_sock_release'),
  def('cgroup/sock', 'cgroup_sock', 'cgroup_inet_sock_create'),
  def('cgroup/post_bind4', 'cgroup_sock', 'cgroup_inet4_post_bind'),
  def('cgroup/post_bind6', 'cgroup_sock', 'cgroup_inet6_post_bind'),
  ...[
    'bind4',
    'bind6',
    'connect4',
    'connect6',
    'connect_unix',
    'sendmsg4',
    'sendmsg6',
    'sendmsg_unix',
    'recvmsg4',
    'recvmsg6',
    'recvmsg_unix',
    'getpeername4',
    'getpeername6',
    'getpeername_unix',
    'getsockname4',
    'getsockname6',
    'getsockname_unix',
  ].map(sockAddr),
  def('cgroup/sysctl', 'cgroup_sysctl', 'cgroup_sysctl'),
  def('cgroup/getsockopt', 'cgroup_sockopt', 'cgroup_getsockopt'),
  def('cgroup/setsockopt', 'cgroup_sockopt', 'cgroup_setsockopt'),
  def('cgroup/dev', 'cgroup_device', 'cgroup_device'),
  def('struct_ops+', 'struct_ops'),
  def('struct_ops.s+', 'struct_ops'),
  def('sk_lookup', 'sk_lookup', 'sk_lookup'),
  def('netfilter', 'netfilter', 'netfilter'),
];

/** The program type libbpf infers from a section name; undefined when libbpf would not recognise it. */
export function sectionType(section: string): SectionType | undefined {
  for (const d of defs) {
    const match = d.plus ? section === d.prefix || section.startsWith(`${d.prefix}/`) : section === d.prefix;
    if (match) return { programType: d.programType, attachType: d.attachType, attachKind: d.attachKind };
  }
  return undefined;
}

/** For tracepoint-like sections, what they attach to: "net/net_dev_queue" for "tracepoint/net/net_dev_queue". */
export function sectionTarget(section: string): string | undefined {
  const slash = section.indexOf('/');
  if (slash < 0) return undefined;
  const head = section.slice(0, slash);
  const tracingHeads = [
    'tracepoint',
    'tp',
    'raw_tracepoint',
    'raw_tp',
    'raw_tracepoint.w',
    'raw_tp.w',
    'tp_btf',
    'fentry',
    'fexit',
    'fmod_ret',
    'fentry.s',
    'fexit.s',
    'fmod_ret.s',
    'kprobe',
    'kretprobe',
    'ksyscall',
    'kretsyscall',
    'lsm',
    'lsm.s',
    'iter',
    'iter.s',
    'struct_ops',
    'uprobe',
    'uretprobe',
    'usdt',
    'freplace',
  ];
  return tracingHeads.includes(head) ? section.slice(slash + 1) : undefined;
}
