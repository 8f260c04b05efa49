// `clock.now`: the host's CLOCK_MONOTONIC, the clock the packet path tracer stamps hops with (bpf_ktime_get_ns).
// process.hrtime.bigint() reads the same clock on Linux (libuv's uv_hrtime). A client measures several round trips
// to estimate how this host's clock sits against its own (extension/core/fleet/clockOffset.ts).
import type { ClockNowResult } from '../../protocol/agent';

export function clockNow(): ClockNowResult {
  return { monotonicNs: Number(process.hrtime.bigint()) };
}
