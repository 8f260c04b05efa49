// Reading a lab the agent created (protocol/types.ts Lab): which namespace, interface and IPv4 address a role has.
import type { Lab } from '../../../protocol/types';

export interface LabEnd {
  netns: string;
  dev: string;
  ipv4: string;
  /** The global IPv6 address of the same interface, when the lab was made with `ipv6: true`. */
  ipv6?: string;
}

/** The first interface of `role` ("a", "b", "br") with an IPv4 address. */
export function labEnd(lab: Lab, role: string): LabEnd {
  const host = lab.hosts.find((h) => h.role === role);
  if (!host) throw new Error(`lab ${lab.name} has no host "${role}" (roles: ${lab.hosts.map((h) => h.role).join(', ')})`);
  for (const itf of host.interfaces) {
    const v4 = itf.addresses.find((a) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(a));
    const v6 = itf.addresses.find((x) => x.includes(':') && !x.toLowerCase().startsWith('fe80:'));
    if (v4) return { netns: host.netns, dev: itf.name, ipv4: v4.split('/')[0], ...(v6 ? { ipv6: v6.split('/')[0] } : {}) };
  }
  throw new Error(`lab ${lab.name} host "${role}" has no IPv4 address: ${JSON.stringify(host.interfaces)}`);
}

/** The address part of "10.1.2.3/24". */
export const ipOf = (cidr: string): string => cidr.split('/')[0];
