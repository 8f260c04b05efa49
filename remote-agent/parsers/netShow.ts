// `bpftool -j net show` of one namespace -> NetAttachment[].
// 7.1: [{"xdp":[{devname,ifindex,mode,id}], "tc":[{devname,ifindex,kind:"clsact/egress",name,id}], "flow_dissector":[]}]
// 7.5 adds "netfilter":[] and tcx entries in "tc": {devname,ifindex,kind:"tcx/ingress",name,prog_id,link_id,...}.
// XDP, tc and tcx entries carry the id `detach` takes (attach/attachmentId.ts), so no client builds one.
import type { NetAttachment, TcDirection, XdpKernelMode } from '../../protocol/types';
import { formatAttachmentId } from '../attach/attachmentId';
import { asArray, num, parseJsonArray, str, type Json } from './bpftoolJson';

function direction(kind: string): TcDirection | undefined {
  if (kind.endsWith('/ingress')) return 'ingress';
  if (kind.endsWith('/egress')) return 'egress';
  return undefined;
}

/** tc names look like "tc_drop_icmp:[*fsobj]" (program name, then where cls_bpf got it from). */
function progName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const i = raw.indexOf(':[');
  return i >= 0 ? raw.slice(0, i) : raw;
}

export function parseNetShow(stdout: string | unknown[], netns: string): NetAttachment[] {
  const out: NetAttachment[] = [];
  for (const section of parseJsonArray(stdout)) {
    for (const x of asArray(section.xdp)) {
      const mode = str(x.mode) as XdpKernelMode | undefined;
      const dev = str(x.devname) ?? '';
      out.push({
        id: formatAttachmentId({ kind: 'xdp', netns, dev }),
        netns,
        dev,
        ifindex: num(x.ifindex) ?? -1,
        kind: 'xdp',
        progId: num(x.id) ?? num(x.prog_id) ?? -1,
        progName: str(x.name),
        mode,
        ...(num(x.link_id) ? { linkId: num(x.link_id) } : {}),
      });
    }
    for (const t of asArray(section.tc)) out.push(tcEntry(t, netns));
    for (const f of asArray(section.flow_dissector)) {
      out.push({
        netns,
        dev: str(f.devname) ?? '',
        ifindex: num(f.ifindex) ?? -1,
        kind: 'flow_dissector',
        progId: num(f.id) ?? num(f.prog_id) ?? -1,
        progName: str(f.name),
      });
    }
    for (const n of asArray(section.netfilter)) {
      out.push({
        netns,
        dev: '',
        ifindex: -1,
        kind: 'netfilter',
        progId: num(n.prog_id) ?? num(n.id) ?? -1,
        progName: str(n.name),
        ...(num(n.id) ? { linkId: num(n.id) } : {}),
      });
    }
  }
  return out;
}

function tcEntry(t: Json, netns: string): NetAttachment {
  const kind = str(t.kind) ?? '';
  const isTcx = kind.startsWith('tcx/');
  const a: NetAttachment = {
    netns,
    dev: str(t.devname) ?? '',
    ifindex: num(t.ifindex) ?? -1,
    kind: isTcx ? 'tcx' : 'tc',
    progId: num(t.prog_id) ?? num(t.id) ?? -1,
    progName: progName(str(t.name)),
    direction: direction(kind),
  };
  if (a.direction) a.id = formatAttachmentId({ kind: a.kind as 'tc' | 'tcx', netns, dev: a.dev, direction: a.direction });
  if (isTcx && num(t.link_id)) a.linkId = num(t.link_id);
  if (!isTcx) a.tcDetails = { directAction: str(t.name)?.includes('[*fsobj]') || undefined };
  return a;
}
