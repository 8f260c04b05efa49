// attachments.list: what the kernel shows now, in the form `detach` accepts:
// - every XDP/tc/tcx attachment on every interface of every namespace (`bpftool net show`): the kernel does not say
//   who attached a program to an interface, so all of them are listed, ours and anybody else's;
// - cgroup attachments of programs pinned under our pin root (a host's own cgroup programs, systemd's for one,
//   are not ours to list);
// - objects whose tracepoints are attached (link pins in OBJECT/links);
// - recorded sk_msg attachments whose program and map still exist (the kernel lists those nowhere).
import { existsSync } from 'node:fs';
import type { Attachment, NetAttachment } from '../../protocol/types';
import type { AgentContext } from '../core/context';
import { objectLinksDir, PIN_ROOT } from '../core/paths';
import { listPrograms } from '../listings/bpf';
import { cgroupList } from '../listings/cgroup';
import { netAttachments, netnsNames } from '../listings/net';
import { loadedObjectNames } from '../objects/describe';
import { formatAttachmentId } from './attachmentId';
import { skMsgRecords } from './skmsg';

function fromNet(n: NetAttachment): Attachment | null {
  if (!n.id) return null;
  if (n.kind === 'xdp') return { id: n.id, kind: 'xdp', progId: n.progId, progName: n.progName, dev: n.dev, netns: n.netns, mode: n.mode };
  if ((n.kind === 'tc' || n.kind === 'tcx') && n.direction) {
    return { id: n.id, kind: n.kind, progId: n.progId, progName: n.progName, dev: n.dev, netns: n.netns, direction: n.direction };
  }
  return null;
}

export async function attachmentsList(ctx: AgentContext): Promise<Attachment[]> {
  // all three at once, so they join the runs a listings.snapshot (or any listing) has in flight
  const [progs, net, cgroups] = await Promise.all([
    listPrograms(ctx, true),
    Promise.all(netnsNames().map((ns) => netAttachments(ctx, ns, true).catch(() => []))).then((l) => l.flat()),
    ctx.cgroupRoot ? cgroupList(ctx, {}, true).catch(() => []) : [],
  ]);
  const ours = new Set(progs.filter((p) => p.pinned.some((x) => x.startsWith(`${PIN_ROOT}/`))).map((p) => p.id));
  const out: Attachment[] = [];
  const seen = new Set<string>();
  // net show names XDP programs by id only: the name from the program listing, so every row says which program.
  const names = new Map(progs.map((p) => [p.id, p.name]));
  for (const n of net) {
    const a = fromNet({ ...n, progName: n.progName ?? names.get(n.progId) });
    if (a && !seen.has(a.id)) {
      seen.add(a.id);
      out.push(a);
    }
  }
  if (ctx.cgroupRoot) {
    for (const c of cgroups) {
      if (!ours.has(c.progId)) continue;
      out.push({
        id: formatAttachmentId({ kind: 'cgroup', attachType: c.attachType, cgroup: c.cgroup, progId: c.progId }),
        kind: 'cgroup',
        progId: c.progId,
        progName: c.progName,
        cgroup: c.cgroup,
        attachType: c.attachType,
      });
    }
  }
  for (const name of loadedObjectNames()) {
    if (existsSync(objectLinksDir(name)))
      out.push({ id: formatAttachmentId({ kind: 'tracepoints', object: name }), kind: 'tracepoints', object: name });
  }
  const live = new Set(progs.map((p) => p.id));
  for (const s of skMsgRecords(ctx.stateDir)) if (s.map && existsSync(s.map) && s.progId && live.has(s.progId)) out.push(s);
  return out;
}
