// Runs one task per host with at most `concurrency` at a time, and starts them no closer than `staggerMs` apart.
// Why both: sshd drops unauthenticated connections beyond MaxStartups (default 10:30:100, i.e. from 10 pending
// logins on it refuses 30% of new ones), and a burst of 50 handshakes from one client also competes for the CPU
// that answers them. One task failing never stops the others: every host gets a result, ok or not.

export interface BoundOptions {
  /** At most this many tasks at once (default 10). */
  concurrency?: number;
  /** Minimum time between two task starts, in ms (default 50). */
  staggerMs?: number;
}

export type HostResult<T> = { host: string; ok: true; value: T; ms: number } | { host: string; ok: false; error: Error; ms: number };

export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_STAGGER_MS = 50;

export function checkBounds(opts: BoundOptions): Required<BoundOptions> {
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const staggerMs = opts.staggerMs ?? DEFAULT_STAGGER_MS;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)
    throw new RangeError(`concurrency: ${concurrency} is not a whole number from 1 to 1000`);
  if (!Number.isFinite(staggerMs) || staggerMs < 0 || staggerMs > 60_000)
    throw new RangeError(`stagger: ${staggerMs} ms is not between 0 and 60000`);
  return { concurrency, staggerMs };
}

/** Results in the order of `hosts`, whatever order the tasks finished in. */
export async function forEachHost<T>(
  hosts: readonly string[],
  opts: BoundOptions,
  task: (host: string, index: number) => Promise<T>,
): Promise<HostResult<T>[]> {
  const { concurrency, staggerMs } = checkBounds(opts);
  const results: HostResult<T>[] = new Array(hosts.length);
  let next = 0;
  let lastStart = 0;
  // Starts are serialised through this chain so that the stagger holds across workers.
  let gate: Promise<void> = Promise.resolve();
  const waitTurn = (): Promise<void> => {
    const turn = gate.then(async () => {
      const wait = lastStart + staggerMs - Date.now();
      if (wait > 0 && lastStart > 0) await new Promise((r) => setTimeout(r, wait));
      lastStart = Date.now();
    });
    gate = turn;
    return turn;
  };
  const worker = async () => {
    while (next < hosts.length) {
      const i = next++;
      await waitTurn();
      const started = Date.now();
      try {
        results[i] = { host: hosts[i], ok: true, value: await task(hosts[i], i), ms: Date.now() - started };
      } catch (e) {
        results[i] = { host: hosts[i], ok: false, error: e instanceof Error ? e : new Error(String(e)), ms: Date.now() - started };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, hosts.length) }, worker));
  return results;
}
