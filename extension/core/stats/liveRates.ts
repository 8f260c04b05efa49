// The latest program rates of the connected host while a statistics view keeps the kernel's statistics on, for
// whoever shows them elsewhere (the editor's tree tooltips). Empty when nobody watches: numbers are shown only
// while they are being measured.
import type { ProgramRate } from './rates';

let latest = new Map<number, ProgramRate>();
let at = 0;

export function publishRates(rates: ProgramRate[]): void {
  latest = new Map(rates.map((r) => [r.id, r]));
  at = Date.now();
}

export function clearRates(): void {
  latest = new Map();
  at = 0;
}

/** The program's latest rates, or undefined when statistics are not being watched. */
export function latestRate(id: number): { rate: ProgramRate; at: number } | undefined {
  const rate = latest.get(id);
  return rate ? { rate, at } : undefined;
}
