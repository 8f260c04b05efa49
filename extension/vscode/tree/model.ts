// The tree's data shaping, free of VS Code so plain node --test can check it (test/unit/vscode-model/): one
// snapshot of a host per refresh (every listing fetched once, in parallel: no round trip per row), then pure
// functions that group programs by type, join maps to programs, and lay out namespaces -> interfaces ->
// attachment slots. The kernel is the source of truth: nothing here remembers what the extension did.
import type { Attachment, BpfMap, BpfProgram, CgroupAttachment, Lab, NetAttachment, NetInterface, PinEntry } from '../../../protocol/types';
import type { ListingsSnapshotResult, NetListResult } from '../../../protocol/agent';

export interface HostSnapshot {
  programs: BpfProgram[];
  maps: BpfMap[];
  net: NetListResult;
  cgroups: CgroupAttachment[];
  pins: PinEntry[];
  labs: Lab[];
  attachments: Attachment[];
  /** Listings that failed (the rest of the tree still shows): part -> message. */
  errors: Record<string, string>;
}

/** What the agent client must offer for a snapshot (AgentClient does). */
export interface SnapshotSource {
  listPrograms(): Promise<BpfProgram[]>;
  listMaps(): Promise<BpfMap[]>;
  netList(params?: { netns?: string }): Promise<NetListResult>;
  cgroupList(params?: { path?: string }): Promise<CgroupAttachment[]>;
  pinsList(): Promise<PinEntry[]>;
  labList(): Promise<Lab[]>;
  attachmentsList(): Promise<Attachment[]>;
  /** All of the above in one request (one bpftool run on the host): used when offered. */
  listingsSnapshot?(): Promise<ListingsSnapshotResult>;
}

export async function takeSnapshot(src: SnapshotSource): Promise<HostSnapshot> {
  if (src.listingsSnapshot) {
    try {
      return await src.listingsSnapshot();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      const errors = Object.fromEntries(['programs', 'maps', 'network', 'cgroups', 'pins', 'labs', 'attachments'].map((p) => [p, why]));
      return { programs: [], maps: [], net: { namespaces: [] }, cgroups: [], pins: [], labs: [], attachments: [], errors };
    }
  }
  const errors: Record<string, string> = {};
  const get = async <T>(part: string, p: () => Promise<T>, empty: T): Promise<T> => {
    try {
      return await p();
    } catch (e) {
      errors[part] = e instanceof Error ? e.message : String(e);
      return empty;
    }
  };
  const [programs, maps, net, cgroups, pins, labs, attachments] = await Promise.all([
    get('programs', () => src.listPrograms(), [] as BpfProgram[]),
    get('maps', () => src.listMaps(), [] as BpfMap[]),
    get('network', () => src.netList({}), { namespaces: [] } as NetListResult),
    get('cgroups', () => src.cgroupList({}), [] as CgroupAttachment[]),
    get('pins', () => src.pinsList(), [] as PinEntry[]),
    get('labs', () => src.labList(), [] as Lab[]),
    get('attachments', () => src.attachmentsList(), [] as Attachment[]),
  ]);
  return { programs, maps, net, cgroups, pins, labs, attachments, errors };
}

export interface ProgramGroup {
  type: string;
  programs: BpfProgram[];
}

/** Programs grouped by type, types in alphabetical order, programs by id. */
export function groupProgramsByType(programs: BpfProgram[]): ProgramGroup[] {
  const byType = new Map<string, BpfProgram[]>();
  for (const p of programs) {
    const list = byType.get(p.type);
    if (list) list.push(p);
    else byType.set(p.type, [p]);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, list]) => ({ type, programs: list.sort((x, y) => x.id - y.id) }));
}

/** The maps a program uses, in the order of its map_ids; ids the map listing lacks are left out. */
export function mapsOfProgram(program: BpfProgram, mapsById: Map<number, BpfMap>): BpfMap[] {
  return program.mapIds.map((id) => mapsById.get(id)).filter((m): m is BpfMap => m !== undefined);
}

export function indexMaps(maps: BpfMap[]): Map<number, BpfMap> {
  return new Map(maps.map((m) => [m.id, m]));
}

/** Program ids attached somewhere (interfaces, cgroups, tool attachments): these get a "detach" action. */
export function attachedProgramIds(s: HostSnapshot): Set<number> {
  const ids = new Set<number>();
  for (const ns of s.net.namespaces) for (const a of ns.attachments) ids.add(a.progId);
  for (const c of s.cgroups) ids.add(c.progId);
  for (const a of s.attachments) if (a.progId !== undefined) ids.add(a.progId);
  return ids;
}

export type SlotKind = 'xdp' | 'tc ingress' | 'tc egress' | 'tcx ingress' | 'tcx egress';
export interface AttachmentSlot {
  kind: SlotKind;
  attachments: NetAttachment[];
}
export interface InterfaceNode {
  netns: string;
  iface: NetInterface;
  slots: AttachmentSlot[];
}
export interface NamespaceNode {
  name: string;
  inode?: number;
  aliases: string[];
  interfaces: InterfaceNode[];
}

/**
 * How a namespace is named to the user. The agent's own one ("root" to the agent) is the host the user connected
 * to: when that host is itself a named namespace (a lab host, a container) it goes by that name, so the user
 * recognises it; either way the description says it is the host's own.
 */
export function namespaceLabel(ns: NamespaceNode, hostName: string): { label: string; description: string } {
  if (ns.name !== 'root') return { label: ns.name, description: ns.aliases.length ? `= ${ns.aliases.join(', ')}` : '' };
  const [own, ...more] = ns.aliases;
  return { label: own ?? hostName, description: [`${hostName}'s own namespace`, ...more.map((a) => `= ${a}`)].join(' · ') };
}

/**
 * Namespaces -> interfaces -> slots. A namespace listed twice (the agent's own "root" is also a /run/netns name
 * when the agent runs inside a named namespace) is shown once, under its first name, with the others as aliases.
 * xdp and both tc slots are always shown (so there is a row to attach to); tcx slots only when something is there.
 */
export function networkTree(net: NetListResult): NamespaceNode[] {
  const out: NamespaceNode[] = [];
  const byInode = new Map<number, NamespaceNode>();
  const ordered = [...net.namespaces].sort((a, b) => (a.name === 'root' ? -1 : b.name === 'root' ? 1 : a.name.localeCompare(b.name)));
  for (const ns of ordered) {
    const seen = ns.inode !== undefined ? byInode.get(ns.inode) : undefined;
    if (seen) {
      seen.aliases.push(ns.name);
      continue;
    }
    const node: NamespaceNode = {
      name: ns.name,
      inode: ns.inode,
      aliases: [],
      interfaces: [...ns.interfaces]
        .sort((a, b) => a.ifindex - b.ifindex)
        .map((iface) => ({
          netns: ns.name,
          iface,
          slots: slotsOf(ns.attachments.filter((a) => a.ifindex === iface.ifindex || (a.ifindex === undefined && a.dev === iface.name))),
        })),
    };
    if (ns.inode !== undefined) byInode.set(ns.inode, node);
    out.push(node);
  }
  return out;
}

function slotsOf(atts: NetAttachment[]): AttachmentSlot[] {
  const of = (kind: SlotKind) => atts.filter((a) => slotKind(a) === kind);
  const slots: AttachmentSlot[] = [
    { kind: 'xdp', attachments: of('xdp') },
    { kind: 'tc ingress', attachments: of('tc ingress') },
    { kind: 'tc egress', attachments: of('tc egress') },
  ];
  for (const k of ['tcx ingress', 'tcx egress'] as const) {
    const a = of(k);
    if (a.length) slots.push({ kind: k, attachments: a });
  }
  return slots;
}

export function slotKind(a: NetAttachment): SlotKind | undefined {
  if (a.kind === 'xdp') return 'xdp';
  if (a.kind === 'tc') return a.direction === 'egress' ? 'tc egress' : 'tc ingress';
  if (a.kind === 'tcx') return a.direction === 'egress' ? 'tcx egress' : 'tcx ingress';
  return undefined;
}

/** The id `detach` takes for an attachment seen on an interface: the agent gives it with the listing. */
export function detachIdFor(a: NetAttachment): string | undefined {
  return a.id;
}

/** One line for an attachment row: "xdp_drop_ping #42 (driver)". */
export function describeNetAttachment(a: NetAttachment, programsById: Map<number, BpfProgram>): string {
  const name = a.progName ?? programsById.get(a.progId)?.name ?? 'program';
  const mode = a.mode ? ` (${a.mode})` : '';
  return `${name} #${a.progId}${mode}`;
}

export interface CgroupNode {
  cgroup: string;
  attachments: CgroupAttachment[];
}

export function cgroupTree(list: CgroupAttachment[]): CgroupNode[] {
  const by = new Map<string, CgroupAttachment[]>();
  for (const c of list) {
    const l = by.get(c.cgroup);
    if (l) l.push(c);
    else by.set(c.cgroup, [c]);
  }
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([cgroup, attachments]) => ({ cgroup, attachments }));
}

/** Attachments that `attachments.list` knows and no interface row shows (sk_msg, tracepoints, cgroup ones). */
export function otherAttachments(s: HostSnapshot): Attachment[] {
  return s.attachments.filter((a) => a.kind !== 'xdp' && a.kind !== 'tc' && a.kind !== 'tcx');
}
