// Programs, maps (from BTF), globals and license read from objects clang really produced: the fixture, whose
// source states what to expect, and the shipped programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readBpfObject, readBpfObjectStrict } from '../../../../extension/core/elf/bpfObject';
import { ElfFormatError } from '../../../../extension/core/elf/elfFile';
import { sectionType } from '../../../../extension/core/elf/programTypes';
import { builtObjects, compileFixture } from './fixtureObjects';

const fixture = compileFixture('knobs');
test.after(() => fixture.cleanup());

test('programs: one per global function, typed from the section name like libbpf', () => {
  const info = readBpfObject(readFileSync(fixture.path));
  const progs = Object.fromEntries(info.programs.map((p) => [p.name, p]));
  assert.deepEqual(info.programs.map((p) => p.name).sort(), [
    'fx_btf',
    'fx_cls',
    'fx_connect4',
    'fx_raw',
    'fx_tp_a',
    'fx_tp_b',
    'fx_unknown',
    'fx_xdp',
  ]);
  assert.equal(progs.fx_xdp.programType, 'xdp');
  assert.equal(progs.fx_xdp.attachKind, 'xdp');
  assert.equal(progs.fx_tp_a.section, 'tracepoint/net/netif_rx');
  assert.equal(progs.fx_tp_b.section, 'tracepoint/net/netif_rx');
  assert.equal(progs.fx_tp_a.programType, 'tracepoint');
  assert.equal(progs.fx_tp_a.target, 'net/netif_rx');
  assert.equal(progs.fx_raw.programType, 'raw_tracepoint');
  assert.equal(progs.fx_btf.programType, 'tracing');
  assert.equal(progs.fx_btf.attachType, 'trace_raw_tp');
  assert.equal(progs.fx_cls.programType, 'sched_cls');
  assert.equal(progs.fx_cls.attachKind, 'tc');
  assert.equal(progs.fx_connect4.programType, 'cgroup_sock_addr');
  assert.equal(progs.fx_connect4.attachType, 'cgroup_inet4_connect');
  assert.equal(progs.fx_unknown.programType, undefined);
  assert.equal(progs.fx_tp_a.instructions, 2); // r0 = 0; exit
});

test('maps from BTF: type, key/value sizes from __type and __uint, max_entries, flags, pinning', () => {
  const info = readBpfObject(readFileSync(fixture.path));
  const maps = Object.fromEntries(info.maps.map((m) => [m.name, m]));
  assert.deepEqual(maps.h_map, {
    name: 'h_map',
    type: 'hash',
    keySize: 16,
    valueSize: 24,
    maxEntries: 128,
    flags: 1,
    pinning: undefined,
    keyType: 'struct pair',
    valueType: '__u64[3]',
  });
  assert.equal(maps.rb.type, 'ringbuf');
  assert.equal(maps.rb.maxEntries, 4096);
  assert.deepEqual(
    { ...maps.sized },
    {
      name: 'sized',
      type: 'lru_hash',
      keySize: 4,
      valueSize: 12,
      maxEntries: 8,
      flags: 0,
      pinning: 1,
      keyType: undefined,
      valueType: undefined,
    },
  );
});

test('globals: .rodata knobs with offsets and initial bytes, .data and .bss variables, license, BTF flags', () => {
  const info = readBpfObject(readFileSync(fixture.path));
  const g = Object.fromEntries(info.globals.map((x) => [x.name, x]));
  assert.equal(g.k_u8.section, '.rodata');
  assert.equal(g.k_u8.readonly, true);
  assert.deepEqual([...g.k_u8.initial!], [3]);
  assert.equal(Buffer.from(g.k_s32.initial!).readInt32LE(), -5);
  assert.equal(Buffer.from(g.k_u64.initial!).readBigUInt64LE(), 0x1122334455667788n);
  assert.equal(g.k_mode.type, 'const volatile enum knob_mode');
  assert.equal(Buffer.from(g.k_name.initial!).toString('latin1').replace(/\0+$/, ''), 'fixture');
  assert.equal(g.d_counter.section, '.data');
  assert.equal(g.d_counter.readonly, false);
  assert.equal(g.b_zero.section, '.bss');
  assert.equal(g.b_zero.initial, undefined);
  // Offsets are distinct and inside .rodata.
  const ro = info.globals.filter((x) => x.section === '.rodata');
  const rodata = info.sections.find((s) => s.name === '.rodata')!;
  for (const x of ro) assert.ok(x.offset + x.size <= rodata.size, x.name);
  assert.equal(new Set(ro.map((x) => x.offset)).size, ro.length);
  assert.equal(info.license, 'GPL');
  assert.equal(info.btf, true);
  assert.equal(info.btfExt, true);
  assert.deepEqual(info.warnings, []);
});

test('shipped objects: programs, maps and knobs match their sources', () => {
  const built = builtObjects();
  assert.ok(built.length >= 7, `expected the shipped objects in dist/bpf, found ${built.length}`);
  const byName = Object.fromEntries(built.map((p) => [p.split('/').pop()!, readBpfObject(readFileSync(p))]));
  const psh = byName['tc_tcp_psh.o'];
  assert.deepEqual(
    psh.programs.map((p) => [p.name, p.section, p.programType]),
    [['tc_tcp_psh', 'tc', 'sched_cls']],
  );
  assert.deepEqual(
    psh.globals.map((x) => [x.name, x.section, x.size]),
    [['every_n', '.rodata', 4]],
  );
  assert.equal(Buffer.from(psh.globals[0].initial!).readUInt32LE(), 10);
  const sock = byName['sockmap_redir.o'];
  assert.deepEqual(
    sock.programs.map((p) => [p.name, p.programType, p.attachKind]),
    [
      ['sockops_track', 'sock_ops', 'sockops'],
      ['skmsg_redirect', 'sk_msg', 'skmsg'],
    ],
  );
  const sh = sock.maps.find((m) => m.name === 'sock_hash')!;
  assert.deepEqual([sh.type, sh.keySize, sh.valueSize, sh.maxEntries], ['sockhash', 16, 8, 65535]);
  const tp = byName['tracepkt.o'];
  assert.deepEqual(tp.programs.map((p) => p.target).sort(), [
    'net/napi_gro_receive_entry',
    'net/net_dev_queue',
    'net/netif_receive_skb_entry',
    'net/netif_rx',
    'skb/kfree_skb',
  ]);
  assert.equal(tp.maps.find((m) => m.name === 'tp_events')?.type, 'perf_event_array');
  for (const [name, info] of Object.entries(byName)) {
    assert.equal(info.isBpf, true, name);
    assert.ok(info.license, `${name} has a license`);
    assert.ok(info.programs.length > 0, `${name} has programs`);
    assert.deepEqual(info.warnings, [], name);
  }
});

test('not ELF, ELF32, truncated and non-BPF files are refused with a reason', () => {
  assert.throws(
    () => readBpfObject(Buffer.from('#include <x>\n')),
    (e: Error) => e instanceof ElfFormatError && /not an ELF file/.test(e.message),
  );
  const elf32 = Buffer.alloc(64);
  elf32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  assert.throws(() => readBpfObject(elf32), /not an ELF64 object \(class ELF32\)/);
  const real = readFileSync(fixture.path);
  assert.throws(() => readBpfObject(real.subarray(0, 40)), /truncated ELF header/);
  assert.throws(() => readBpfObject(real.subarray(0, 2000)), /section header table runs past the end/);
  // The node binary itself: a real ELF64 for another machine.
  assert.throws(
    () => readBpfObjectStrict(readFileSync(process.execPath)),
    /not a BPF object: Machine is (Advanced Micro Devices X86-64|AArch64)/,
  );
});

test('section names follow libbpf rules: exact names, and "name/..." only for + entries', () => {
  assert.equal(sectionType('xdp')?.programType, 'xdp');
  assert.equal(sectionType('xdp_foo'), undefined);
  assert.equal(sectionType('xdp.frags')?.programType, 'xdp');
  assert.equal(sectionType('xdp/devmap')?.attachType, 'xdp_devmap');
  assert.equal(sectionType('tc/egress')?.attachType, 'tcx_egress');
  assert.equal(sectionType('tcx/ingress')?.attachType, 'tcx_ingress');
  assert.equal(sectionType('tp/net/netif_rx')?.programType, 'tracepoint');
  assert.equal(sectionType('tracepoint')?.programType, 'tracepoint');
  assert.equal(sectionType('tracepointx'), undefined);
  assert.equal(sectionType('kprobe/tcp_v4_connect')?.programType, 'kprobe');
  assert.equal(sectionType('kretprobe/x')?.programType, 'kprobe');
  assert.equal(sectionType('fentry/tcp_sendmsg')?.attachType, 'trace_fentry');
  assert.equal(sectionType('sk_skb/stream_verdict')?.attachType, 'sk_skb_stream_verdict');
  assert.equal(sectionType('cgroup/sendmsg6')?.attachType, 'cgroup_udp6_sendmsg');
  assert.equal(sectionType('cgroup/getpeername_unix')?.attachType, 'cgroup_unix_getpeername');
  assert.equal(sectionType('cgroup_skb/egress')?.attachType, 'cgroup_inet_egress');
  assert.equal(sectionType('socket')?.programType, 'socket_filter');
});
