// Cold connect+deploy (the agent is uploaded: a fresh per-run directory) and warm connect (checksum hit, no upload)
// to a private loopback sshd, next to the baseline measured in the same run: one `ssh HOST true` with OpenSSH's
// client (a bare login). Prints medians and the ratios against the baseline.
//   node --import tsx bench/ssh-connect.bench.ts [ROUNDS]
import './helpers/bpffsAsFound';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession } from '../extension/core/session';
import { startSshd } from '../test/ssh/helpers/sshd';

const ROUNDS = Number(process.argv[2] ?? 5);
const TOKEN = 'h3bc';
// A private copy: a concurrent `node scripts/build.mjs` must not turn a warm run into an upload.
const COPY_DIR = mkdtempSync(join(tmpdir(), `end_${TOKEN}_`));
const AGENT = join(COPY_DIR, 'agent.js');
copyFileSync(join(__dirname, '..', 'dist', 'agent.js'), AGENT);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const sshd = await startSshd({ token: TOKEN });
  const bases: string[] = [];
  try {
    const ssh = [
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
      'true',
    ];
    const baseline: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let t = Date.now();
      execFileSync('ssh', ssh, { stdio: 'ignore' });
      baseline.push(Date.now() - t);

      const base = `.cache/end_${TOKEN}_${r}`;
      bases.push(base);
      const opts = {
        agentPath: AGENT,
        ssh: sshd.client.connectOptions(),
        deploy: { remoteBase: base, agentVersion: '0.1.0' },
        reconnect: false as const,
      };
      t = Date.now();
      const c = await openSession(sshd.spec, opts);
      cold.push(Date.now() - t);
      if (!c.deployment?.uploaded) throw new Error('cold run did not upload');
      await c.close();

      t = Date.now();
      const w = await openSession(sshd.spec, opts);
      warm.push(Date.now() - t);
      if (w.deployment?.uploaded) throw new Error('warm run uploaded');
      await w.close();
    }
    const b = median(baseline);
    const c = median(cold);
    const w = median(warm);
    console.log(`median of ${ROUNDS} rounds (agent bundle ${execFileSync('stat', ['-c', '%s', AGENT]).toString().trim()} bytes):`);
    console.log(`  baseline: ssh HOST true (OpenSSH)          ${b} ms`);
    console.log(`  cold: connect + upload + start agent + hello ${c} ms  (${(c / b).toFixed(1)}x baseline)`);
    console.log(`  warm: connect + checksum hit + start + hello ${w} ms  (${(w / b).toFixed(1)}x baseline)`);
    console.log(`warm / cold: ${(w / c).toFixed(2)}`);
  } finally {
    await sshd.stop();
    for (const b of bases) rmSync(join('/root', b), { recursive: true, force: true });
    rmSync(COPY_DIR, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
