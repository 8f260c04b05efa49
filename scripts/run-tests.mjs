// Runs the test tiers with node's own test runner (TypeScript through tsx), so CI reads one closing summary.
//   node scripts/run-tests.mjs                 every tier
//   node scripts/run-tests.mjs unit kernel     the named tiers (test/<tier>/**/*.test.ts; tiers: unit kernel hostile ssh bare webview e2e)
// Tiers that touch the kernel need root; the runner says so instead of letting each test fail on its own.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepBpffsAsFound } from './bpffsAsFound.mjs';

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
// Shared bpffs directories the run creates are removed again once every file has finished (bpffsAsFound.mjs).
const removeSharedBpffs = keepBpffsAsFound();

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  // The CLI leaves a kept agent on root-login SSH hosts by default (docs/ssh.md "Kept agent"); in tests it would
  // outlive the namespace host it serves. Only the tests of the kept agent turn it on, and stop what they kept.
  { cwd: root, stdio: 'inherit', env: { ...process.env, EBPF_NETDEBUG_KEEP_AGENT: process.env.EBPF_NETDEBUG_KEEP_AGENT ?? '0' } },
);
await removeSharedBpffs.settle();
process.exit(r.status ?? 1);
