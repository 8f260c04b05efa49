// The client's copies of listings.snapshot's parts, for one agent connection: a refresh sends the digests of the
// parts it holds (`have`), the agent leaves out those that did not change, and the merge puts the held copy in
// their place. With 1,000 programs an unchanged host's refresh then moves a few hundred bytes instead of ~470 KB.
// Never stale: a copy is reused only for a part the agent named unchanged against that copy's own digest (sha1 of
// the part's JSON); a part without a digest (it failed, or an agent without digests) is not held. The merged
// result shares the held copies with later results: callers must not change them (the tree model does not).
import {
  SNAPSHOT_PARTS,
  type ListingsSnapshotParams,
  type ListingsSnapshotReply,
  type ListingsSnapshotResult,
  type SnapshotPart,
} from '../../protocol/agent';

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

  /** The params of the next request: `have` only when a copy is held. */
  ask(): SnapshotAsk {
    const copies = new Map(this.held);
    if (!copies.size) return { params: {}, copies };
    return { params: { have: Object.fromEntries([...copies].map(([part, c]) => [part, c.digest])) }, copies };
  }

  /** The whole snapshot from `reply` and the copies of `ask`; keeps the reply's parts as the new copies. */
  merge(reply: ListingsSnapshotReply, ask: SnapshotAsk): ListingsSnapshotResult {
    const unchanged = new Set(reply.unchanged ?? []);
    const digests = reply.digests ?? {};
    const out: Record<string, unknown> = { errors: reply.errors ?? {} };
    for (const part of SNAPSHOT_PARTS) {
      let value: unknown;
      if (unchanged.has(part)) {
        const copy = ask.copies.get(part);
        // the agent may only say unchanged against the digest we sent, and with that same digest now
        if (!copy || digests[part] !== copy.digest) {
          this.held.clear();
          throw new Error(`listings.snapshot: the agent called ${part} unchanged, but this client holds no copy of that digest`);
        }
        value = copy.value;
      } else {
        value = reply[part];
        if (value === undefined) {
          this.held.clear();
          throw new Error(`listings.snapshot: the reply has no ${part}`);
        }
      }
      out[part] = value;
      const digest = digests[part];
      if (digest) this.held.set(part, { digest, value });
      else this.held.delete(part);
    }
    return out as unknown as ListingsSnapshotResult;
  }
}
