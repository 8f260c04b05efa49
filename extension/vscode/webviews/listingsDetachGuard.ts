// The listings page asks the host to detach a row; the page is not trusted (a script that got into it could ask
// for any id). The host remembers the attachment ids it sent in its last snapshot, with words for them, and runs
// a detach only for exactly one of those ids and only after the user says yes. Free of 'vscode' so the webview
// tier can feed it what the real page posts (test/webview/listingsDetach.test.ts); listingsPanel.ts wires in the
// modal question and the detach command.
import type { NetListResult } from '../../../protocol/agent';
import type { BpfProgram } from '../../../protocol/types';

export type DetachOutcome = 'detached' | 'declined' | 'refused';

export interface DetachGuardDeps {
  /** Asks the user; true means detach. */
  confirm(question: string): Promise<boolean>;
  detach(id: string): Promise<void>;
  warn(message: string): void;
}

export class ListingsDetachGuard {
  private sent = new Map<string, string>();

  /**
   * The snapshot about to be sent: its attachment ids become the only ones a detach may name. Programs name the
   * XDP rows (bpftool's net listing gives their id only).
   */
  remember(namespaces: NetListResult['namespaces'], programs: BpfProgram[] = []): void {
    const names = new Map(programs.map((p) => [p.id, p.name]));
    this.sent = new Map(
      namespaces.flatMap((ns) =>
        ns.attachments
          .filter((a) => typeof a.id === 'string' && a.id !== '')
          .map(
            (a) =>
              [
                a.id as string,
                `${a.progName ?? names.get(a.progId) ?? `program ${a.progId}`} #${a.progId} (${a.kind}${a.direction ? ` ${a.direction}` : ''}) from ${a.dev} in ${ns.name}`,
              ] as const,
          ),
      ),
    );
  }

  /** A `runCommand` detach from the page: its args must be exactly one id of the last snapshot. */
  async detachAsked(args: unknown, deps: DetachGuardDeps): Promise<DetachOutcome> {
    const id = Array.isArray(args) && args.length === 1 ? args[0] : undefined;
    const words = typeof id === 'string' ? this.sent.get(id) : undefined;
    if (words === undefined) {
      deps.warn(`listings asked to detach ${String(JSON.stringify(args)).slice(0, 100)}, which is not a row it was sent; refused`);
      return 'refused';
    }
    if (!(await deps.confirm(`Detach ${words}?`))) return 'declined';
    await deps.detach(id as string);
    return 'detached';
  }
}
