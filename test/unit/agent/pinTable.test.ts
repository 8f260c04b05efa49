// The pin table: reuses bpftool's pin paths only while bpffs is unchanged and every remembered id still exists.
// The fingerprint function is passed in (a counter-controlled string here; the real one walks bpffs).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { bpffsFingerprint, PinTable } from '../../../remote-agent/listings/pinTable';

it('cheap listing while the fingerprint holds, full listing when it changes or an id vanished', async () => {
  let fp = 'a';
  const calls: string[] = [];
  const t = new PinTable(() => fp);
  const full = (ids: number[]) => async () => {
    calls.push('full');
    return ids.map((id) => ({ id, pinned: id === 1 ? ['/sys/fs/bpf/x/p1'] : [] }));
  };
  const cheap = (ids: number[]) => async () => {
    calls.push('cheap');
    return ids.map((id) => ({ id, pinned: [] as string[] }));
  };
  assert.deepEqual(
    (await t.list(cheap([1, 2]), full([1, 2]))).map((x) => x.pinned),
    [['/sys/fs/bpf/x/p1'], []],
  );
  assert.deepEqual(
    (await t.list(cheap([1, 2]), full([1, 2]))).map((x) => x.pinned),
    [['/sys/fs/bpf/x/p1'], []],
  );
  assert.deepEqual(calls, ['full', 'cheap']);
  await t.list(cheap([2]), full([2])); // program 1 is gone: its pins cannot be trusted any more
  assert.deepEqual(calls, ['full', 'cheap', 'cheap', 'full']);
  fp = 'b';
  await t.list(cheap([2]), full([2]));
  assert.equal(calls.at(-1), 'full');
});

it('the fingerprint changes when a file appears, disappears or a directory is added', () => {
  const root = mkdtempSync(join(tmpdir(), 'end-pintable-'));
  try {
    const f0 = bpffsFingerprint([root]);
    writeFileSync(join(root, 'pin'), '');
    const f1 = bpffsFingerprint([root]);
    assert.notEqual(f1, f0);
    assert.equal(bpffsFingerprint([root]), f1, 'stable while nothing changes');
    mkdirSync(join(root, 'dir'));
    const f2 = bpffsFingerprint([root]);
    assert.notEqual(f2, f1);
    rmSync(join(root, 'pin'));
    assert.notEqual(bpffsFingerprint([root]), f2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

it('two changes that leave one mtime (one clock tick) still change the fingerprint while that mtime is recent', () => {
  const root = mkdtempSync(join(tmpdir(), 'end-pintable-'));
  try {
    const tick = new Date(); // bpffs stamps with the coarse clock: a second change in the same tick keeps the mtime
    writeFileSync(join(root, 'a'), '');
    utimesSync(root, tick, tick);
    const f0 = bpffsFingerprint([root]);
    writeFileSync(join(root, 'b'), '');
    utimesSync(root, tick, tick);
    assert.notEqual(bpffsFingerprint([root]), f0, 'a recent mtime is not trusted: the entries are read again');
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(root, old, old);
    const f1 = bpffsFingerprint([root]);
    assert.equal(bpffsFingerprint([root]), f1, 'stable while nothing changes');
    rmSync(join(root, 'a'));
    assert.notEqual(bpffsFingerprint([root]), f1, 'a change moves the mtime');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
