// The source transform behind verdict capture: the user's entry becomes a static noinline subprogram with every
// line where it was (so diagnostics and BTF line info point at the user's lines), and the wrapper follows the
// last line. Compiled with clang for real: the instrumented seeds build, and an error in the user's code is still
// reported on the user's file and line.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildInstrumented } from '../../../extension/core/capture/build';
import { blankCommentsAndStrings, instrumentSource, InstrumentError } from '../../../extension/core/capture/instrument';
import { localTarget } from '../../../extension/core/compile/compileForHost';
import { readBpfObject } from '../../../extension/core/elf/bpfObject';

const ROOT = join(__dirname, '..', '..', '..');
const SRC = `// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
/* SEC("xdp") int xdp_prog(struct xdp_md *ctx) -- an old version, commented out */
const char *note = "SEC(\\"xdp\\") int xdp_prog(";
SEC("xdp")
int
xdp_prog(struct xdp_md *ctx)
{
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
`;

describe('instrumentSource', () => {
  it('rewrites only the entry, keeps every line in place, names the user file and appends the wrapper', () => {
    const out = instrumentSource({ source: SRC, path: '/src/prog.bpf.c', program: 'xdp_prog', section: 'xdp', kind: 'xdp' });
    const lines = out.split('\n');
    assert.equal(lines[0], '#line 1 "/src/prog.bpf.c"');
    const user = lines.slice(1, 1 + SRC.split('\n').length - 1);
    const orig = SRC.split('\n');
    // line N of the user's file is line N after the #line directive
    assert.equal(user[5], 'static __attribute__((noinline))');
    assert.equal(user[7], 'end_user_xdp_prog(struct xdp_md *ctx)');
    for (const i of [0, 1, 2, 3, 4, 6, 8, 9, 10, 11]) assert.equal(user[i], orig[i], `line ${i + 1} unchanged`);
    assert.match(
      out,
      /#line 1 "<ebpf-netdebug verdict capture>"\n#include "netdebug_capture.h"\nNETDEBUG_CAPTURE_XDP\("xdp", xdp_prog, end_user_xdp_prog\)\n$/,
    );
  });

  it('refuses what it cannot find exactly once, or a section that does not match the object', () => {
    assert.throws(() => instrumentSource({ source: SRC, path: '/p.c', program: 'other', section: 'xdp', kind: 'xdp' }), InstrumentError);
    assert.throws(
      () => instrumentSource({ source: SRC, path: '/p.c', program: 'xdp_prog', section: 'tc', kind: 'tc' }),
      /section "xdp" .* in "tc" in the object/,
    );
    assert.throws(
      () =>
        instrumentSource({
          source: SRC + SRC.slice(SRC.lastIndexOf('SEC("xdp")')),
          path: '/p.c',
          program: 'xdp_prog',
          section: 'xdp',
          kind: 'xdp',
        }),
      /defined 2 times/,
    );
    assert.throws(
      () => instrumentSource({ source: SRC, path: '/p.c', program: 'x-y', section: 'xdp', kind: 'xdp' }),
      /not a C function name/,
    );
  });

  it('blanks comments and string contents at the same length', () => {
    const s = 'a /* b\nc */ "d\\"e" // f\n\'g\'';
    const b = blankCommentsAndStrings(s);
    assert.equal(b.length, s.length);
    assert.equal(b.split('\n').length, s.split('\n').length);
    assert.equal(b, 'a     \n     "    "     \n\' \'');
  });
});

describe('buildInstrumented (clang)', () => {
  for (const [name, kind, section] of [
    ['xdp_drop_ping', 'xdp', 'xdp'],
    ['tc_tcp_psh', 'tc', 'tc'],
  ] as const) {
    it(`builds ${name}: one ${section} program of the same name, the user's maps and the capture's`, async () => {
      const r = await buildInstrumented({ source: join(ROOT, 'bpf', `${name}.bpf.c`), program: name, section, kind, host: localTarget() });
      assert.ok(r.ok && r.bytes, r.stderr);
      const info = readBpfObject(r.bytes);
      assert.deepEqual(
        info.programs.map((p) => [p.name, p.section]),
        [[name, section]],
      );
      const maps = info.maps.map((m) => m.name);
      for (const m of ['ndcap_config', 'ndcap_stats', 'ndcap_events', name === 'xdp_drop_ping' ? 'drop_stats' : 'psh_stats'])
        assert.ok(maps.includes(m), `${m} in ${maps.join(', ')}`);
    });
  }

  it("an error in the user's code is reported on the user's file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vcap-test-'));
    try {
      const src = join(dir, 'broken.bpf.c');
      writeFileSync(src, readFileSync(join(ROOT, 'bpf', 'xdp_drop_ping.bpf.c'), 'utf8').replace('return XDP_DROP;', 'return XDP_DROPP;'));
      const line =
        readFileSync(src, 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('XDP_DROPP')) + 1;
      const r = await buildInstrumented({ source: src, program: 'xdp_drop_ping', section: 'xdp', kind: 'xdp', host: localTarget() });
      assert.equal(r.ok, false);
      const err = r.diagnostics.find((d) => d.severity === 'error');
      assert.ok(err, r.stderr);
      assert.equal(err.file, src);
      assert.equal(err.line, line);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
