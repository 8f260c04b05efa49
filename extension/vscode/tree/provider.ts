// The Hosts tree: hosts from the settings (plus the connected one if it is not there), and under the connected
// host one snapshot of the kernel per refresh. One EventEmitter refreshes it (../shared/docs/STYLE.md #11); it refreshes on
// connection changes, on the Refresh command and after every change made through the extension.
import * as vscode from 'vscode';
import type { Ctx } from '../context';
import { latestRate } from '../../core/stats/liveRates';
import { takeSnapshot } from './model';
import { HostNode, InterfaceTreeNode, MapNode, ProgramNode, SlotNode, SnapshotIndex, messageNode, type Node } from './nodes';

export class HostsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private snapshot: Promise<SnapshotIndex> | undefined;
  private readonly subs: vscode.Disposable[];
  /** Parent of every node handed out, for TreeView.reveal (nodes are rebuilt on refresh; ids stay stable). */
  private parents = new WeakMap<Node, Node | undefined>();

  constructor(private readonly ctx: Ctx) {
    this.subs = [
      ctx.onDidChangeState(() => this.refresh()),
      // After a change made through the extension: the command's message waits until the tree has the new state.
      ctx.addKernelRefresher(async () => {
        this.refresh();
        await this.current();
      }),
      ctx.settings.onDidChange(() => this.refresh()),
    ];
  }

  refresh(): void {
    this.snapshot = undefined;
    this.emitter.fire(undefined);
  }

  /** The current snapshot (fetching it if needed), for commands that pick from what the tree shows. */
  current(): Promise<SnapshotIndex> | undefined {
    return this.ctx.session ? this.load() : undefined;
  }

  private load(): Promise<SnapshotIndex> {
    const session = this.ctx.session;
    if (!session) return Promise.reject(new Error('not connected'));
    if (!this.snapshot) {
      const started = Date.now();
      this.snapshot = takeSnapshot(session.client).then((s) => {
        const n = s.programs.length;
        this.ctx.log.debug(`tree: snapshot of ${session.host.name} (${n} programs, ${s.maps.length} maps) in ${Date.now() - started} ms`);
        for (const [part, msg] of Object.entries(s.errors)) this.ctx.log.warn(`tree: listing ${part} failed: ${msg}`);
        return new SnapshotIndex(s, session.host.name);
      });
      this.snapshot.catch(() => {
        this.snapshot = undefined;
      });
    }
    return this.snapshot;
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
    const host = (await this.getChildren()).find((h) => h instanceof HostNode && h.item().contextValue === 'host-connected');
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
    const st = this.ctx.state;
    const hosts = [...this.ctx.settings.values.hosts];
    if (st.kind !== 'disconnected' && !hosts.some((h) => h.name === st.host.name)) hosts.push(st.host);
    return hosts.map((h) => {
      const active = st.kind !== 'disconnected' && st.host.name === h.name;
      const state = active ? st.kind : 'disconnected';
      const detail =
        st.kind === 'connected' && active
          ? `kernel ${st.session.facts.kernelRelease}`
          : st.kind === 'failed' && active
            ? st.error
            : undefined;
      return new HostNode(h.name, h.target, state, () => this.load(), detail);
    });
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
