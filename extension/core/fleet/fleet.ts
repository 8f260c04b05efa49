// Several sessions held together: opened in parallel (bounded and staggered, see bounded.ts), used in parallel, closed
// together. A host that cannot be reached is a failure of that host, reported with its reason; the others go on.
import type { Session, SessionOptions } from '../session';
import { forEachHost, type BoundOptions, type HostResult } from './bounded';
import type { FleetHost } from './inventory';

export interface FleetFailure {
  host: string;
  error: Error;
}

export type OpenSession = (host: string, opts?: SessionOptions) => Promise<Session>;

export class Fleet {
  private constructor(
    /** The hosts that connected, in the order they were given. */
    readonly members: { host: FleetHost; session: Session }[],
    readonly bounds: BoundOptions,
  ) {}

  /** Connects to every host; never throws for one host: its failure is in `failures`. */
  static async open(
    hosts: readonly FleetHost[],
    open: OpenSession,
    opts: SessionOptions = {},
    bounds: BoundOptions = {},
  ): Promise<{ fleet: Fleet; failures: FleetFailure[] }> {
    const results = await forEachHost(
      hosts.map((h) => h.name),
      bounds,
      (_name, i) => open(hosts[i].spec, opts),
    );
    const members: { host: FleetHost; session: Session }[] = [];
    const failures: FleetFailure[] = [];
    results.forEach((r, i) => {
      if (r.ok) members.push({ host: hosts[i], session: r.value });
      else failures.push({ host: r.host, error: r.error });
    });
    return { fleet: new Fleet(members, bounds), failures };
  }

  get hostNames(): string[] {
    return this.members.map((m) => m.host.name);
  }

  session(name: string): Session | undefined {
    return this.members.find((m) => m.host.name === name)?.session;
  }

  /**
   * Runs `work` on every connected host, all at once unless `concurrency` says otherwise, without stagger: the
   * connections exist (sshd's MaxStartups is about logins), and a request costs the client well under a millisecond
   * of CPU per host (bench/fleet-list.bench.ts), so holding requests back only adds waiting.
   */
  run<T>(work: (session: Session, host: FleetHost) => Promise<T>, opts: { concurrency?: number } = {}): Promise<HostResult<T>[]> {
    return forEachHost(this.hostNames, { concurrency: opts.concurrency ?? Math.max(1, this.members.length), staggerMs: 0 }, (_n, i) =>
      work(this.members[i].session, this.members[i].host),
    );
  }

  /** Closes every session (agents end; attachments stay in the kernels). */
  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.session.close().catch(() => undefined)));
  }
}
