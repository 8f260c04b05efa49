// One attach across a group, safely ("canary" rollout): the first host alone, checked (the attach's own dead-man
// confirmation, then the user's health probe), then the rest in waves. The first failure stops the rollout and
// undoes what THIS rollout attached (hosts that had the program before are not touched: their attach would have
// failed or replaced nothing of ours). Hosts never tried are reported as such. The steps are callbacks, so the CLI
// and the editor drive the same engine with their own attach and detach.

export interface RolloutSteps<A> {
  /** Attach on one host, including its dead-man confirmation; throws when the host cannot take it. */
  attach(host: string): Promise<A>;
  /** The health probe after the attach (optional); throws when the host is not healthy. */
  check?(host: string, attached: A): Promise<void>;
  /** Undo one host's attach. */
  undo(host: string, attached: A): Promise<void>;
}

export type RolloutEvent<A> =
  | { type: 'wave'; wave: number; hosts: string[] }
  | { type: 'attached'; host: string; attached: A }
  | { type: 'checked'; host: string }
  | { type: 'failed'; host: string; stage: 'attach' | 'check'; error: Error }
  | { type: 'undone'; host: string; ok: boolean; error?: Error };

export interface RolloutOptions<A> {
  /** Hosts per wave after the canary (default 10). */
  waveSize?: number;
  onEvent?(e: RolloutEvent<A>): void;
}

export interface RolloutReport<A> {
  status: 'completed' | 'stopped';
  waves: string[][];
  /** Attached and still attached at the end (all of them when completed, none when stopped and undone). */
  attached: { host: string; attached: A }[];
  failures: { host: string; stage: 'attach' | 'check'; error: Error }[];
  undone: { host: string; ok: boolean; error?: Error }[];
  notTried: string[];
}

export function planWaves(hosts: readonly string[], waveSize: number): string[][] {
  if (!Number.isInteger(waveSize) || waveSize < 1) throw new RangeError(`wave size ${waveSize}: expected a whole number >= 1`);
  if (!hosts.length) return [];
  const waves = [[hosts[0]]];
  for (let i = 1; i < hosts.length; i += waveSize) waves.push(hosts.slice(i, i + waveSize));
  return waves;
}

export async function rollout<A>(
  hosts: readonly string[],
  steps: RolloutSteps<A>,
  opts: RolloutOptions<A> = {},
): Promise<RolloutReport<A>> {
  const waves = planWaves(hosts, opts.waveSize ?? 10);
  const emit = (e: RolloutEvent<A>) => opts.onEvent?.(e);
  const attached: { host: string; attached: A }[] = [];
  const failures: RolloutReport<A>['failures'] = [];
  let w = 0;
  for (; w < waves.length; w++) {
    emit({ type: 'wave', wave: w, hosts: waves[w] });
    await Promise.all(
      waves[w].map(async (host) => {
        let a: A;
        try {
          a = await steps.attach(host);
        } catch (e) {
          failures.push({ host, stage: 'attach', error: asError(e) });
          emit({ type: 'failed', host, stage: 'attach', error: asError(e) });
          return;
        }
        attached.push({ host, attached: a });
        emit({ type: 'attached', host, attached: a });
        if (!steps.check) return;
        try {
          await steps.check(host, a);
          emit({ type: 'checked', host });
        } catch (e) {
          failures.push({ host, stage: 'check', error: asError(e) });
          emit({ type: 'failed', host, stage: 'check', error: asError(e) });
        }
      }),
    );
    if (failures.length) break;
  }
  const notTried = waves.slice(w + 1).flat();
  if (!failures.length) return { status: 'completed', waves, attached, failures, undone: [], notTried };
  // Stop: undo in reverse order of attachment (the canary last), every host independently.
  const undone: RolloutReport<A>['undone'] = [];
  for (const { host, attached: a } of [...attached].reverse()) {
    try {
      await steps.undo(host, a);
      undone.push({ host, ok: true });
      emit({ type: 'undone', host, ok: true });
    } catch (e) {
      undone.push({ host, ok: false, error: asError(e) });
      emit({ type: 'undone', host, ok: false, error: asError(e) });
    }
  }
  const stillAttached = attached.filter((x) => undone.some((u) => u.host === x.host && !u.ok));
  return { status: 'stopped', waves, attached: stillAttached, failures, undone, notTried };
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
