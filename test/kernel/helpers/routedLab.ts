// A routed lab of three namespaces made directly (no agent): a -- r -- b on two /24s, r forwarding, a and b
// routing through r. Everything is named from the test's run token (cleanup.ts), so sweep(token) removes it and
// leftovers(token) proves it gone:
//   end_<token>_a [<token>a] ---- [<token>ra] end_<token>_r [<token>rb] ---- [<token>b] end_<token>_b
// The subnets come from the token's pid (10.X.11.0/24 and 10.X.12.0/24, X in 16..245), so parallel files rarely
// share addresses; `nowhere` is an address r has no route for. Neighbours are resolved once (a first ping), so a
// traced ping afterwards is one request.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { nsArgv } from './netns';

const exec = promisify(execFile);

export interface RoutedLab {
  ns: { a: string; r: string; b: string };
  dev: { a: string; ra: string; rb: string; b: string };
  addr: { a: string; ra: string; rb: string; b: string; nowhere: string };
  /** Runs argv in a namespace of the lab (nsenter --net, which keeps /sys/fs/bpf visible); rejects on failure. */
  inNs(ns: string, argv: string[]): Promise<{ stdout: string; stderr: string }>;
}

export async function createRoutedLab(token: string): Promise<RoutedLab> {
  const ns = { a: `end_${token}_a`, r: `end_${token}_r`, b: `end_${token}_b` };
  const dev = { a: `${token}a`, ra: `${token}ra`, rb: `${token}rb`, b: `${token}b` };
  const x = 16 + (process.pid % 230);
  const addr = { a: `10.${x}.11.2`, ra: `10.${x}.11.1`, rb: `10.${x}.12.1`, b: `10.${x}.12.2`, nowhere: `10.${x}.13.9` };
  const inNs = (n: string, argv: string[]) => {
    const [cmd, ...args] = nsArgv(n, argv);
    return exec(cmd, args);
  };
  const ip = (...args: string[]) => exec('ip', args);
  for (const n of Object.values(ns)) await ip('netns', 'add', n);
  await ip('link', 'add', dev.a, 'netns', ns.a, 'type', 'veth', 'peer', 'name', dev.ra, 'netns', ns.r);
  await ip('link', 'add', dev.b, 'netns', ns.b, 'type', 'veth', 'peer', 'name', dev.rb, 'netns', ns.r);
  await ip('-n', ns.a, 'addr', 'add', `${addr.a}/24`, 'dev', dev.a);
  await ip('-n', ns.r, 'addr', 'add', `${addr.ra}/24`, 'dev', dev.ra);
  await ip('-n', ns.r, 'addr', 'add', `${addr.rb}/24`, 'dev', dev.rb);
  await ip('-n', ns.b, 'addr', 'add', `${addr.b}/24`, 'dev', dev.b);
  for (const [n, d] of [
    [ns.a, dev.a],
    [ns.r, dev.ra],
    [ns.r, dev.rb],
    [ns.b, dev.b],
  ])
    await ip('-n', n, 'link', 'set', d, 'up');
  await ip('-n', ns.a, 'route', 'add', 'default', 'via', addr.ra);
  await ip('-n', ns.b, 'route', 'add', 'default', 'via', addr.rb);
  // /proc/sys/net belongs to the namespace of the process that opens it: nsenter --net is enough
  await inNs(ns.r, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  await inNs(ns.a, ['ping', '-c1', '-W2', addr.b]);
  return { ns, dev, addr, inNs };
}
