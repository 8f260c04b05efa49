// `ip -j -d addr show` of one namespace -> NetInterface[].
import type { NetInterface } from '../../protocol/types';
import { asArray, num, parseJsonArray, str } from './bpftoolJson';

export function parseIpAddr(stdout: string, netns: string): NetInterface[] {
  return parseJsonArray(stdout).map((i) => {
    const linkinfo = (i.linkinfo ?? {}) as Record<string, unknown>;
    const kind = str(linkinfo.info_kind) ?? (str(i.link_type) === 'loopback' ? 'loopback' : undefined);
    const ni: NetInterface = {
      netns,
      ifindex: num(i.ifindex) ?? -1,
      name: str(i.ifname) ?? '',
      mtu: num(i.mtu),
      operState: str(i.operstate),
      mac: str(i.address),
      addresses: asArray(i.addr_info).map((a) => `${str(a.local)}/${num(a.prefixlen)}`),
    };
    if (kind) ni.kind = kind;
    if (str(i.master)) ni.master = str(i.master);
    return ni;
  });
}
