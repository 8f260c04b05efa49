// How a host's CLOCK_MONOTONIC sits against ours, from agent round trips (`clock.now`), the way NTP does it: for a
// request sent at t0 and answered at t1 (our clock) carrying the host's time h, the host's clock reads
// h - (t0 + t1) / 2 ahead of ours, give or take half the round trip. Of several samples the one with the shortest
// round trip is kept (the least queueing, so the tightest bound). Cross-host packet paths put every host's hop times
// on our clock with it and state the uncertainty: hops on different hosts closer together than that are ordered by
// the wire (TTL, send before receive), not by these times.

import type { HostClock } from '../../../protocol/types';

export type ClockOffset = HostClock;

export async function estimateClockOffset(
  ask: () => Promise<{ monotonicNs: number }>,
  samples = 7,
  now: () => number = () => Number(process.hrtime.bigint()),
): Promise<ClockOffset> {
  if (!Number.isInteger(samples) || samples < 1 || samples > 100) throw new RangeError(`samples: ${samples} is not from 1 to 100`);
  let best: { rtt: number; offset: number } | undefined;
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    const { monotonicNs } = await ask();
    const t1 = now();
    const rtt = t1 - t0;
    const offset = monotonicNs - (t0 + t1) / 2;
    if (!best || rtt < best.rtt) best = { rtt, offset };
  }
  return { offsetNs: Math.round(best!.offset), uncertaintyNs: Math.round(best!.rtt / 2), samples };
}
