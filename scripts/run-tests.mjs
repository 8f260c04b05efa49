// Runs the test tiers with node's own test runner (TypeScript through tsx), so CI reads one closing summary.
//   node scripts/run-tests.mjs                 every tier
//   node scripts/run-tests.mjs unit kernel     the named tiers (test/<tier>/**/*.test.ts; tiers: unit kernel hostile ssh bare webview e2e)
// Tiers that touch the kernel need root; the runner says so instead of letting each test fail on its own.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, lstatSync, rmSync, rmdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const allTiers = ['unit', 'kernel', 'hostile', 'ssh', 'bare', 'webview', 'e2e'];
const tiers = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const chosen = tiers.length ? tiers : allTiers;

function find(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.ts') ? [p] : [];
  });
}

const files = chosen.flatMap((t) => find(join(root, 'test', t))).sort();
if (!files.length) {
  console.error(`no test files in ${chosen.join(', ')}`);
  process.exit(1);
}
if (process.getuid && process.getuid() !== 0 && chosen.some((t) => t !== 'unit' && t !== 'webview')) {
  console.error('the kernel, ssh, bare and e2e tiers need root (BPF, namespaces, sshd)');
  process.exit(1);
}
// bpffs paths the run may create without any one test owning them: our own home directory (every agent pins under
// it) and iproute2's state directories (`ip link set ... xdp object` makes tc/globals and the ip, xdp links). No test
// can remove them while other files run in parallel; once all have finished, the runner removes those that were
// not there before and are empty again, so the run leaves the machine as it found it.
// The verdict capture's directory under our home (remote-agent/capture/captures.ts) is shared the same way: an agent
// killed mid-capture leaves it for the next capture's sweep, so it goes first, before the home it lives in.
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
const preexisting = new Set(sharedBpffs.filter(present));
function removeSharedBpffs() {
  for (const p of sharedBpffs) {
    if (preexisting.has(p) || !present(p)) continue;
    try {
      if (lstatSync(p).isSymbolicLink()) rmSync(p);
      else rmdirSync(p); // fails, and so keeps it, unless empty
    } catch {
      /* not empty: something of somebody else's lives there */
    }
  }
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  // The CLI leaves a kept agent on root-login SSH hosts by default (docs/ssh.md "Kept agent"); in tests it would
  // outlive the namespace host it serves. Only the tests of the kept agent turn it on, and stop what they kept.
  { cwd: root, stdio: 'inherit', env: { ...process.env, EBPF_NETDEBUG_KEEP_AGENT: process.env.EBPF_NETDEBUG_KEEP_AGENT ?? '0' } },
);
removeSharedBpffs();
process.exit(r.status ?? 1);
