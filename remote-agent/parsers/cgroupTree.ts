// `bpftool -j cgroup tree ROOT` ([{cgroup, programs:[...]}]) and `bpftool -j cgroup show CG` ([{id,attach_type,...}])
// -> CgroupAttachment[]. Attach types come as "cgroup_sock_ops" in 7.x JSON; we report them as bpftool's attach
// command spells them ("sock_ops") so a listing can be fed back to attach/detach.
import type { CgroupAttachment } from '../../protocol/types';
import { asArray, num, parseJsonArray, str, type Json } from './bpftoolJson';

const ATTACH_NAMES: Record<string, string> = {
  cgroup_inet_ingress: 'ingress',
  cgroup_inet_egress: 'egress',
  cgroup_inet_sock_create: 'sock_create',
  cgroup_sock_ops: 'sock_ops',
  cgroup_device: 'device',
  cgroup_inet4_bind: 'bind4',
  cgroup_inet6_bind: 'bind6',
  cgroup_inet4_connect: 'connect4',
  cgroup_inet6_connect: 'connect6',
  cgroup_inet4_post_bind: 'post_bind4',
  cgroup_inet6_post_bind: 'post_bind6',
  cgroup_udp4_sendmsg: 'sendmsg4',
  cgroup_udp6_sendmsg: 'sendmsg6',
  cgroup_sysctl: 'sysctl',
  cgroup_udp4_recvmsg: 'recvmsg4',
  cgroup_udp6_recvmsg: 'recvmsg6',
  cgroup_getsockopt: 'getsockopt',
  cgroup_setsockopt: 'setsockopt',
  cgroup_inet_sock_release: 'sock_release',
};

export function attachTypeName(raw: string): string {
  return ATTACH_NAMES[raw] ?? raw;
}

function entry(cgroup: string, p: Json): CgroupAttachment {
  const a: CgroupAttachment = { cgroup, attachType: attachTypeName(str(p.attach_type) ?? ''), progId: num(p.id) ?? -1 };
  if (str(p.name)) a.progName = str(p.name);
  if (str(p.attach_flags)) a.attachFlags = str(p.attach_flags);
  return a;
}

export function parseCgroupTree(stdout: string | unknown[]): CgroupAttachment[] {
  return parseJsonArray(stdout).flatMap((c) => asArray(c.programs).map((p) => entry(str(c.cgroup) ?? '', p)));
}

export function parseCgroupShow(stdout: string, cgroup: string): CgroupAttachment[] {
  return parseJsonArray(stdout).map((p) => entry(cgroup, p));
}
