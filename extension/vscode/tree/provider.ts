// The Hosts tree: a top-level row per host from the settings (plus any connected host that is not there) with its
// state (connecting, connected, reconnecting, failed with the reason), and under each connected host one snapshot
// of its kernel per refresh. One EventEmitter refreshes it (../shared/docs/STYLE.md #11); it refreshes on
// connection changes, on the Refresh command and after every change made through the extension.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { latestRate } from '../../core/stats/liveRates';
import { takeSnapshot } from './model';
import { hostRowDescription } from '../hostsModel';
import { HostNode, InterfaceTreeNode, MapNode, ProgramNode, SlotNode, SnapshotIndex, messageNode, type Node } from './nodes';

export class HostsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** One snapshot per connected host, until the next refresh. */
  private readonly snapshots = new Map<string, Promise<SnapshotIndex>>();
  private readonly subs: vscode.Disposable[];
  /** Parent of every node handed out, for TreeView.reveal (nodes are rebuilt on refresh; ids stay stable). */
  private parents = new WeakMap<Node, Node | undefined>();

  constructor(private readonly ctx: Ctx) {
    this.subs = [
      ctx.onDidChangeState(() => this.refresh()),
      // After a change made through the extension: the command's message waits until the tree has the new state.
      ctx.addKernelRefresher(async () => {
        this.refresh();
        await Promise.all(ctx.sessions.map((h) => this.load(h.name).catch(() => undefined)));
      }),
      ctx.settings.onDidChange(() => this.refresh()),
    ];
  }

  refresh(): void {
    this.snapshots.clear();
    this.emitter.fire(undefined);
  }

  private load(host: string): Promise<SnapshotIndex> {
    const session = this.ctx.sessionOf(host);
    if (!session) return Promise.reject(new Error(`${host} is not connected`));
    let snapshot = this.snapshots.get(host);
    if (!snapshot) {
      const started = Date.now();
      snapshot = takeSnapshot(session.client).then((s) => {
        const n = s.programs.length;
        this.ctx.log.debug(`tree: snapshot of ${host} (${n} programs, ${s.maps.length} maps) in ${Date.now() - started} ms`);
        for (const [part, msg] of Object.entries(s.errors)) this.ctx.log.warn(`tree: ${host}: listing ${part} failed: ${msg}`);
        return new SnapshotIndex(s, host);
      });
      this.snapshots.set(host, snapshot);
      const mine = snapshot;
      snapshot.catch(() => {
        if (this.snapshots.get(host) === mine) this.snapshots.delete(host);
      });
    }
    return snapshot;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    return node.item();
  }

  /** A program's tooltip is made on hover: with its run-time numbers while a statistics view measures them. */
  resolveTreeItem(item: vscode.TreeItem, node: Node): vscode.TreeItem {
    if (node instanceof ProgramNode) {
      const live = latestRate(node.program.id);
      const r = live?.rate;
      item.tooltip = node.tooltip(
        r && live
          ? `${r.runsPerSec} runs/s, ${r.avgNs} ns/run, ${r.cpuPercent.toFixed(3)}% of a CPU (statistics at ${new Date(live.at).toLocaleTimeString()})`
          : undefined,
      );
    }
    return item;
  }

  getParent(node: Node): Node | undefined {
    return this.parents.get(node);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    const kids = await this.childrenOf(node);
    for (const k of kids) this.parents.set(k, node);
    return kids;
  }

  /**
   * Finds the row of a program, map or attachment by walking the tree the way the user would expand it (one
   * snapshot, no agent calls beyond it). Undefined when the kernel no longer has it.
   */
  async find(item: { kind: 'program' | 'map' | 'attachment'; id: number; netns?: string; dev?: string }): Promise<Node | undefined> {
    const focus = this.ctx.session?.name;
    const host = (await this.getChildren()).find((h) => h instanceof HostNode && h.hostName === focus);
    if (!host) return undefined;
    const sections = await this.getChildren(host);
    const section = sections.find(
      (s) => s.item().label === (item.kind === 'program' ? 'Programs' : item.kind === 'map' ? 'Maps' : 'Network'),
    );
    if (!section) return undefined;
    const walk = async (n: Node, depth: number): Promise<Node | undefined> => {
      for (const k of await this.getChildren(n)) {
        if (item.kind === 'program' && k instanceof ProgramNode && k.program.id === item.id) return k;
        if (item.kind === 'map' && k instanceof MapNode && k.map.id === item.id) return k;
        if (
          item.kind === 'attachment' &&
          k instanceof SlotNode &&
          k.slot.attachments.some((a) => a.progId === item.id && (!item.dev || a.dev === item.dev))
        )
          return k;
        if (item.kind === 'attachment' && k instanceof InterfaceTreeNode && item.dev && k.dev !== item.dev) continue;
        if (depth > 0 && !(k instanceof ProgramNode) && !(k instanceof MapNode)) {
          const found = await walk(k, depth - 1);
          if (found) return found;
        }
      }
      return undefined;
    };
    return walk(section, 3);
  }

  private async childrenOf(node?: Node): Promise<Node[]> {
    if (node) {
      try {
        return (await node.children?.()) ?? [];
      } catch (e) {
        this.ctx.log.error(`tree: ${e instanceof Error ? e.message : e}`);
        return [messageNode(`Could not read the host: ${e instanceof Error ? e.message : e}`, 'error')];
      }
    }
    const hosts = [...this.ctx.settings.values.hosts];
    for (const st of this.ctx.states) if (!hosts.some((h) => h.name === st.host.name)) hosts.push(st.host);
    const statuses = new Map(this.ctx.statuses().map((s) => [s.name, s]));
    return hosts.map((h) => {
      const st = this.ctx.stateOf(h.name);
      const kernel = st.kind === 'connected' ? st.session.facts.kernelRelease : undefined;
      return new HostNode(h.name, statuses.get(h.name), hostRowDescription(h.target, statuses.get(h.name), kernel), () =>
        this.load(h.name),
      );
    });
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
