// net.list: interfaces (`ip -j -d addr`) and attachments (`bpftool -j net show`) per network namespace. One
// namespace alone: through `nsenter --net` (bpftool still sees bpffs, see core/runner.ts). Every namespace (the
// tree's listing): one ip run for all of them (allNetns.ts), shared by the listings asked for together; a
// namespace missing from that output (made meanwhile, or the command failed there) is run on its own.
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { NetListResult } from '../../protocol/agent';
import type { NetAttachment } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { NETNS_DIR } from '../core/runner';
import { validateNetns } from '../core/validate';
import { parseIpAddr } from '../parsers/ipAddr';
import { parseNetShow } from '../parsers/netShow';
import { everyNetns } from './allNetns';
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

/**
 * `shared`: may join a run in flight (read-only callers, see singleFlight.ts). `source`: the `net show` JSON from
 * elsewhere (a batch entry, snapshot.ts) instead of a run of its own.
 */
export function netAttachments(
  ctx: AgentContext,
  netns: string,
  shared = false,
  source?: () => Promise<string | unknown[]>,
): Promise<NetAttachment[]> {
  const own = () => ownNetShow(ctx, netns);
  const json = source ?? (shared && netns !== 'root' ? () => fromEveryNetns(ctx, 'net', netns, own) : own);
  const run = async () => parseNetShow(await json(), netns);
  return shared ? singleFlight(ctx, `net:${netns}`, run) : run();
}

/** `bpftool net show` run in that namespace alone. */
async function ownNetShow(ctx: AgentContext, netns: string): Promise<string> {
  return (await ctx.run([bpftoolPath(ctx), '-j', 'net', 'show'], { netns })).stdout;
}

/**
 * One namespace's `ip addr` or `net show` from the run over all of them (allNetns.ts: one run shared by everyone
 * asking meanwhile), or `own()`.
 */
async function fromEveryNetns(ctx: AgentContext, part: 'ip' | 'net', netns: string, own: () => Promise<string>): Promise<string> {
  const all = await singleFlight(ctx, 'every-netns', () => everyNetns(ctx, bpftoolPath(ctx))).catch(() => undefined);
  const text = part === 'ip' && netns === 'root' ? all?.root : all?.[part].get(netns);
  if (text) {
    try {
      JSON.parse(text);
      return text;
    } catch {
      /* not its JSON (an error message): ask that namespace alone */
    }
  }
  return own();
}

/** `ip -j -d addr show` of a namespace; `shared`: from the run over all namespaces. Fails when the namespace is gone. */
async function interfacesJson(ctx: AgentContext, netns: string, shared: boolean): Promise<string> {
  const own = async () => {
    const r = await ctx.run(['ip', '-j', '-d', 'addr', 'show'], { netns, allowFailure: true });
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return r.stdout;
  };
  return shared ? fromEveryNetns(ctx, 'ip', netns, own) : own();
}

export async function netList(ctx: AgentContext, params: unknown): Promise<NetListResult> {
  const p = (params && typeof params === 'object' ? params : {}) as { netns?: unknown };
  const one = p.netns !== undefined;
  const names = one ? [validateNetns(p.netns)] : netnsNames();
  const namespaces = await Promise.all(
    names.map(async (name) => {
      // a namespace may vanish between listing /run/netns and entering it: report it empty rather than fail all
      const [ip, att] = await Promise.all([
        interfacesJson(ctx, name, !one).catch(() => undefined),
        netAttachments(ctx, name, true, one ? () => ownNetShow(ctx, name) : undefined).catch(() => [] as NetAttachment[]),
      ]);
      return { name, inode: inodeOf(name), interfaces: ip !== undefined ? parseIpAddr(ip, name) : [], attachments: att };
    }),
  );
  return { namespaces };
}
