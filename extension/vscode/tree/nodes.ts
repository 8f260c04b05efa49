// Tree nodes: thin adapters over the model (../shared/docs/STYLE.md #11). Each node turns one model object into a TreeItem
// with a contextValue for menus, and builds its children from the snapshot it was given (no agent calls here).
import * as vscode from 'vscode';
import type { BpfMap, BpfProgram, CgroupAttachment, Lab, NetAttachment, PinEntry, Attachment } from '../../../protocol/types';
import {
  attachedProgramIds,
  cgroupTree,
  describeNetAttachment,
  detachIdFor,
  groupProgramsByType,
  indexMaps,
  mapsOfProgram,
  namespaceLabel,
  networkTree,
  otherAttachments,
  type AttachmentSlot,
  type HostSnapshot,
  type InterfaceNode,
  type NamespaceNode,
  type ProgramGroup,
} from './model';
import type { HostStatus } from '../hostsModel';

export interface Node {
  item(): vscode.TreeItem;
  children?(): Node[] | Promise<Node[]>;
}

/** Built once per snapshot and shared by every node under a host. */
export class SnapshotIndex {
  readonly mapsById: Map<number, BpfMap>;
  readonly programsById: Map<number, BpfProgram>;
  readonly attached: Set<number>;
  constructor(
    readonly snapshot: HostSnapshot,
    readonly hostName: string,
  ) {
    this.mapsById = indexMaps(snapshot.maps);
    this.programsById = new Map(snapshot.programs.map((p) => [p.id, p]));
    this.attached = attachedProgramIds(snapshot);
  }
}

const icon = (id: string, color?: string) => new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
const collapsed = vscode.TreeItemCollapsibleState.Collapsed;
const none = vscode.TreeItemCollapsibleState.None;

export class HostNode implements Node {
  constructor(
    readonly hostName: string,
    /** Undefined: disconnected. */
    private readonly status: HostStatus | undefined,
    private readonly description: string,
    private readonly load: () => Promise<SnapshotIndex>,
  ) {}
  private get live(): boolean {
    return this.status?.kind === 'connected' || this.status?.kind === 'reconnecting';
  }
  item(): vscode.TreeItem {
    const kind = this.status?.kind;
    const t = new vscode.TreeItem(this.hostName, this.live ? vscode.TreeItemCollapsibleState.Expanded : none);
    t.id = `host:${this.hostName}`;
    t.description = this.description;
    t.tooltip = `${this.hostName}: ${this.description}`;
    t.contextValue = this.live ? 'host-connected' : kind === 'connecting' ? 'host-connecting' : 'host-disconnected';
    t.iconPath =
      kind === 'connected'
        ? icon('vm-active')
        : kind === 'connecting' || kind === 'reconnecting'
          ? icon('sync~spin')
          : kind === 'failed'
            ? icon('vm-outline', 'errorForeground')
            : icon('vm');
    if (!this.live && kind !== 'connecting') t.command = { command: 'ebpfNetDebug.connect', title: 'Connect', arguments: [this.hostName] };
    return t;
  }
  async children(): Promise<Node[]> {
    if (!this.live) return [];
    const idx = await this.load();
    const s = idx.snapshot;
    const section = (label: string, ctx: string, ic: string, part: string, count: number, kids: () => Node[]) =>
      new SectionNode(
        this.hostName,
        `${this.hostName}/${label}`,
        label,
        ctx,
        ic,
        s.errors[part] ?? `${count}`,
        kids,
        s.errors[part] !== undefined,
      );
    return [
      section('Programs', 'section-programs', 'symbol-function', 'programs', s.programs.length, () =>
        groupProgramsByType(s.programs).map((g) => new ProgramTypeNode(idx, g)),
      ),
      section('Maps', 'section-maps', 'symbol-array', 'maps', s.maps.length, () =>
        [...s.maps].sort((a, b) => a.id - b.id).map((m) => new MapNode(idx, m)),
      ),
      section('Network', 'section-network', 'type-hierarchy', 'network', s.net.namespaces.length, () =>
        networkTree(s.net).map((ns) => new NamespaceTreeNode(idx, ns)),
      ),
      section('Cgroups', 'section-cgroups', 'group-by-ref-type', 'cgroups', s.cgroups.length, () => [
        ...cgroupTree(s.cgroups).map((c) => new CgroupNode(idx, c.cgroup, c.attachments)),
        ...otherAttachments(s)
          .filter((a) => a.kind !== 'cgroup')
          .map((a) => new ToolAttachmentNode(idx, a)),
      ]),
      section('Pins', 'section-pins', 'pinned', 'pins', s.pins.length, () =>
        [...s.pins].sort((a, b) => a.path.localeCompare(b.path)).map((p) => new PinNode(idx, p)),
      ),
      section('Labs', 'labs', 'beaker', 'labs', s.labs.length, () => s.labs.map((l) => new LabNode(idx, l))),
    ];
  }
}

class SectionNode implements Node {
  constructor(
    /** Commands run on a section's row (Create Lab on Labs) act on this host. */
    readonly hostName: string,
    private readonly id: string,
    private readonly label: string,
    private readonly ctx: string,
    private readonly ic: string,
    private readonly description: string,
    private readonly kids: () => Node[],
    private readonly failed: boolean,
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.label, collapsed);
    t.id = this.id;
    t.contextValue = this.ctx;
    t.description = this.description;
    t.iconPath = this.failed ? icon('warning', 'problemsWarningIcon.foreground') : icon(this.ic);
    if (this.failed) t.tooltip = `Could not list ${this.label.toLowerCase()}: ${this.description}`;
    return t;
  }
  children(): Node[] {
    return this.kids();
  }
}

class ProgramTypeNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    private readonly group: ProgramGroup,
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.group.type, collapsed);
    t.id = `${this.idx.hostName}/programs/${this.group.type}`;
    t.description = `${this.group.programs.length}`;
    t.contextValue = 'progtype';
    t.iconPath = icon('symbol-namespace');
    return t;
  }
  // Built only when expanded: a host with 1,000 programs costs nothing until the user looks.
  children(): Node[] {
    return this.group.programs.map((p) => new ProgramNode(this.idx, p));
  }
}

export class ProgramNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    readonly program: BpfProgram,
  ) {}
  item(): vscode.TreeItem {
    const p = this.program;
    const maps = mapsOfProgram(p, this.idx.mapsById);
    const t = new vscode.TreeItem(`${p.name || '(no name)'}`, maps.length ? collapsed : none);
    t.id = `${this.idx.hostName}/prog/${p.id}`;
    t.description = `#${p.id} ${p.tag}`;
    const ctx = ['program'];
    if (this.idx.attached.has(p.id)) ctx.push('program-attached');
    if (p.pinned.length) ctx.push('pinned');
    t.contextValue = ctx.join(' ');
    t.iconPath = icon('symbol-method', this.idx.attached.has(p.id) ? 'charts.green' : undefined);
    // the tooltip is resolved on hover (provider.resolveTreeItem), so it can carry run-time numbers measured since
    return t;
  }
  tooltip(extra?: string): vscode.MarkdownString {
    const p = this.program;
    return new vscode.MarkdownString(
      [
        `**${p.name}** (${p.type}) id ${p.id}`,
        `tag \`${p.tag}\``,
        p.bytesXlated !== undefined ? `${p.bytesXlated} bytes xlated${p.bytesJited ? `, ${p.bytesJited} jited` : ''}` : '',
        p.pinned.length ? `pinned: ${p.pinned.join(', ')}` : '',
        this.idx.attached.has(p.id) ? 'attached' : 'not attached',
        extra ?? '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  }
  children(): Node[] {
    return mapsOfProgram(this.program, this.idx.mapsById).map((m) => new MapNode(this.idx, m, `prog/${this.program.id}/`));
  }
}

export class MapNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    readonly map: BpfMap,
    private readonly prefix = '',
  ) {}
  item(): vscode.TreeItem {
    const m = this.map;
    const t = new vscode.TreeItem(m.name || '(no name)', none);
    t.id = `${this.idx.hostName}/${this.prefix}map/${m.id}`;
    t.description = `#${m.id} ${m.type} ${m.keySize}→${m.valueSize} ×${m.maxEntries}`;
    t.contextValue = m.pinned.length ? 'map pinned' : 'map';
    t.iconPath = icon('symbol-array');
    t.command = { command: 'ebpfNetDebug.dumpMap', title: 'Dump Map', arguments: [m.id] };
    return t;
  }
}

class NamespaceTreeNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    private readonly ns: NamespaceNode,
  ) {}
  item(): vscode.TreeItem {
    const { label, description } = namespaceLabel(this.ns, this.idx.hostName);
    const t = new vscode.TreeItem(label, this.ns.name === 'root' ? vscode.TreeItemCollapsibleState.Expanded : collapsed);
    t.id = `${this.idx.hostName}/netns/${this.ns.name}`;
    t.description = [description, `${this.ns.interfaces.length} interfaces`].filter(Boolean).join(' · ');
    t.contextValue = 'netns';
    t.iconPath = icon('symbol-namespace');
    return t;
  }
  children(): Node[] {
    return this.ns.interfaces.map((i) => new InterfaceTreeNode(this.idx, i));
  }
}

export class InterfaceTreeNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    readonly node: InterfaceNode,
  ) {}
  get dev(): string {
    return this.node.iface.name;
  }
  get netns(): string {
    return this.node.netns;
  }
  item(): vscode.TreeItem {
    const i = this.node.iface;
    const busy = this.node.slots.some((s) => s.attachments.length);
    const t = new vscode.TreeItem(i.name, busy ? vscode.TreeItemCollapsibleState.Expanded : collapsed);
    t.id = `${this.idx.hostName}/netns/${this.node.netns}/if/${i.ifindex}`;
    t.description = [i.addresses.filter((a) => !a.startsWith('fe80')).join(' '), i.operState?.toLowerCase()].filter(Boolean).join(' · ');
    t.contextValue = 'interface';
    t.iconPath = icon('plug', busy ? 'charts.green' : undefined);
    return t;
  }
  children(): Node[] {
    return this.node.slots.map((s) => new SlotNode(this.idx, this.node, s));
  }
}

export class SlotNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    readonly iface: InterfaceNode,
    readonly slot: AttachmentSlot,
  ) {}
  /** The attachment this row stands for (the first one; tc can stack several, shown as children). */
  get attachment(): NetAttachment | undefined {
    return this.slot.attachments[0];
  }
  get detachId(): string | undefined {
    const a = this.attachment;
    return a ? detachIdFor(a) : undefined;
  }
  item(): vscode.TreeItem {
    const a = this.slot.attachments;
    const t = new vscode.TreeItem(this.slot.kind, a.length > 1 ? vscode.TreeItemCollapsibleState.Expanded : none);
    t.id = `${this.idx.hostName}/netns/${this.iface.netns}/if/${this.iface.iface.ifindex}/${this.slot.kind}`;
    t.description = a.length ? a.map((x) => describeNetAttachment(x, this.idx.programsById)).join(', ') : '—';
    t.contextValue = a.length ? 'attachment' : 'slot-empty';
    t.iconPath = icon(a.length ? 'debug-breakpoint-function' : 'circle-small', a.length ? 'charts.green' : undefined);
    if (a.length)
      t.tooltip = `${this.slot.kind} on ${this.iface.iface.name} (netns ${this.iface.netns}): ${t.description}. Right-click to detach.`;
    return t;
  }
}

class CgroupNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    private readonly cgroup: string,
    private readonly atts: CgroupAttachment[],
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.cgroup, vscode.TreeItemCollapsibleState.Expanded);
    t.id = `${this.idx.hostName}/cgroup/${this.cgroup}`;
    t.contextValue = 'cgroup';
    t.iconPath = icon('folder');
    return t;
  }
  children(): Node[] {
    // The agent lists (with ids) the cgroup attachments of programs it loaded; any other is shown, not detachable.
    return this.atts.map((c) => {
      const known = this.idx.snapshot.attachments.find((a) => a.kind === 'cgroup' && a.cgroup === c.cgroup && a.progId === c.progId);
      return new ToolAttachmentNode(
        this.idx,
        known ?? { kind: 'cgroup', progId: c.progId, progName: c.progName, cgroup: c.cgroup, attachType: c.attachType },
      );
    });
  }
}

export class ToolAttachmentNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    readonly attachmentValue: Omit<Attachment, 'id'> & { id?: string },
  ) {}
  get detachId(): string | undefined {
    return this.attachmentValue.id;
  }
  item(): vscode.TreeItem {
    const a = this.attachmentValue;
    const t = new vscode.TreeItem(a.attachType ?? a.kind, none);
    t.id = `${this.idx.hostName}/att/${a.id ?? `${a.kind}/${a.cgroup ?? ''}/${a.attachType ?? ''}/${a.progId ?? ''}`}`;
    t.description = `${a.progName ?? this.idx.programsById.get(a.progId ?? -1)?.name ?? ''} #${a.progId ?? '?'}${a.map ? ` → ${a.map}` : ''}`;
    // Detach is offered only for what the agent gave an id.
    t.contextValue = a.id ? 'attachment' : 'foreign-attachment';
    t.iconPath = icon('debug-breakpoint-function', 'charts.green');
    return t;
  }
}

export class PinNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    readonly pin: PinEntry,
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.pin.path.replace(/^\/sys\/fs\/bpf\/ebpf-netdebug\//, ''), none);
    t.id = `${this.idx.hostName}/pin/${this.pin.path}`;
    t.description = `${this.pin.kind}${this.pin.id !== undefined ? ` #${this.pin.id}` : ''}`;
    t.tooltip = this.pin.path;
    t.contextValue = this.pin.kind === 'dir' ? 'pin-dir pinned' : 'pin pinned';
    t.iconPath = icon(this.pin.kind === 'dir' ? 'folder' : 'pinned');
    return t;
  }
}

export class LabNode implements Node {
  constructor(
    readonly idx: SnapshotIndex,
    readonly lab: Lab,
  ) {}
  item(): vscode.TreeItem {
    const t = new vscode.TreeItem(this.lab.name, collapsed);
    t.id = `${this.idx.hostName}/lab/${this.lab.name}`;
    t.description = this.lab.topology.kind;
    t.contextValue = 'lab';
    t.iconPath = icon('beaker');
    return t;
  }
  children(): Node[] {
    return this.lab.hosts.map((h) => ({
      item: () => {
        const t = new vscode.TreeItem(`${h.role}: ${h.netns}`, none);
        t.description = h.interfaces.map((i) => `${i.name} ${i.addresses.join(' ')}`).join(' · ');
        t.iconPath = icon('vm');
        return t;
      },
    }));
  }
}

/** A message row (errors, "connecting..."). */
export function messageNode(text: string, iconId = 'info'): Node {
  return {
    item: () => {
      const t = new vscode.TreeItem(text, none);
      t.iconPath = icon(iconId);
      return t;
    },
  };
}
