// First and warm connections to a bare host (test/bare/helpers/bareHost.ts: OpenSSH without SFTP, no Node.js, no
// bpftool), next to the baseline measured in the same run: one `ssh HOST true` with OpenSSH's client.
//   first: connect + probe + upload of the agent AND its runtime (Node.js + bpftool 7.5) + start + agent.hello
//   warm:  connect + probe (checksum hits: the probe itself starts the agent) + agent.hello
// Prints the bytes uploaded, seconds, medians and the ratio warm / `ssh true` (goal <= 1.2x).
//   node --import tsx bench/bare-connect.bench.ts [ROUNDS]
import './helpers/bpffsAsFound';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession } from '../extension/core/session';
import { startBareHost } from '../test/bare/helpers/bareHost';

const ROUNDS = Number(process.argv[2] ?? 7);
const TOKEN = `bbc${process.pid.toString(36)}`.slice(0, 8);
const ROOT = join(__dirname, '..');
// A private copy: a concurrent `node scripts/build.mjs` must not turn a warm run into an upload.
const COPY_DIR = mkdtempSync(join(tmpdir(), `end_${TOKEN}_`));
const AGENT = join(COPY_DIR, 'agent.js');
copyFileSync(join(ROOT, 'dist', 'agent.js'), AGENT);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const h = await startBareHost(TOKEN, 'openssh');
  try {
    const ssh = [
      '-F',
      '/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${h.client.knownHostsPath}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-i',
      h.client.keyPath,
      h.spec,
      'true',
    ];
    const opts = {
      agentPath: AGENT,
      ssh: h.connectOptions(),
      deploy: { agentVersion: '0.1.0', runtimeDir: join(ROOT, 'dist', 'runtime') },
      reconnect: false as const,
    };
    let t = Date.now();
    const first = await openSession(h.spec, opts);
    const firstMs = Date.now() - t;
    const d = first.deployment!;
    if (!d.runtime?.uploaded) throw new Error('the first connection did not bring the runtime');
    await first.close();

    const baseline: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      t = Date.now();
      execFileSync('ssh', ssh, { stdio: 'ignore' });
      baseline.push(Date.now() - t);
      t = Date.now();
      const w = await openSession(h.spec, opts);
      warm.push(Date.now() - t);
      if (w.deployment!.uploadedBytes !== 0) throw new Error('a warm connection uploaded');
      await w.close();
    }
    const b = median(baseline);
    const w = median(warm);
    console.log(`bare OpenSSH host (no SFTP, no Node.js, no bpftool), ${d.machine}:`);
    console.log(
      `  first connection: ${(firstMs / 1000).toFixed(1)} s, ${d.uploadedBytes} bytes uploaded (runtime ${d.runtime.arch} + agent), node ${d.node.version}`,
    );
    console.log(`  median of ${ROUNDS} rounds:`);
    console.log(`    baseline: ssh HOST true (OpenSSH)               ${b} ms`);
    console.log(`    warm: connect + probe-started agent + hello    ${w} ms  (${(w / b).toFixed(2)}x baseline; goal <= 1.2x)`);
  } finally {
    await h.stop();
    rmSync(COPY_DIR, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
