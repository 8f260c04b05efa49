// Attachment ids are self-describing strings built from what the kernel needs to find the attachment again, so a
// different process (the CLI's `detach`, the watchdog) can act on one without any state of ours:
//   xdp:NETNS:DEV                      tc:NETNS:DEV:DIRECTION          tcx:NETNS:DEV:DIRECTION
//   cgroup:TYPE:CGROUP_PATH:PROG_ID    sk_msg:TYPE:MAP_PIN:PROG_ID     tracepoints:OBJECT
// NETNS is `root` or a /run/netns name. Names are validated, so they never hold ':' themselves.
import type { TcDirection } from '../../protocol/types';
import { badArgument } from '../core/errors';
import { validateIfName, validateObjectName, validatePinPath } from '../core/validate';

export type ParsedAttachmentId =
  | { kind: 'xdp'; netns: string; dev: string }
  | { kind: 'tc' | 'tcx'; netns: string; dev: string; direction: TcDirection }
  | { kind: 'cgroup'; attachType: string; cgroup: string; progId: number }
  | { kind: 'sk_msg'; attachType: string; map: string; progId: number }
  | { kind: 'tracepoints'; object: string };

export function formatAttachmentId(a: ParsedAttachmentId): string {
  switch (a.kind) {
    case 'xdp':
      return `xdp:${a.netns}:${a.dev}`;
    case 'tc':
    case 'tcx':
      return `${a.kind}:${a.netns}:${a.dev}:${a.direction}`;
    case 'cgroup':
      return `cgroup:${a.attachType}:${a.cgroup}:${a.progId}`;
    case 'sk_msg':
      return `sk_msg:${a.attachType}:${a.map}:${a.progId}`;
    case 'tracepoints':
      return `tracepoints:${a.object}`;
  }
}

const NETNS = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/;
const TYPE = /^[a-z0-9_]{1,32}$/;

export function parseAttachmentId(value: unknown, argument = 'attachment'): ParsedAttachmentId {
  if (typeof value !== 'string' || !value) throw badArgument(argument, 'an attachment id is required');
  const f = value.split(':');
  const bad = (why: string) => badArgument(argument, `"${value}" is not an attachment id (${why})`);
  switch (f[0]) {
    case 'xdp':
      if (f.length !== 3 || !NETNS.test(f[1])) throw bad('expected xdp:NETNS:DEV');
      return { kind: 'xdp', netns: f[1], dev: validateIfName(f[2], argument) };
    case 'tc':
    case 'tcx':
      if (f.length !== 4 || !NETNS.test(f[1]) || (f[3] !== 'ingress' && f[3] !== 'egress'))
        throw bad(`expected ${f[0]}:NETNS:DEV:ingress|egress`);
      return { kind: f[0], netns: f[1], dev: validateIfName(f[2], argument), direction: f[3] };
    case 'cgroup': {
      const progId = Number(f[f.length - 1]);
      if (f.length !== 4 || !TYPE.test(f[1]) || !Number.isInteger(progId) || !f[2].startsWith('/'))
        throw bad('expected cgroup:TYPE:PATH:PROG_ID');
      return { kind: 'cgroup', attachType: f[1], cgroup: f[2], progId };
    }
    case 'sk_msg': {
      const progId = Number(f[f.length - 1]);
      if (f.length !== 4 || !TYPE.test(f[1]) || !Number.isInteger(progId)) throw bad('expected sk_msg:TYPE:MAP_PIN:PROG_ID');
      return { kind: 'sk_msg', attachType: f[1], map: validatePinPath(f[2], argument), progId };
    }
    case 'tracepoints':
      if (f.length !== 2) throw bad('expected tracepoints:OBJECT');
      return { kind: 'tracepoints', object: validateObjectName(f[1], argument) };
    default:
      throw bad('unknown kind; ids start with xdp, tc, tcx, cgroup, sk_msg or tracepoints');
  }
}
