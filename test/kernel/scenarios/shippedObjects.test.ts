// The objects built from bpf/ as the inspector (extension/core/elf) describes them, checked against readelf and
// against what each program promises its users: the program sections and attach kinds, the maps a user dumps
// (a sockhash with 8-byte values, see KERNEL-FACTS), and the `const volatile` knobs with their documented defaults.
// (The reader's field-by-field agreement with `readelf -h -S -W` is test/unit/core/elf/readelf.test.ts.)
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readBpfObject } from '../../../extension/core/elf/bpfObject';
import { BPF_SOURCE_DIR, shippedObject } from '../helpers/bpfObjects';
import { runOk } from '../helpers/run';

interface Expected {
  programs: Record<string, { section: string; attachKind: string }>;
  maps: Record<string, { type: string; keySize: number; valueSize: number }>;
  knobs: Record<string, string>; // name -> default bytes, hex, little endian
}

const expected: Record<string, Expected> = {
  xdp_drop_ping: {
    programs: { xdp_drop_ping: { section: 'xdp', attachKind: 'xdp' } },
    maps: { drop_stats: { type: 'array', keySize: 4, valueSize: 16 } },
    knobs: { drop_replies: '00' },
  },
  xdp_manglepong: {
    programs: { xdp_manglepong: { section: 'xdp', attachKind: 'xdp' } },
    maps: { mangle_stats: { type: 'array', keySize: 4, valueSize: 8 } },
    knobs: { max_ttl: '00' },
  },
  tc_tcp_psh: {
    programs: { tc_tcp_psh: { section: 'tc', attachKind: 'tc' } },
    maps: { psh_stats: { type: 'percpu_array', keySize: 4, valueSize: 16 } },
    knobs: { every_n: '0a000000' },
  },
  sockmap_redir: {
    programs: {
      sockops_track: { section: 'sockops', attachKind: 'sockops' },
      skmsg_redirect: { section: 'sk_msg', attachKind: 'skmsg' },
    },
    maps: { sock_hash: { type: 'sockhash', keySize: 16, valueSize: 8 }, redir_stats: { type: 'array', keySize: 4, valueSize: 16 } },
    knobs: {},
  },
  xdp_printk_ping: { programs: { xdp_printk_ping: { section: 'xdp', attachKind: 'xdp' } }, maps: {}, knobs: {} },
  xdp_pass_count: {
    programs: { xdp_pass_count: { section: 'xdp', attachKind: 'xdp' } },
    maps: { proto_count: { type: 'percpu_array', keySize: 4, valueSize: 16 } },
    knobs: {},
  },
};

/** `readelf -h -S -W`: the header's Machine and Type, and the section names. */
async function readelf(path: string): Promise<{ machine: string; type: string; sections: string[] }> {
  const text = (await runOk(['readelf', '-h', '-S', '-W', path])).stdout;
  const field = (name: string) => new RegExp(`^\\s+${name}:\\s+(.*?)\\s*$`, 'm').exec(text)?.[1] ?? '';
  const sections = [...text.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s/gm)].map((m) => m[1]).filter((n) => n !== 'NULL');
  return { machine: field('Machine'), type: field('Type'), sections };
}

const sources = readdirSync(BPF_SOURCE_DIR)
  .filter((f) => f.endsWith('.bpf.c'))
  .map((f) => f.replace(/\.bpf\.c$/, ''));

describe('objects built from bpf/', () => {
  it('every bpf/*.bpf.c has a built object and every shipped program of ours is described below', () => {
    for (const name of sources) shippedObject(name);
    for (const name of Object.keys(expected)) assert.ok(sources.includes(name), `bpf/${name}.bpf.c exists`);
  });

  for (const name of sources) {
    it(`${name}.o: the inspector agrees with readelf -h -S on machine, type and the program sections`, async () => {
      const path = shippedObject(name);
      const info = readBpfObject(readFileSync(path));
      const elf = await readelf(path);
      assert.equal(elf.machine, 'Linux BPF');
      assert.equal(info.headerText.machine, elf.machine);
      assert.equal(info.headerText.type, elf.type);
      assert.deepEqual(
        info.sections.map((s) => s.name).filter((n) => n),
        elf.sections,
      );
      for (const p of info.programs) assert.ok(elf.sections.includes(p.section), `program section ${p.section} is in readelf -S`);
      assert.match(info.license ?? '', /GPL/, 'a GPL-compatible license (GPL-only helpers like bpf_printk need it)');
      assert.ok(info.btf && info.btfExt, 'built with -g: BTF and BTF.ext (source lines in verifier logs)');
    });
  }

  for (const [name, want] of Object.entries(expected)) {
    it(`${name}.o: programs, maps and knobs as documented`, () => {
      const info = readBpfObject(readFileSync(shippedObject(name)));
      const programs = Object.fromEntries(info.programs.map((p) => [p.name, { section: p.section, attachKind: p.attachKind }]));
      assert.deepEqual(programs, want.programs);
      const maps = Object.fromEntries(info.maps.map((m) => [m.name, { type: m.type, keySize: m.keySize, valueSize: m.valueSize }]));
      assert.deepEqual(maps, want.maps);
      const knobs = Object.fromEntries(
        info.globals
          .filter((g) => g.readonly && g.section === '.rodata' && !g.name.includes('___fmt'))
          .map((g) => [g.name, Buffer.from(g.initial ?? []).toString('hex')]),
      );
      assert.deepEqual(knobs, want.knobs);
    });
  }
});
