// `list programs` across 50 namespace hosts, each with its own sshd (test/ssh/helpers/fleetHosts.ts), connections
// already open, against the slowest single host listed alone, in one run. Goal: the fleet listing takes at most 3x
// the slowest single host. Also reports the cold connection of all 50 (seconds, with the default bound of 10 and
// 50 ms stagger) and the memory of this client process. Interleaved rounds: each round lists every host alone, one
// after another, then all hosts at once (bound 10, then all 50 in parallel).
//   node --import tsx bench/fleet-list.bench.ts [HOSTS] [ROUNDS]
// Mind: here the 50 "hosts" share this machine's CPUs, so their 50 agents run their bpftool on the same 2 cores;
// the client's own CPU time is printed too (what the client spends per host), the CPU the hosts' processes spent
// per listing of the fleet runs (each host's sshd tree from /proc: sshd, the agent, the agent's children: the
// forked agent until it execs, and bpftool), the floor that puts on all N at once on this machine's cores, and the
// load average.
import './helpers/bpffsAsFound';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Fleet } from '../extension/core/fleet/fleet';
import { openSession } from '../extension/core/session';
import { createFleetHosts } from '../test/ssh/helpers/fleetHosts';

const HOSTS = Number(process.argv[2] ?? 50);
const ROUNDS = Number(process.argv[3] ?? 3);
const TOKEN = `fbl${process.pid.toString(36)}`.slice(0, 8);
const REMOTE_BASE = `.cache/end_${TOKEN}`;

/** CPU ms of every process under `roots` (the hosts' sshd listeners), by command name; `name:children` is what
 * their waited-for children spent (the agent's bpftool runs). */
function hostCpu(roots: number[]): Map<string, number> {
  const tick = 10; // USER_HZ 100
  const acc = new Map<string, number>();
  const add = (k: string, v: number) => acc.set(k, (acc.get(k) ?? 0) + v * tick);
  const walk = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      add(comm, Number(f[11]) + Number(f[12]));
      add(`${comm}:children`, Number(f[13]) + Number(f[14]));
      for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) walk(Number(c));
    } catch {
      /* gone meanwhile */
    }
  };
  for (const r of roots) walk(r);
  return acc;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;

async function main(): Promise<void> {
  const t0 = process.hrtime.bigint();
  const hosts = await createFleetHosts(
    TOKEN,
    Array.from({ length: HOSTS }, (_, i) => `h${String(i).padStart(2, '0')}`),
  );
  console.log(`${HOSTS} namespace hosts with their sshds set up in ${(ms(t0) / 1000).toFixed(1)} s`);
  const memBefore = process.memoryUsage();
  try {
    const cold = process.hrtime.bigint();
    const { fleet, failures } = await Fleet.open(
      hosts.hosts.map((h) => ({ name: h.name, spec: `root@${h.address}` })),
      (spec, o) =>
        openSession(spec, {
          ...o,
          agentPath: join(__dirname, '..', 'dist', 'agent.js'),
          ssh: hosts.client.connectOptions(),
          deploy: { remoteBase: REMOTE_BASE },
          reconnect: false,
        }),
      {},
      { concurrency: 10, staggerMs: 50 },
    );
    const coldMs = ms(cold);
    if (failures.length)
      console.log(
        `  ${failures.length} hosts failed to connect: ${failures
          .slice(0, 3)
          .map((f) => `${f.host}: ${f.error.message}`)
          .join('; ')}`,
      );
    const memOpen = process.memoryUsage();
    console.log(
      `cold connection of all ${fleet.members.length}: ${(coldMs / 1000).toFixed(1)} s (bound 10, stagger 50 ms; deploy by checksum, agent start, hello)`,
    );
    const singles = new Map<string, number[]>();
    const fleet10: number[] = [];
    const fleetAll: number[] = [];
    const cpuSingle: number[] = [];
    const cpuFleet: number[] = [];
    let programs = 0;
    const roots = hosts.hosts.filter((h) => h.sshd).map((h) => h.sshd!.pid);
    const hostCpuFleet = new Map<string, number>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const m of fleet.members) {
        const c = process.cpuUsage();
        const t = process.hrtime.bigint();
        programs = (await m.session.client.listPrograms()).length;
        singles.set(m.host.name, [...(singles.get(m.host.name) ?? []), ms(t)]);
        const u = process.cpuUsage(c);
        cpuSingle.push((u.user + u.system) / 1000);
      }
      let t = process.hrtime.bigint();
      let res = await fleet.run((s) => s.client.listPrograms(), { concurrency: 10 });
      fleet10.push(ms(t));
      const c = process.cpuUsage();
      const h0 = hostCpu(roots);
      t = process.hrtime.bigint();
      res = await fleet.run((s) => s.client.listPrograms());
      fleetAll.push(ms(t));
      const u = process.cpuUsage(c);
      for (const [k, v] of hostCpu(roots)) hostCpuFleet.set(k, (hostCpuFleet.get(k) ?? 0) + v - (h0.get(k) ?? 0));
      cpuFleet.push((u.user + u.system) / 1000);
      const bad = res.filter((x) => !x.ok);
      if (bad.length) throw new Error(`${bad.length} listings failed: ${bad[0].ok ? '' : bad[0].error.message}`);
    }
    const perHost = [...singles].map(([h, xs]) => [h, median(xs)] as const).sort((a, b) => b[1] - a[1]);
    const [slowHost, slowest] = perHost[0];
    const memEnd = process.memoryUsage();
    console.log(`list programs (${programs} programs per host), median of ${ROUNDS} rounds:`);
    console.log(
      `  slowest single host alone (${slowHost})            ${slowest.toFixed(0)} ms   (fastest ${perHost[perHost.length - 1][1].toFixed(0)} ms, median ${median(perHost.map((x) => x[1])).toFixed(0)} ms)`,
    );
    console.log(
      `  all ${fleet.members.length}, at most 10 at a time              ${median(fleet10).toFixed(0)} ms   ratio ${(median(fleet10) / slowest).toFixed(2)}x`,
    );
    console.log(
      `  all ${fleet.members.length} in parallel (Fleet.run's default)    ${median(fleetAll).toFixed(0)} ms   ratio ${(median(fleetAll) / slowest).toFixed(2)}x (goal <= 3x)`,
    );
    console.log(
      `  client CPU: ${median(cpuSingle).toFixed(1)} ms per single listing, ${median(cpuFleet).toFixed(1)} ms for all ${fleet.members.length} (${(median(cpuFleet) / fleet.members.length).toFixed(1)} ms per host)`,
    );
    const listings = ROUNDS * fleet.members.length;
    const parts = [...hostCpuFleet].filter(([, v]) => v > 0).map(([k, v]) => [k, v / listings] as const);
    const perListing = parts.reduce((n, [, v]) => n + v, 0) + median(cpuFleet) / fleet.members.length;
    const cores = availableParallelism();
    console.log(
      `  hosts' CPU per listing in the fleet runs: ${parts.map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}; with the client's, ${perListing.toFixed(1)} ms`,
    );
    console.log(
      `  CPU floor of all ${fleet.members.length} at once on ${cores} cores: ${fleet.members.length} x ${perListing.toFixed(1)} ms / ${cores} = ${((fleet.members.length * perListing) / cores).toFixed(0)} ms = ${((fleet.members.length * perListing) / cores / slowest).toFixed(1)}x the slowest single host`,
    );
    console.log(
      `client memory: rss ${mb(memBefore.rss)} before connecting, ${mb(memOpen.rss)} with ${fleet.members.length} sessions open, ${mb(memEnd.rss)} at the end; heap used ${mb(memEnd.heapUsed)}`,
    );
    console.log(
      `load average: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} (2 vCPUs shared by the hosts' agents and other work)`,
    );
    await fleet.close();
  } finally {
    await hosts.destroy();
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
