// Compiling needs only clang: the libbpf headers our programs include ship in dist/include (pinned, from Debian's
// libbpf-dev; scripts/build-libbpf-headers.sh). Checked with this machine's own libbpf headers hidden (an empty
// tmpfs over /usr/include/bpf in a private mount namespace): every shipped bpf/*.bpf.c and a foreign program using
// the tracing and CO-RE macros compile through the CLI; plain clang without our directory fails there (the control).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../kernel/helpers/run';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

const FOREIGN = `// Not ours: a kprobe counting tcp_v4_connect calls per process, with libbpf's tracing and CO-RE helpers.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, u32);
  __type(value, u64);
} connects SEC(".maps");

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(count_connect, struct sock *sk)
{
  u32 pid = bpf_get_current_pid_tgid() >> 32;
  u16 dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
  u64 one = 1, *n = bpf_map_lookup_elem(&connects, &pid);
  if (dport == 0) return 0;
  if (n) __sync_fetch_and_add(n, 1); else bpf_map_update_elem(&connects, &pid, &one, BPF_ANY);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
`;

/** Runs argv with /usr/include/bpf hidden by an empty tmpfs, in a mount namespace of its own. */
function hidden(argv: string[]) {
  return run(
    [
      'unshare',
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      'mount -t tmpfs tmpfs /usr/include/bpf && [ -z "$(ls -A /usr/include/bpf)" ] && exec "$@"',
      'sh',
      ...argv,
    ],
    { timeoutMs: 300_000 },
  );
}

test("every shipped program and a foreign one compile with clang alone: the system's libbpf headers hidden", async () => {
  assert.ok(
    existsSync(join(ROOT, 'dist', 'include', 'bpf', 'bpf_helpers.h')),
    'dist/include is built (scripts/build-libbpf-headers.sh, node scripts/build.mjs)',
  );
  const dir = mkdtempSync(join(tmpdir(), 'end-headers-'));
  try {
    const foreign = join(dir, 'foreign_kprobe.bpf.c');
    writeFileSync(foreign, FOREIGN);
    // The control: without our headers, the include fails where the system's are hidden.
    const probe = join(dir, 'control.c');
    writeFileSync(probe, '#include <bpf/bpf_helpers.h>\n');
    const control = await hidden(['clang', '-target', 'bpf', '-fsyntax-only', probe]);
    assert.notEqual(control.code, 0);
    assert.match(control.stderr, /'bpf\/bpf_helpers\.h' file not found/);
    const sources = [
      ...readdirSync(join(ROOT, 'bpf'))
        .filter((f) => f.endsWith('.bpf.c'))
        .map((f) => join(ROOT, 'bpf', f)),
      foreign,
    ];
    assert.ok(sources.length >= 8, sources.join(' '));
    const built = await hidden([
      'env',
      `NODE=${process.execPath}`,
      `CLI=${CLI}`,
      '/bin/sh',
      '-c',
      'out=$1; shift; for f; do "$NODE" "$CLI" build "$f" -o "$out/$(basename "$f" .bpf.c).o" || exit 1; done',
      'sh',
      dir,
      ...sources,
    ]);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    for (const s of sources) {
      const name = s
        .split('/')
        .pop()!
        .replace(/\.bpf\.c$/, '');
      assert.ok(existsSync(join(dir, `${name}.o`)), `${name}.o built`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
