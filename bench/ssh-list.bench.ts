// 20 listings over our one multiplexed connection vs 20 separate `ssh HOST bpftool -j prog show` runs (OpenSSH's own
// client, each a new TCP connection + handshake + login), both against the same private loopback sshd in the same
// run. Prints both times and the ratio (goal: ours >= 10x faster). Also: 20 execs of the same bpftool command over
// our connection (the cost of the transport alone, without the agent).
//   node --import tsx bench/ssh-list.bench.ts [ROUNDS]
import './helpers/bpffsAsFound';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSession } from '../extension/core/session';
import { startSshd } from '../test/ssh/helpers/sshd';

const N = 20;
const ROUNDS = Number(process.argv[2] ?? 3);
const TOKEN = 'h3bl';
const REMOTE_BASE = `.cache/end_${TOKEN}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const sshd = await startSshd({ token: TOKEN });
  const bpftool = execFileSync('sh', ['-c', 'command -v bpftool || echo /usr/sbin/bpftool']).toString().trim();
  try {
    const session = await openSession(sshd.spec, {
      agentPath: join(__dirname, '..', 'dist', 'agent.js'),
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: REMOTE_BASE },
      reconnect: false,
    });
    const sshArgs = [
      '-F',
      '/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${sshd.client.knownHostsPath}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-i',
      sshd.client.keyPath,
      '-p',
      String(sshd.port),
      'root@127.0.0.1',
    ];
    const ours: number[] = [];
    const execs: number[] = [];
    const theirs: number[] = [];
    let count = 0;
    for (let r = 0; r < ROUNDS; r++) {
      let t = process.hrtime.bigint();
      for (let i = 0; i < N; i++) count = (await session.client.listPrograms()).length;
      ours.push(Number(process.hrtime.bigint() - t) / 1e6);

      t = process.hrtime.bigint();
      for (let i = 0; i < N; i++) {
        const res = await session.transport.exec([bpftool, '-j', 'prog', 'show']);
        if (res.code !== 0) throw new Error(res.stderr);
      }
      execs.push(Number(process.hrtime.bigint() - t) / 1e6);

      t = process.hrtime.bigint();
      for (let i = 0; i < N; i++)
        execFileSync('ssh', [...sshArgs, bpftool, '-j', 'prog', 'show'], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
      theirs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    await session.close();
    const o = median(ours);
    const e = median(execs);
    const s = median(theirs);
    console.log(`${N} program listings (${count} programs on the host), median of ${ROUNDS} rounds:`);
    console.log(`  agent over one connection (bpf.listPrograms)   ${o.toFixed(0)} ms`);
    console.log(`  exec over one connection (bpftool -j prog show) ${e.toFixed(0)} ms`);
    console.log(`  ${N} separate ssh runs (OpenSSH client)         ${s.toFixed(0)} ms`);
    console.log(`ratio separate-ssh / ours: ${(s / o).toFixed(1)}x (goal >= 10x); separate-ssh / exec: ${(s / e).toFixed(1)}x`);
  } finally {
    await sshd.stop();
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
