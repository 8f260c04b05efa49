// The client's copies of listings.snapshot's parts, for one agent connection: a refresh sends the digests of the
// parts it holds (`have`), the agent leaves out those that did not change, and the merge puts the held copy in
// their place; a part that changed may come as the edits to the held copy (`deltas`: after one program was loaded
// among 1,000, that program), applied here (protocol/snapshotDelta.ts). With 1,000 programs a refresh then moves
// a few hundred bytes instead of ~470 KB. Never stale: a copy is reused, or edited, only when the agent named the
// digest of that very copy (sha1 of the part's JSON); a part without a digest (it failed, or an agent without
// digests) is not held. The merged result shares the held copies (and their unchanged items) with later results:
// callers must not change them (the tree model does not).
import {
  SNAPSHOT_PARTS,
  type ListingsSnapshotParams,
  type ListingsSnapshotReply,
  type ListingsSnapshotResult,
  type SnapshotPart,
} from '../../protocol/agent';
import { applySplices, partList, withList } from '../../protocol/snapshotDelta';

interface Copy {
  digest: string;
  value: unknown;
}

/** One request's view of the copies: its params, and the copies its `have` names (the reply is merged with these). */
export interface SnapshotAsk {
  params: ListingsSnapshotParams;
  copies: ReadonlyMap<SnapshotPart, Copy>;
}

export class SnapshotCopies {
  private readonly held = new Map<SnapshotPart, Copy>();

  /** The params of the next request: `have` (and the offer to apply deltas) only when a copy is held. */
  ask(): SnapshotAsk {
    const copies = new Map(this.held);
    if (!copies.size) return { params: {}, copies };
    return { params: { have: Object.fromEntries([...copies].map(([part, c]) => [part, c.digest])), deltas: true }, copies };
  }

  /** The whole snapshot from `reply` and the copies of `ask`; keeps the reply's parts as the new copies. */
  merge(reply: ListingsSnapshotReply, ask: SnapshotAsk): ListingsSnapshotResult {
    const unchanged = new Set(reply.unchanged ?? []);
    const digests = reply.digests ?? {};
    const out: Record<string, unknown> = { errors: reply.errors ?? {} };
    const refuse = (why: string) => {
      this.held.clear();
      return new Error(`listings.snapshot: ${why}`);
    };
    for (const part of SNAPSHOT_PARTS) {
      let value: unknown;
      const delta = reply.deltas?.[part];
      if (unchanged.has(part)) {
        const copy = ask.copies.get(part);
        // the agent may only say unchanged against the digest we sent, and with that same digest now
        if (!copy || digests[part] !== copy.digest)
          throw refuse(`the agent called ${part} unchanged, but this client holds no copy of that digest`);
        value = copy.value;
      } else if (delta) {
        const copy = ask.copies.get(part);
        const of = copy && partList(copy.value);
        if (!copy || !of || delta.base !== copy.digest || !digests[part])
          throw refuse(`the agent sent ${part} as edits to a copy this client does not hold`);
        try {
          value = withList(of, applySplices(of.list, delta.splices));
        } catch (e) {
          throw refuse(`${part}: ${(e as Error).message}`);
        }
      } else {
        value = reply[part];
        if (value === undefined) throw refuse(`the reply has no ${part}`);
      }
      out[part] = value;
      const digest = digests[part];
      if (digest) this.held.set(part, { digest, value });
      else this.held.delete(part);
    }
    return out as unknown as ListingsSnapshotResult;
  }
}
