// The pin index: places each pinned file of bpffs (path + inode) as a program, map or link id, learnt from a -f
// listing or from bpftool's answer about that one file; a new file, or a file pinned again (new inode), is asked
// about again; a file whose id the listing lacks is forgotten. The bpffs walk is passed in (a Map here; the real
// one walks bpffs, tested below on a plain directory). Asking bpftool (remote-agent/listings/pinQuestions.ts): a
// fake bpftool batch that stops at the first failing line, as bpftool does.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { AgentContext } from '../../../remote-agent/core/context';
import { answerPinQuestions } from '../../../remote-agent/listings/pinQuestions';
import { bpffsFingerprint, bpffsPins, PinIndex, pinCommand } from '../../../remote-agent/listings/pinTable';

const prog = (id: number, pinned: string[] = []) => ({ id, pinned });

it('a -f listing places every file for its kind; new files are asked about, by their neighbours kind first', () => {
  let scan = new Map([
    ['/b/p/a', 10],
    ['/b/p/b', 11],
    ['/b/m/x', 12],
  ]);
  const index = new PinIndex(() => scan);
  assert.equal(index.unknown(scan, ['programs']).length, 3, 'nothing known yet');
  index.learnFull(scan, 'programs', [prog(1, ['/b/p/a']), prog(2, ['/b/p/b']), prog(3)]);
  assert.deepEqual(index.unknown(scan, ['programs']), [], 'every file placed for programs');
  assert.deepEqual(
    index.unknown(scan, ['programs', 'maps']).map((q) => q.path),
    ['/b/m/x'],
    'not known to be a map or not',
  );
  const items = [prog(1), prog(2), prog(3)];
  assert.equal(index.place(scan, 'programs', items), true);
  assert.deepEqual(
    items.map((i) => i.pinned),
    [['/b/p/a'], ['/b/p/b'], []],
  );

  // one program more in /b/p, and /b/p/a pinned again (another inode): both asked, as programs (their neighbours)
  scan = new Map([...scan, ['/b/p/c', 20], ['/b/p/a', 21]]);
  const qs = index.unknown(scan, ['programs']);
  assert.deepEqual(
    qs.map((q) => [q.path, q.ask]),
    [
      ['/b/p/a', 'programs'],
      ['/b/p/c', 'programs'],
    ],
  );
  assert.deepEqual(pinCommand(qs[1]), ['prog', 'show', 'pinned', '/b/p/c']);
  assert.equal(index.place(scan, 'programs', [prog(1)]), false, 'not placed before the answers');
  assert.equal(index.learnOne(qs[0], { id: 4, type: 'xdp' }), undefined);
  assert.equal(index.learnOne(qs[1], { id: 5 }), undefined);
  const now = [prog(2), prog(3), prog(4), prog(5)];
  assert.equal(index.place(scan, 'programs', now), true);
  assert.deepEqual(
    now.map((i) => i.pinned),
    [['/b/p/b'], [], ['/b/p/a'], ['/b/p/c']],
  );
});

it('an answer naming another kind asks again with that kind; a file no show opens is placed as nothing', () => {
  const scan = new Map([
    ['/b/x', 1],
    ['/b/progs.debug', 2],
  ]);
  const index = new PinIndex(() => scan);
  const [x, debug] = index.unknown(scan, ['programs', 'maps', 'links']);
  assert.equal(x.ask, 'programs');
  const again = index.learnOne(x, new Error('incorrect object type: map'));
  assert.deepEqual(again, { ...x, ask: 'maps' });
  assert.equal(index.learnOne(again!, { id: 7 }), undefined);
  assert.equal(index.learnOne(debug, new Error('bpf obj get (/b/progs.debug): No such file or directory')), undefined);
  assert.deepEqual(index.unknown(scan, ['programs', 'maps', 'links']), []);
  const maps = [prog(7), prog(8)];
  assert.equal(index.place(scan, 'maps', maps), true);
  assert.deepEqual(
    maps.map((m) => m.pinned),
    [['/b/x'], []],
  );
  const progs = [prog(1)];
  assert.equal(index.place(scan, 'programs', progs), true);
  assert.deepEqual(progs[0].pinned, []);
});

it('a file gone from bpffs is forgotten, and so is one placed as an id the listing no longer has', () => {
  let scan = new Map([
    ['/b/a', 1],
    ['/b/b', 2],
  ]);
  const index = new PinIndex(() => scan);
  index.learnFull(scan, 'programs', [prog(1, ['/b/a']), prog(2, ['/b/b'])]);
  scan = new Map([['/b/b', 2]]);
  const items = [prog(1), prog(2)];
  assert.equal(index.place(scan, 'programs', items), true);
  assert.deepEqual(
    items.map((i) => i.pinned),
    [[], ['/b/b']],
  );
  // /b/b was unpinned after the walk: program 2 is gone from the listing, its file must be asked about again
  assert.equal(index.place(scan, 'programs', [prog(1)]), true);
  assert.deepEqual(
    index.unknown(scan, ['programs']).map((q) => q.path),
    ['/b/b'],
  );
});

it('the walk lists regular files with their inodes, not directories or symlinks', () => {
  const root = mkdtempSync(join(tmpdir(), 'end-pintable-'));
  try {
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd', 'p'), '');
    symlinkSync(join(root, 'd', 'p'), join(root, 'link'));
    const pins = bpffsPins([root]);
    assert.deepEqual([...pins.keys()], [join(root, 'd', 'p')]);
    assert.equal(typeof pins.get(join(root, 'd', 'p')), 'number');
    rmSync(join(root, 'd', 'p'));
    writeFileSync(join(root, 'd', 'q'), '');
    assert.deepEqual([...bpffsPins([root]).keys()], [join(root, 'd', 'q')], 'a changed directory is read again');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
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

/** A runner answering `bpftool -j batch file -` as bpftool does: `KIND show pinned PATH` lines, stop at the first failure. */
function fakeBpftool(objects: Record<string, ['prog' | 'map' | 'link', number]>) {
  const batches: string[][] = [];
  const run = async (argv: string[], opts?: { input?: string | Buffer }) => {
    const lines = String(opts?.input ?? '')
      .split('\n')
      .filter(Boolean);
    batches.push(lines);
    const out: unknown[] = [];
    for (const line of lines) {
      const [word, , , path] = line.split(' ');
      const o = objects[path];
      if (!o) out.push({ command: line.split(' '), output: { error: `bpf obj get (${path}): No such file or directory` } });
      else if (o[0] !== word) out.push({ command: line.split(' '), output: { error: `incorrect object type: ${o[0]}` } });
      else out.push({ command: line.split(' '), output: { id: o[1] } });
      if (!o || o[0] !== word) break;
    }
    return { argv, exitCode: 0, stdout: JSON.stringify(out), stderr: '' };
  };
  const ctx = { run, bpftool: { path: '/usr/sbin/bpftool' } } as unknown as AgentContext;
  return { ctx, batches };
}

it('an object pinned anew is placed in one batch: its maps/ directory is asked about as maps', async () => {
  const scan = new Map([
    ['/b/o/xdp_prog', 1],
    ['/b/o/maps/counts', 2],
    ['/b/o/maps/config', 3],
  ]);
  const index = new PinIndex(() => scan);
  const qs = index.unknown(scan, ['programs', 'maps', 'links']);
  assert.deepEqual(
    qs.map((q) => q.ask),
    ['programs', 'maps', 'maps'],
  );
  const { ctx, batches } = fakeBpftool({ '/b/o/xdp_prog': ['prog', 10], '/b/o/maps/counts': ['map', 20], '/b/o/maps/config': ['map', 21] });
  await answerPinQuestions(ctx, index, qs);
  assert.equal(batches.length, 1);
  const maps = [prog(20), prog(21)];
  assert.equal(index.place(scan, 'maps', maps), true);
  assert.deepEqual(
    maps.map((m) => m.pinned),
    [['/b/o/maps/counts'], ['/b/o/maps/config']],
  );
});

it('a wrong guess stops the batch; the file is asked again with the kind its answer named, and so are its neighbours', async () => {
  const scan = new Map([
    ['/b/x', 1],
    ['/b/y', 2],
    ['/b/z', 3],
  ]);
  const index = new PinIndex(() => scan);
  const qs = index.unknown(scan, ['programs', 'maps', 'links']);
  const { ctx, batches } = fakeBpftool({ '/b/x': ['map', 1], '/b/y': ['map', 2], '/b/z': ['map', 3] });
  await answerPinQuestions(ctx, index, qs);
  assert.deepEqual(batches, [
    ['prog show pinned /b/x', 'prog show pinned /b/y', 'prog show pinned /b/z'],
    ['map show pinned /b/x', 'map show pinned /b/y', 'map show pinned /b/z'],
  ]);
  assert.deepEqual(index.unknown(scan, ['programs', 'maps', 'links']), []);
  const maps = [prog(1), prog(2), prog(3)];
  assert.equal(index.place(scan, 'maps', maps), true);
  assert.deepEqual(
    maps.map((m) => m.pinned),
    [['/b/x'], ['/b/y'], ['/b/z']],
  );
});
