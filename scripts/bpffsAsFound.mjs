// bpffs paths a run may create without any one test or bench owning them: our own home directory (every agent pins
// under it) and iproute2's state directories (`ip link set ... xdp object` makes tc/globals and the ip, xdp links).
// No test can remove them while other files run in parallel; the test runner (scripts/run-tests.mjs), once all have
// finished, and each bench (bench/helpers/bpffsAsFound.ts), when it exits, remove those that were not there before
// and are empty again, so a run leaves the machine as it found it.
// The verdict capture's directory under our home (remote-agent/capture/captures.ts) is shared the same way: an agent
// killed mid-capture leaves it for the next capture's sweep, so it goes first, before the home it lives in.
import { lstatSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const sharedBpffs = [
  '/sys/fs/bpf/ebpf-netdebug/verdict_captures',
  '/sys/fs/bpf/ebpf-netdebug',
  '/sys/fs/bpf/tc/globals',
  '/sys/fs/bpf/tc',
  '/sys/fs/bpf/ip',
  '/sys/fs/bpf/xdp',
];

const present = (p) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/**
 * Notes which shared paths exist now; the function it returns removes the others again, if empty. `settle()` first
 * waits (at most `ms`) for them to empty: an agent or tracer of a test file can still be removing its pins after the
 * file's own process has ended.
 */
export function keepBpffsAsFound() {
  const preexisting = new Set(sharedBpffs.filter(present));
  const ours = () => sharedBpffs.filter((p) => !preexisting.has(p) && present(p) && !lstatSync(p).isSymbolicLink());
  const remove = () => {
    for (const p of sharedBpffs) {
      if (preexisting.has(p) || !present(p)) continue;
      try {
        if (lstatSync(p).isSymbolicLink()) rmSync(p);
        else rmdirSync(p); // fails, and so keeps it, unless empty
      } catch {
        /* not empty: something of somebody else's lives there */
      }
    }
  };
  remove.settle = async (ms = 10_000) => {
    const until = Date.now() + ms;
    // nested shared paths (verdict_captures under our home) count as empty for their parent
    const busy = () => ours().some((p) => readdirSync(p).some((n) => !sharedBpffs.includes(`${p}/${n}`)));
    while (busy() && Date.now() < until) await sleep(100);
    remove();
  };
  return remove;
}
