// A three-namespace lab of our own for the packet path tests:
//   end_<tok>_a  [<tok>a] ---- [<tok>pa]  end_<tok>_br (br0)  [<tok>pb] ---- [<tok>b]  end_<tok>_b
// IPv4 and IPv6 on a and b (b also holds a second address, `otherV4`, for traffic a filter must leave out).
// Veths are created directly inside their namespaces, so their names never meet in the root namespace, and the
// token (runToken of test/kernel/helpers/cleanup.ts: the file's base + its pid) keeps parallel test files apart. destroy() removes everything it made, also after a half-made create().
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import { until } from '../helpers/until';

const exec = promisify(execFile);

export interface BridgeLab {
  token: string;
  ns: { a: string; br: string; b: string };
  ifs: { a: string; pa: string; pb: string; b: string };
  v4: { a: string; b: string; other: string };
  v6: { a: string; b: string };
  /** Runs argv inside a namespace of the lab (nsenter keeps /sys/fs/bpf visible, unlike ip netns exec). */
  run(ns: string, argv: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  /** Starts a long-running process inside a namespace; destroy() kills it if it is still running. */
  spawn(ns: string, argv: string[]): ChildProcess;
  /** The namespace's inode, as `stat -L -c %i /proc/PID/ns/net` of a process living in it says. */
  inodeOf(ns: string): Promise<number>;
  destroy(): Promise<void>;
}

export async function createBridgeLab(token: string): Promise<BridgeLab> {
  // interface names are the token plus up to 2 letters, within the kernel's 15
  if (!/^[a-z0-9]{3,8}$/.test(token)) throw new Error(`lab token "${token}" must be 3-8 lowercase letters or digits (runToken)`);
  const ns = { a: `end_${token}_a`, br: `end_${token}_br`, b: `end_${token}_b` };
  const ifs = { a: `${token}a`, pa: `${token}pa`, pb: `${token}pb`, b: `${token}b` };
  // a subnet of its own, so a parallel test pinging the same address in its lab is unlikely to match our filter
  const x = randomInt(16, 250);
  const y = randomInt(1, 250);
  const v4 = { a: `10.${x}.${y}.1`, b: `10.${x}.${y}.2`, other: `10.${x}.${y}.3` };
  const v6 = { a: `fd00:${x}:${y}::1`, b: `fd00:${x}:${y}::2` };
  const children: ChildProcess[] = [];

  const ip = (...args: string[]) => exec('ip', args);
  const run = (n: string, argv: string[], timeoutMs = 20_000) =>
    exec('nsenter', [`--net=/run/netns/${n}`, '--', ...argv], { timeout: timeoutMs });

  const lab: BridgeLab = {
    token,
    ns,
    ifs,
    v4,
    v6,
    run,
    spawn(n, argv) {
      const c = spawn('nsenter', [`--net=/run/netns/${n}`, '--', ...argv], { stdio: 'ignore' });
      children.push(c);
      return c;
    },
    async inodeOf(n) {
      const c = lab.spawn(n, ['sleep', '30']);
      try {
        // nsenter execs sleep in place: the pid is the process in the namespace once nsenter has switched
        // comm first: once it says sleep, nsenter has entered the namespace and exec'd
        await until(async () => (await exec('cat', [`/proc/${c.pid}/comm`])).stdout.trim() === 'sleep', `a process in ${n}`, 10_000, 10);
        const { stdout } = await exec('stat', ['-L', '-c', '%i', `/proc/${c.pid}/ns/net`]);
        return Number(stdout.trim());
      } finally {
        c.kill('SIGKILL');
      }
    },
    async destroy() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const n of Object.values(ns)) await ip('netns', 'del', n).catch(() => undefined);
    },
  };

  try {
    for (const n of Object.values(ns)) await ip('netns', 'add', n);
    await ip('link', 'add', ifs.a, 'netns', ns.a, 'type', 'veth', 'peer', 'name', ifs.pa, 'netns', ns.br);
    await ip('link', 'add', ifs.b, 'netns', ns.b, 'type', 'veth', 'peer', 'name', ifs.pb, 'netns', ns.br);
    await ip('-n', ns.br, 'link', 'add', 'br0', 'type', 'bridge');
    for (const p of [ifs.pa, ifs.pb]) {
      await ip('-n', ns.br, 'link', 'set', p, 'master', 'br0');
      await ip('-n', ns.br, 'link', 'set', p, 'up');
    }
    await ip('-n', ns.br, 'link', 'set', 'br0', 'up');
    await ip('-n', ns.a, 'addr', 'add', `${v4.a}/24`, 'dev', ifs.a);
    await ip('-n', ns.b, 'addr', 'add', `${v4.b}/24`, 'dev', ifs.b);
    await ip('-n', ns.b, 'addr', 'add', `${v4.other}/24`, 'dev', ifs.b);
    await ip('-n', ns.a, 'addr', 'add', `${v6.a}/64`, 'dev', ifs.a, 'nodad');
    await ip('-n', ns.b, 'addr', 'add', `${v6.b}/64`, 'dev', ifs.b, 'nodad');
    for (const [n, i] of [
      [ns.a, ifs.a],
      [ns.b, ifs.b],
    ]) {
      await ip('-n', n, 'link', 'set', i, 'up');
      await ip('-n', n, 'link', 'set', 'lo', 'up');
    }
    // the bridge forwards only once its ports leave the listening state: wait until a ping crosses
    for (let i = 0; ; i++) {
      try {
        await run(ns.a, ['ping', '-c1', '-W1', v4.b]);
        await run(ns.a, ['ping', '-6', '-c1', '-W1', v6.b]);
        break;
      } catch (err) {
        if (i > 20) throw err;
      }
    }
  } catch (err) {
    await lab.destroy();
    throw err;
  }
  return lab;
}
