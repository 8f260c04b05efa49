// setGlobals on a real object: the knob's bytes change, nothing else does, re-reading gives the new value, and
// bad names or values are refused with a message naming the knob. (test/kernel/cli/ checks the effect in the kernel.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readBpfObject } from '../../../../extension/core/elf/bpfObject';
import { GlobalsError, listGlobals, setGlobals } from '../../../../extension/core/elf/globals';
import { compileFixture } from './fixtureObjects';

const fixture = compileFixture('knobs');
test.after(() => fixture.cleanup());
const original = readFileSync(fixture.path);

function initial(obj: Uint8Array, name: string): Buffer {
  return Buffer.from(readBpfObject(obj).globals.find((g) => g.name === name)!.initial!);
}

test('sets integers, negative numbers, hex, 64-bit, bool and enum names; changes only those bytes', () => {
  const patched = setGlobals(original, {
    k_u8: '200',
    k_s32: -123456,
    k_u64: '0xdeadbeefcafef00d',
    k_bool: 'false',
    k_mode: 'MODE_LOUD',
    d_counter: 7n,
  });
  assert.equal(initial(patched, 'k_u8')[0], 200);
  assert.equal(initial(patched, 'k_s32').readInt32LE(), -123456);
  assert.equal(initial(patched, 'k_u64').readBigUInt64LE(), 0xdeadbeefcafef00dn);
  assert.equal(initial(patched, 'k_bool')[0], 0);
  assert.equal(initial(patched, 'k_mode').readUInt32LE(), 7);
  assert.equal(initial(patched, 'd_counter').readUInt32LE(), 7);
  // Every byte outside the six variables is unchanged.
  const touched = new Set<number>();
  const info = readBpfObject(original);
  for (const g of info.globals.filter((x) => ['k_u8', 'k_s32', 'k_u64', 'k_bool', 'k_mode', 'd_counter'].includes(x.name))) {
    const sec = info.sections.find((s) => s.name === g.section)!;
    for (let i = 0; i < g.size; i++) touched.add(sec.offset + g.offset + i);
  }
  let diffs = 0;
  for (let i = 0; i < original.length; i++) {
    if (original[i] !== patched[i]) {
      diffs++;
      assert.ok(touched.has(i), `byte ${i} changed outside the knobs`);
    }
  }
  assert.ok(diffs > 0);
  assert.equal(patched.length, original.length);
  // The input is left as it was.
  assert.equal(initial(original, 'k_u8')[0], 3);
});

test('sets a char array from text, NUL-padded', () => {
  const patched = setGlobals(original, { k_name: 'eth0' });
  const b = initial(patched, 'k_name');
  assert.equal(b.subarray(0, 4).toString(), 'eth0');
  assert.ok(b.subarray(4).every((x) => x === 0));
  assert.throws(() => setGlobals(original, { k_name: 'x'.repeat(16) }), /k_name holds at most 15 bytes/);
});

test('refuses unknown names, values out of range, non-numbers and .bss with a message naming the knob', () => {
  assert.throws(
    () => setGlobals(original, { nope: 1 }),
    (e: GlobalsError) => e.variable === 'nope' && /no global variable nope in this object \(it has: .*k_u8.*\)/.test(e.message),
  );
  assert.throws(() => setGlobals(original, { k_u8: 256 }), /k_u8 \(const volatile __u8\) holds 0\.\.255, got 256/);
  assert.throws(() => setGlobals(original, { k_u8: '-1' }), /holds 0\.\.255, got -1/);
  assert.throws(() => setGlobals(original, { k_s32: '2147483648' }), /holds -2147483648\.\.2147483647/);
  assert.throws(() => setGlobals(original, { k_u8: 'ten' }), /k_u8 needs an integer, got "ten"/);
  assert.throws(() => setGlobals(original, { k_mode: 'MODE_X' }), /one of MODE_OFF, MODE_ON, MODE_LOUD/);
  assert.throws(() => setGlobals(original, { k_bool: 2 }), /k_bool is a bool/);
  assert.throws(() => setGlobals(original, { b_zero: 1 }), /b_zero is in \.bss, which has no bytes/);
  assert.throws(() => setGlobals(original, { k_u8: 1.5 }), /k_u8 needs an integer, got 1.5/);
});

test('listGlobals names the settable variables with their types', () => {
  const names = listGlobals(original).map((g) => `${g.name}:${g.type}`);
  assert.ok(names.includes('k_u64:const volatile __u64'));
  assert.ok(names.includes('k_name:const volatile char[16]'));
});

test("big-endian objects (bpfeb): globals are read and written in the object's byte order", () => {
  const be = compileFixture('knobs', ['-target', 'bpfeb']);
  try {
    const bytes = readFileSync(be.path);
    assert.equal(readBpfObject(bytes).headerText.data, "2's complement, big endian");
    assert.equal(initial(bytes, 'k_s32').readInt32BE(), -5);
    const patched = setGlobals(bytes, { k_u64: 0x0102030405060708n, k_s32: -2 });
    assert.equal(initial(patched, 'k_u64').readBigUInt64BE(), 0x0102030405060708n);
    assert.equal(initial(patched, 'k_s32').readInt32BE(), -2);
    const maps = readBpfObject(bytes).maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]);
    assert.deepEqual(maps, [
      ['h_map', 'hash', 16, 24, 128],
      ['rb', 'ringbuf', 0, 0, 4096],
      ['sized', 'lru_hash', 4, 12, 8],
    ]);
  } finally {
    be.cleanup();
  }
});
