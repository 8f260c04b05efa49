// net.list: interfaces (`ip -j -d addr`) and attachments (`bpftool -j net show`) per network namespace, both run
// through `nsenter --net` so bpftool still sees bpffs (see core/runner.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { NetListResult } from '../../protocol/agent';
import type { NetAttachment } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { NETNS_DIR } from '../core/runner';
import { validateNetns } from '../core/validate';
import { parseIpAddr } from '../parsers/ipAddr';
import { parseNetShow } from '../parsers/netShow';
import { singleFlight } from './singleFlight';

/**
 * 'root' (the agent's own namespace: where commands without nsenter run) and every name under /run/netns, except
 * a name for the agent's own namespace (an agent started inside a lab host would otherwise list it twice).
 */
export function netnsNames(): string[] {
  const names = existsSync(NETNS_DIR)
    ? readdirSync(NETNS_DIR)
        .filter((n) => /^[A-Za-z0-9_.-]{1,64}$/.test(n))
        .sort()
    : [];
  const self = inodeOf('root');
  return ['root', ...names.filter((n) => self === undefined || inodeOf(n) !== self)];
}

function inodeOf(netns: string): number | undefined {
  try {
    return statSync(netns === 'root' ? '/proc/self/ns/net' : `${NETNS_DIR}/${netns}`).ino;
  } catch {
    return undefined;
  }
}

/** `shared`: may join a run in flight (read-only callers, see singleFlight.ts). */
export function netAttachments(ctx: AgentContext, netns: string, shared = false): Promise<NetAttachment[]> {
  const run = async () => parseNetShow((await ctx.run([bpftoolPath(ctx), '-j', 'net', 'show'], { netns })).stdout, netns);
  return shared ? singleFlight(ctx, `net:${netns}`, run) : run();
}

export async function netList(ctx: AgentContext, params: unknown): Promise<NetListResult> {
  const p = (params && typeof params === 'object' ? params : {}) as { netns?: unknown };
  const names = p.netns !== undefined ? [validateNetns(p.netns)] : netnsNames();
  const namespaces = await Promise.all(
    names.map(async (name) => {
      // a namespace may vanish between listing /run/netns and entering it: report it empty rather than fail all
      const [ip, att] = await Promise.all([
        ctx.run(['ip', '-j', '-d', 'addr', 'show'], { netns: name, allowFailure: true }),
        netAttachments(ctx, name, true).catch(() => [] as NetAttachment[]),
      ]);
      return { name, inode: inodeOf(name), interfaces: ip.exitCode === 0 ? parseIpAddr(ip.stdout, name) : [], attachments: att };
    }),
  );
  return { namespaces };
}
