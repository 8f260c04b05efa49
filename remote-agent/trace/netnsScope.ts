// trace.start {source: 'packet_path', netnsScope: 'own'}: keep only hops in the agent's own network namespace. The
// tracer sees the whole kernel; on a container host (or namespace hosts sharing one kernel, as in the fleet tests)
// `own` is that host's view. The agent's namespace is the inode of /proc/self/ns/net, the number the tracer
// reports as `netnsInode` (skb->dev->nd_net.net->ns.inum).
import { statSync } from 'node:fs';
import type { PacketPathEvent } from '../../protocol/types';
import { validateEnum } from '../core/validate';

export function ownNetnsInode(): number {
  return statSync('/proc/self/ns/net').ino;
}

export function netnsScopeFilter(raw: unknown, own: () => number = ownNetnsInode): (e: PacketPathEvent) => boolean {
  const scope = validateEnum(raw, ['all', 'own'] as const, 'netnsScope', 'all');
  if (scope === 'all') return () => true;
  const inode = own();
  return (e) => e.netnsInode === inode;
}
