// A "remote host" made of a network namespace joined to the root namespace by a veth pair with private /30
// addresses: the root end is `end_<token>r`, the namespace end is renamed eth0 (so a test can cut "the host's
// eth0", the interface its SSH session arrives on). Names carry the test file's token; cleanup removes both ends.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export interface NsHost {
  netns: string;
  /** The root namespace's end of the veth. */
  rootDev: string;
  /** The host's interface (inside the namespace). */
  dev: 'eth0';
  /** Our address (root end) and the host's (namespace end). */
  rootAddress: string;
  address: string;
  /** Runs argv inside the namespace (nsenter --net: keeps /sys/fs/bpf visible). */
  exec(argv: string[]): string;
  destroy(): void;
}

function run(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** A /30 inside 10.200.0.0/13 derived from the token, so parallel test files do not pick the same subnet. */
function subnetFor(token: string): [string, string] {
  const h = createHash('sha256').update(token).digest();
  const b = 200 + (h[0] % 8);
  const c = h[1];
  const d = (h[2] % 64) * 4;
  return [`10.${b}.${c}.${d + 1}`, `10.${b}.${c}.${d + 2}`];
}

export function createNsHost(token: string): NsHost {
  if (!/^[a-z0-9]{1,8}$/.test(token)) throw new Error(`token ${token}: 1-8 lowercase letters/digits (interface names <= 15 chars)`);
  const netns = `end_${token}_h`;
  const rootDev = `end_${token}r`;
  const tmpDev = `end_${token}p`;
  const [rootAddress, address] = subnetFor(token);
  const host: NsHost = {
    netns,
    rootDev,
    dev: 'eth0',
    rootAddress,
    address,
    exec: (argv) => run(['nsenter', `--net=/run/netns/${netns}`, ...argv]),
    destroy: () => {
      try {
        run(['ip', 'link', 'del', rootDev]);
      } catch {
        /* already gone */
      }
      try {
        run(['ip', 'netns', 'del', netns]);
      } catch {
        /* already gone */
      }
    },
  };
  host.destroy(); // leftovers of an earlier crashed run with the same token
  try {
    run(['ip', 'netns', 'add', netns]);
    run(['ip', 'link', 'add', rootDev, 'type', 'veth', 'peer', 'name', tmpDev]);
    run(['ip', 'link', 'set', tmpDev, 'netns', netns]);
    host.exec(['ip', 'link', 'set', tmpDev, 'name', 'eth0']);
    run(['ip', 'addr', 'add', `${rootAddress}/30`, 'dev', rootDev]);
    run(['ip', 'link', 'set', rootDev, 'up']);
    host.exec(['ip', 'addr', 'add', `${address}/30`, 'dev', 'eth0']);
    host.exec(['ip', 'link', 'set', 'eth0', 'up']);
    host.exec(['ip', 'link', 'set', 'lo', 'up']);
  } catch (e) {
    host.destroy();
    throw e;
  }
  return host;
}

/** ping from the root namespace; returns how many of `count` replies came back. */
export function pingCount(address: string, count = 3, waitS = 1): number {
  try {
    const out = run(['ping', '-n', '-c', String(count), '-i', '0.2', '-W', String(waitS), address]);
    return Number(/(\d+) received/.exec(out)?.[1] ?? 0);
  } catch (e) {
    const out = String((e as { stdout?: Buffer }).stdout ?? '');
    return Number(/(\d+) received/.exec(out)?.[1] ?? 0);
  }
}
