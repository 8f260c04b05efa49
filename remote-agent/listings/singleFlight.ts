// One bpftool run for the same listing asked for at the same moment. The editor's tree refresh sends its seven
// listings in parallel, and pins.list and attachments.list need programs, maps, links, net and cgroups themselves:
// without this one refresh ran `bpftool prog show` three times (9x the time of one raw listing with 1,000 programs).
// A caller joins a run in flight only if no request that may change the kernel (attach, detach, load...) started
// or ended since that run started (`kernelMayHaveChanged`, called by server.ts around every such request): a
// listing asked for after an attach replied never shows the state from before it. Only read-only paths share
// (the listing requests); an attach checking its own result asks bpftool afresh. Results are shared: callers
// must not change them.
import type { AgentContext } from '../core/context';

let generation = 0;
const inFlight = new WeakMap<AgentContext, Map<string, { generation: number; promise: Promise<unknown> }>>();

/** Called when a request that may change the kernel starts and when it ends. */
export function kernelMayHaveChanged(): void {
  generation++;
}

export function singleFlight<T>(ctx: AgentContext, key: string, run: () => Promise<T>): Promise<T> {
  let running = inFlight.get(ctx);
  if (!running) inFlight.set(ctx, (running = new Map()));
  const hit = running.get(key);
  if (hit && hit.generation === generation) return hit.promise as Promise<T>;
  const entry = { generation, promise: run() as Promise<unknown> };
  running.set(key, entry);
  void entry.promise
    .finally(() => {
      if (running.get(key) === entry) running.delete(key);
    })
    .catch(() => undefined);
  return entry.promise as Promise<T>;
}
