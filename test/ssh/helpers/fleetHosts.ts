// Hosts for fleet tests and benches: network namespaces, each with its own sshd listening on a management veth to the
// root namespace (`mgmt0` inside, `end_<token>m<i>` outside, a /30 of one /24 derived from the token in
// 10.224.0.0/13, so up to 64 hosts per token). The data-plane interfaces are the test's business: `chainLab`
// builds A - R - B with eth0 on A, eth0 + eth1 on R (forwarding) and eth0 on B, routed between two subnets.
// Everything is named with the token; destroy() removes it, also after a half-way set-up.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createClientHome, startSshd, type ClientHome, type Sshd } from './sshd';

export interface MgmtHost {
  /** What the fleet calls it (A, R, B, h07...). */
  name: string;
  netns: string;
  rootDev: string;
  /** The host's management address (sshd listens there). */
  address: string;
  sshd?: Sshd;
  exec(argv: string[]): string;
}

function run(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function base24(token: string): string {
  const h = createHash('sha256').update(`fleet:${token}`).digest();
  return `10.${224 + (h[0] % 8)}.${h[1]}`;
}

export interface FleetHosts {
  client: ClientHome;
  hosts: MgmtHost[];
  /** root@ADDRESS for each host, in order (ready for openSession / --hosts). */
  specs(): string[];
  destroy(): Promise<void>;
}

function destroyHost(h: { netns: string; rootDev: string }): void {
  try {
    run(['ip', 'link', 'del', h.rootDev]);
  } catch {
    /* gone */
  }
  try {
    run(['ip', 'netns', 'del', h.netns]);
  } catch {
    /* gone */
  }
}

/** `count` namespace hosts with sshds, started `parallel` at a time (sshd start-up is a few hundred ms each). */
export async function createFleetHosts(token: string, names: string[], opts: { parallel?: number } = {}): Promise<FleetHosts> {
  if (!/^[a-z0-9]{3,8}$/.test(token)) throw new Error(`token ${token}: 3-8 lowercase letters/digits`);
  if (names.length > 64) throw new Error('at most 64 hosts per token');
  const net = base24(token);
  const client = createClientHome(token);
  const hosts: MgmtHost[] = names.map((name, i) => {
    const netns = `end_${token}_${i}`;
    return {
      name,
      netns,
      rootDev: `end_${token}m${i}`,
      address: `${net}.${4 * i + 2}`,
      exec: (argv: string[]) => run(['nsenter', `--net=/run/netns/${netns}`, ...argv]),
    };
  });
  const fleet: FleetHosts = {
    client,
    hosts,
    specs: () => hosts.map((h) => `root@${h.address}`),
    destroy: async () => {
      await Promise.all(hosts.map((h) => h.sshd?.stop().catch(() => undefined)));
      for (const h of hosts) destroyHost(h);
      client.cleanup();
    },
  };
  try {
    hosts.forEach((h, i) => {
      destroyHost(h); // an earlier crashed run with the same token
      const tmp = `end_${token}t${i}`;
      run(['ip', 'netns', 'add', h.netns]);
      run(['ip', 'link', 'add', h.rootDev, 'type', 'veth', 'peer', 'name', tmp]);
      run(['ip', 'link', 'set', tmp, 'netns', h.netns]);
      h.exec(['ip', 'link', 'set', tmp, 'name', 'mgmt0']);
      run(['ip', 'addr', 'add', `${net}.${4 * i + 1}/30`, 'dev', h.rootDev]);
      run(['ip', 'link', 'set', h.rootDev, 'up']);
      h.exec(['ip', 'addr', 'add', `${h.address}/30`, 'dev', 'mgmt0']);
      h.exec(['ip', 'link', 'set', 'mgmt0', 'up']);
      h.exec(['ip', 'link', 'set', 'lo', 'up']);
    });
    const parallel = opts.parallel ?? 8;
    for (let i = 0; i < hosts.length; i += parallel) {
      await Promise.all(
        hosts.slice(i, i + parallel).map(async (h) => {
          h.sshd = await startSshd({ token, netns: h.netns, listenAddress: h.address, client });
        }),
      );
    }
  } catch (e) {
    await fleet.destroy();
    throw e;
  }
  return fleet;
}

/** Subnets of the chain's data plane; inside the namespaces only, so they never meet the root namespace's routes. */
export const CHAIN = { left: '10.77.1', right: '10.77.2' };

/**
 * A - R - B: A.eth0 (CHAIN.left.1) <-> R.eth0 (.2); R.eth1 (CHAIN.right.1) <-> B.eth0 (.2); R forwards, A and B route
 * the other subnet through R.
 */
export async function chainLab(token: string): Promise<FleetHosts & { a: MgmtHost; r: MgmtHost; b: MgmtHost }> {
  const f = await createFleetHosts(token, ['A', 'R', 'B']);
  const [a, r, b] = f.hosts;
  try {
    const link = (x: MgmtHost, xDev: string, y: MgmtHost, yDev: string, n: number) => {
      const p = `end_${token}d${n}`;
      const q = `end_${token}e${n}`;
      run(['ip', 'link', 'add', p, 'type', 'veth', 'peer', 'name', q]);
      run(['ip', 'link', 'set', p, 'netns', x.netns]);
      run(['ip', 'link', 'set', q, 'netns', y.netns]);
      x.exec(['ip', 'link', 'set', p, 'name', xDev]);
      y.exec(['ip', 'link', 'set', q, 'name', yDev]);
    };
    link(a, 'eth0', r, 'eth0', 0);
    link(r, 'eth1', b, 'eth0', 1);
    a.exec(['ip', 'addr', 'add', `${CHAIN.left}.1/24`, 'dev', 'eth0']);
    r.exec(['ip', 'addr', 'add', `${CHAIN.left}.2/24`, 'dev', 'eth0']);
    r.exec(['ip', 'addr', 'add', `${CHAIN.right}.1/24`, 'dev', 'eth1']);
    b.exec(['ip', 'addr', 'add', `${CHAIN.right}.2/24`, 'dev', 'eth0']);
    for (const [h, devs] of [
      [a, ['eth0']],
      [r, ['eth0', 'eth1']],
      [b, ['eth0']],
    ] as const) {
      for (const d of devs) h.exec(['ip', 'link', 'set', d, 'up']);
    }
    r.exec(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    a.exec(['ip', 'route', 'add', `${CHAIN.right}.0/24`, 'via', `${CHAIN.left}.2`]);
    b.exec(['ip', 'route', 'add', `${CHAIN.left}.0/24`, 'via', `${CHAIN.right}.1`]);
  } catch (e) {
    await f.destroy();
    throw e;
  }
  return { ...f, a, r, b };
}
