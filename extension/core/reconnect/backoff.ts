// Retries a connect function with exponential backoff: a dropped link (cable, reboot, a rolled-back XDP program)
// usually comes back within seconds, and hammering a host that is rebooting helps nobody.

export interface BackoffOptions {
  /** First wait, ms (default 250). */
  initialDelayMs?: number;
  /** Longest wait between attempts, ms (default 4000). */
  maxDelayMs?: number;
  /** Give up after this long, ms (default 120000). */
  giveUpAfterMs?: number;
  /** Called before each attempt (1-based) with the previous failure, for logs and UI. */
  onAttempt?: (attempt: number, lastError: Error | undefined) => void;
  /** Errors that retrying cannot fix (a changed host key, a refused login): stop at once. */
  isPermanent?: (e: Error) => boolean;
}

export async function reconnectWithBackoff<T>(connect: () => Promise<T>, opts: BackoffOptions = {}): Promise<T> {
  const initial = opts.initialDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 4000;
  const deadline = Date.now() + (opts.giveUpAfterMs ?? 120_000);
  let delay = initial;
  let last: Error | undefined;
  for (let attempt = 1; ; attempt++) {
    opts.onAttempt?.(attempt, last);
    try {
      return await connect();
    } catch (e) {
      last = e as Error;
      if (opts.isPermanent?.(last)) throw last;
      if (Date.now() + delay > deadline) {
        throw new Error(`gave up reconnecting after ${attempt} attempts: ${last.message}`, { cause: last });
      }
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(max, delay * 2);
  }
}
