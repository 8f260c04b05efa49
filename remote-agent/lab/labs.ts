// Labs: disposable network namespaces joined by veth pairs, for trying programs without touching the host's own
// interfaces. Namespaces are end_NAME_a, end_NAME_b (and end_NAME_br with bridge br0 for 'bridge'); each host's
// link is eth0. lab.list reads them back from /run/netns and `ip -j addr` (the kernel is the source of truth).
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import type { LabCreateParams } from '../../protocol/agent';
import type { Lab, LabHost, LabTopology, NetInterface } from '../../protocol/types';
import type { AgentContext } from '../core/context';
import { AgentError, badArgument, notFound } from '../core/errors';
import { NETNS_DIR } from '../core/runner';
import { requireObject, validateLabName } from '../core/validate';
import { AgentErrorCode } from '../../protocol/agent';
import { parseIpAddr } from '../parsers/ipAddr';
import { labAddressing } from './addressing';

const ROLES = ['a', 'b', 'br'] as const;
export const labNetns = (name: string, role: string) => `end_${name}_${role}`;
/** The root namespace's end of the optional root link (<= 15 chars: end_ + 8 + _r). */
export const rootLinkDev = (name: string) => `end_${name}_r`;

function topologyOf(raw: unknown): LabTopology {
  if (!raw || typeof raw !== 'object') throw badArgument('topology', 'must be {kind: "pair" | "bridge", ipv6?, rootLink?}');
  const t = raw as Record<string, unknown>;
  if (t.kind !== 'pair' && t.kind !== 'bridge') throw badArgument('topology.kind', `"${String(t.kind)}" is not pair or bridge`);
  for (const k of ['ipv6', 'rootLink'])
    if (t[k] !== undefined && typeof t[k] !== 'boolean') throw badArgument(`topology.${k}`, 'must be true or false');
  return { kind: t.kind, ...(t.ipv6 ? { ipv6: true } : {}), ...(t.rootLink ? { rootLink: true } : {}) };
}

export async function labCreate(ctx: AgentContext, raw: unknown): Promise<Lab> {
  const p = requireObject(raw, 'lab.create') as Partial<LabCreateParams>;
  const name = validateLabName(p.name);
  const topology = topologyOf(p.topology);
  if (ROLES.some((r) => existsSync(`${NETNS_DIR}/${labNetns(name, r)}`))) {
    throw new AgentError(AgentErrorCode.AlreadyAttached, `a lab named "${name}" exists already (lab.destroy it first)`, {
      argument: 'name',
    });
  }
  const addr = labAddressing(name);
  const a = labNetns(name, 'a');
  const b = labNetns(name, 'b');
  const br = labNetns(name, 'br');
  const ip = (argv: string[], netns?: string) => ctx.run(['ip', ...argv], { netns });
  const addAddrs = async (netns: string, dev: string, v4: string, v6: string) => {
    await ip(['addr', 'add', v4, 'dev', dev], netns);
    if (topology.ipv6) await ip(['-6', 'addr', 'add', v6, 'dev', dev, 'nodad'], netns);
  };
  // What this call made, and only that, goes again if it fails: `ip netns add` refuses a name that exists, so of
  // two creates of one name the loser never removes the winner's namespaces.
  const madeNetns: string[] = [];
  let madeRootLink = false;
  try {
    const hosts = topology.kind === 'bridge' ? [a, b, br] : [a, b];
    for (const ns of hosts) {
      await ip(['netns', 'add', ns]);
      madeNetns.push(ns);
      await ip(['link', 'set', 'lo', 'up'], ns);
    }
    if (topology.kind === 'pair') {
      await ip(['link', 'add', 'eth0', 'netns', a, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', b]);
    } else {
      await ip(['link', 'add', 'br0', 'type', 'bridge'], br);
      await ip(['link', 'set', 'br0', 'up'], br);
      for (const [ns, port] of [
        [a, 'veth_a'],
        [b, 'veth_b'],
      ]) {
        await ip(['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', br]);
        await ip(['link', 'set', port, 'master', 'br0'], br);
        await ip(['link', 'set', port, 'up'], br);
      }
    }
    await addAddrs(a, 'eth0', addr.a4, addr.a6);
    await addAddrs(b, 'eth0', addr.b4, addr.b6);
    await ip(['link', 'set', 'eth0', 'up'], a);
    await ip(['link', 'set', 'eth0', 'up'], b);
    if (topology.rootLink) {
      const dev = rootLinkDev(name);
      await ip(['link', 'add', dev, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', a]);
      madeRootLink = true;
      await ip(['addr', 'add', addr.root4, 'dev', dev]);
      await addAddrs(a, 'eth1', addr.rootPeer4, addr.rootPeer6);
      if (topology.ipv6) await ip(['-6', 'addr', 'add', addr.root6, 'dev', dev, 'nodad']);
      await ip(['link', 'set', dev, 'up']);
      await ip(['link', 'set', 'eth1', 'up'], a);
    }
  } catch (e) {
    // leave nothing half-built (veths inside a namespace go with it)
    if (madeRootLink) await ctx.run(['ip', 'link', 'del', rootLinkDev(name)], { allowFailure: true });
    for (const ns of madeNetns) await ctx.run(['ip', 'netns', 'del', ns], { allowFailure: true });
    throw e;
  }
  const lab = (await labList(ctx)).find((l) => l.name === name);
  if (!lab) throw new AgentError(AgentErrorCode.Internal, `lab "${name}" was created but cannot be read back`);
  return lab;
}

export async function labDestroy(ctx: AgentContext, raw: unknown): Promise<{ removed: string[] }> {
  const p = requireObject(raw, 'lab.destroy');
  const name = validateLabName(p.name);
  const removed: string[] = [];
  // The root link first: deleting host a's namespace would take it along, but only if eth1 still lives there.
  const dev = rootLinkDev(name);
  if ((await ctx.run(['ip', 'link', 'del', dev], { allowFailure: true })).exitCode === 0) removed.push(`link ${dev}`);
  for (const r of ROLES) {
    const ns = labNetns(name, r);
    if (!existsSync(`${NETNS_DIR}/${ns}`)) continue;
    const res = await ctx.run(['ip', 'netns', 'del', ns], { allowFailure: true });
    if (res.exitCode === 0) removed.push(`netns ${ns}`);
  }
  if (ctx.cgroupRoot && existsSync(ctx.cgroupRoot)) {
    for (const d of readdirSync(ctx.cgroupRoot)) {
      if (d.startsWith(`end_${name}_`)) {
        try {
          rmdirSync(`${ctx.cgroupRoot}/${d}`);
          removed.push(`cgroup ${ctx.cgroupRoot}/${d}`);
        } catch {
          // still has processes or children: leave it, the caller sees it is not in `removed`
        }
      }
    }
  }
  if (!removed.length) throw notFound('name', `no lab named "${name}"`);
  return { removed };
}

/**
 * `known`: a namespace's interfaces from a listing made a moment ago (listings.snapshot passes net.list's, so a
 * tree refresh forks no ip per lab host: each fork from the agent costs ~4 ms); undefined: ip is run here.
 */
export async function labList(ctx: AgentContext, known?: (netns: string) => NetInterface[] | undefined): Promise<Lab[]> {
  if (!existsSync(NETNS_DIR)) return [];
  const names = new Set<string>();
  for (const n of readdirSync(NETNS_DIR)) {
    const m = /^end_([a-z0-9]{1,8})_(a|b|br)$/.exec(n);
    if (m) names.add(m[1]);
  }
  const labs: Lab[] = [];
  for (const name of [...names].sort()) {
    const hosts: LabHost[] = [];
    for (const role of ROLES) {
      const ns = labNetns(name, role);
      if (!existsSync(`${NETNS_DIR}/${ns}`)) continue;
      const ifs = (known?.(ns) ?? (await interfacesOf(ctx, ns))).filter((i) => i.name !== 'lo');
      hosts.push({
        role,
        netns: ns,
        interfaces: ifs.map((i) => ({ name: i.name, addresses: i.addresses.filter((x) => !x.startsWith('fe80:')) })),
      });
    }
    const isBridge = hosts.some((h) => h.role === 'br');
    const ipv6 = hosts.some((h) => h.interfaces.some((i) => i.addresses.some((x) => x.startsWith('fd00:'))));
    const root = await rootLinkOf(ctx, name, known?.('root'));
    const topology: LabTopology = {
      kind: isBridge ? 'bridge' : 'pair',
      ...(ipv6 ? { ipv6: true } : {}),
      ...(root ? { rootLink: true } : {}),
    };
    const lab: Lab = { name, topology, hosts };
    if (root) {
      const addr = labAddressing(name);
      lab.rootLink = {
        dev: rootLinkDev(name),
        address: root.addresses.find((x) => x.includes('.')) ?? addr.root4,
        peerAddress: addr.rootPeer4,
      };
    }
    labs.push(lab);
  }
  return labs;
}

async function interfacesOf(ctx: AgentContext, netns: string): Promise<NetInterface[]> {
  const r = await ctx.run(['ip', '-j', '-d', 'addr', 'show'], { netns, allowFailure: true });
  return r.exitCode === 0 ? parseIpAddr(r.stdout, netns) : [];
}

/** The root namespace's end of the lab's root link, or undefined when it has none. */
async function rootLinkOf(ctx: AgentContext, name: string, rootInterfaces: NetInterface[] | undefined): Promise<NetInterface | undefined> {
  if (rootInterfaces) return rootInterfaces.find((i) => i.name === rootLinkDev(name));
  const rl = await ctx.run(['ip', '-j', 'addr', 'show', 'dev', rootLinkDev(name)], { allowFailure: true });
  return rl.exitCode === 0 ? parseIpAddr(rl.stdout, 'root')[0] : undefined;
}
