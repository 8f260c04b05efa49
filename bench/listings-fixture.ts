// Loads many small programs and maps for bench/listings.bench.ts and bench/tree-refresh.bench.ts, pinned under the benchmark's own directory
// (/sys/fs/bpf/end_bench_<pid>), and removes them again. One generated object holds PER_OBJECT programs, each with
// its own array map; it is loaded COPIES times with `bpftool prog loadall` (one bpftool run per copy, not per
// program, so setting up 1,000 programs takes seconds). `loadOne`/`unloadOne` add and remove one more program (and
// its map) pinned in the same directory: the change a user's refresh after a load or an attach sees.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ListingFixture {
  dir: string;
  programs: number;
  maps: number;
  /** Loads one more program (with its own unpinned map), pinned as DIR/NAME. */
  loadOne(name: string): void;
  /** Unpins DIR/NAME: the program and its map are gone. */
  unloadOne(name: string): void;
  remove(): void;
}

function source(perObject: number): string {
  const parts = ['// SPDX-License-Identifier: GPL-2.0', '#include "vmlinux.h"', '#include <bpf/bpf_helpers.h>'];
  for (let i = 0; i < perObject; i++) {
    parts.push(
      `struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } bm${i} SEC(".maps");`,
    );
    parts.push(
      `SEC("xdp") int bp${i}(struct xdp_md *ctx) { __u32 k = 0; __u64 *v = bpf_map_lookup_elem(&bm${i}, &k); if (v) *v += 1; return XDP_PASS; }`,
    );
  }
  parts.push('char LICENSE[] SEC("license") = "GPL";');
  return parts.join('\n');
}

/** Removes what earlier runs left when they were killed outright: end_bench_<pid> dirs whose process is gone. */
export function sweepStaleFixtures(): string[] {
  const swept: string[] = [];
  for (const name of readdirSync('/sys/fs/bpf')) {
    const m = /^end_bench_(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      rmSync(`/sys/fs/bpf/${name}`, { recursive: true, force: true });
      swept.push(name);
    }
  }
  return swept;
}

export function loadListingFixture(root: string, bpftool: string, total = 1000, perObject = 100): ListingFixture {
  const dir = `/sys/fs/bpf/end_bench_${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'end-bench-'));
  const fixture: ListingFixture = {
    dir,
    programs: 0,
    maps: 0,
    loadOne: (name) => {
      execFileSync(bpftool, ['prog', 'load', join(work, 'one.o'), `${dir}/${name}`]);
    },
    unloadOne: (name) => rmSync(`${dir}/${name}`, { force: true }),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
  try {
    mkdirSync(dir); // bpftool 7.5 wants the parent of a pin directory to exist
    const compile = (name: string, programs: number) => {
      writeFileSync(join(work, `${name}.bpf.c`), source(programs));
      execFileSync('clang', [
        '-O2',
        '-g',
        '-target',
        'bpf',
        '-D__TARGET_ARCH_x86',
        '-I',
        join(root, '.cache/vmlinux'),
        '-c',
        join(work, `${name}.bpf.c`),
        '-o',
        join(work, `${name}.o`),
      ]);
    };
    compile('many', perObject);
    compile('one', 1);
    for (let copy = 0; copy * perObject < total; copy++) {
      execFileSync(bpftool, ['prog', 'loadall', join(work, 'many.o'), `${dir}/p${copy}`, 'pinmaps', `${dir}/m${copy}`]);
      fixture.programs += perObject;
      fixture.maps += perObject;
    }
    return fixture;
  } catch (e) {
    fixture.remove();
    throw e;
  }
}
