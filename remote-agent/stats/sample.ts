// stats.sample: every program's cumulative run count and run time (`bpftool -j prog show`, present while
// statistics are on) with where it is attached (XDP/tc/tcx per network namespace from `bpftool net show`, and
// bpftool's links: cgroup, netns, tracing). The attachments change rarely and cost a bpftool per namespace,
// so they are re-read at most every ATTACH_TTL_MS.
import type { ProgramCounters, StatsSample } from '../../protocol/agent';
import { bpftoolPath, type AgentContext } from '../core/context';
import { netAttachments, netnsNames } from '../listings/net';
import { parseLinkShow } from '../parsers/linkShow';
import { parseProgShow } from '../parsers/progShow';

const ATTACH_TTL_MS = 5000;
const cache = new WeakMap<AgentContext, { at: number; where: Map<number, string[]> }>();

async function attachmentsByProgram(ctx: AgentContext): Promise<Map<number, string[]>> {
  const hit = cache.get(ctx);
  if (hit && Date.now() - hit.at < ATTACH_TTL_MS) return hit.where;
  const where = new Map<number, string[]>();
  const add = (id: number, text: string) => {
    const list = where.get(id) ?? [];
    if (!list.includes(text)) list.push(text);
    where.set(id, list);
  };
  const perNs = await Promise.all(netnsNames().map((ns) => netAttachments(ctx, ns, true).catch(() => [])));
  for (const atts of perNs) {
    for (const a of atts)
      add(a.progId, `${a.kind}${a.direction ? ` ${a.direction}` : ''}${a.mode ? ` (${a.mode})` : ''} ${a.dev} [${a.netns}]`);
  }
  const links = await ctx.run([bpftoolPath(ctx), '-j', 'link', 'show'], { allowFailure: true });
  if (links.exitCode === 0) {
    for (const l of parseLinkShow(links.stdout)) {
      // net links (xdp, tcx) are already there from `net show`
      if (l.type === 'xdp' || l.type === 'tcx') continue;
      const d = l.details;
      const detail = [
        d.attach_type,
        d.cgroup_id !== undefined ? `cgroup ${String(d.cgroup_id)}` : undefined,
        d.tp_name,
        d.func_name,
        d.netns_ino !== undefined ? `netns ${String(d.netns_ino)}` : undefined,
      ]
        .filter((x) => x !== undefined && x !== '')
        .join(' ');
      add(l.progId, `${l.type}${detail ? ` ${detail}` : ''}`);
    }
  }
  cache.set(ctx, { at: Date.now(), where });
  return where;
}

export async function statsSample(ctx: AgentContext, statsOn: boolean): Promise<StatsSample> {
  const [show, where] = await Promise.all([ctx.run([bpftoolPath(ctx), '-j', 'prog', 'show']), attachmentsByProgram(ctx)]);
  const atNs = Number(process.hrtime.bigint());
  const programs: ProgramCounters[] = parseProgShow(show.stdout).map((p) => ({
    id: p.id,
    name: p.name,
    type: p.type,
    runCnt: p.runCnt ?? 0,
    runTimeNs: p.runTimeNs ?? 0,
    attachedTo: where.get(p.id) ?? [],
  }));
  return { atNs, programs, statsOn };
}
