// Tracer pin directories: unique per tracer, and a dead tracer's leftovers are found by its owner's pid and start
// time. Exercised on an ordinary directory (the same calls bpffs gets; the kernel tier covers bpffs itself).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanStaleTracerDirs, createTracerDir, processStartTime, removeTracerDir } from '../../../remote-agent/packetPath/tracerDirs';

describe('tracer directories', () => {
  const parent = mkdtempSync(join(tmpdir(), 'tracer-dirs-'));
  after(() => rmSync(parent, { recursive: true, force: true }));

  it('are unique per tracer and carry the owner pid and start time', () => {
    const a = createTracerDir(parent);
    const b = createTracerDir(parent);
    assert.notEqual(a.root, b.root);
    assert.ok(a.root.includes(`/${process.pid}_${processStartTime(process.pid)}_`));
    assert.ok(existsSync(a.links) && existsSync(a.maps));
  });

  it('of dead owners are removed; live owners and foreign names are left alone', () => {
    const dead = spawnSync('true').pid; // a process that has exited: its pid names no running process of that start time
    const stale = join(parent, `${dead}_12345_deadbeef`);
    mkdirSync(join(stale, 'links'), { recursive: true });
    writeFileSync(join(stale, 'links/tp_netif_rx'), '');
    const reused = join(parent, `${process.pid}_1_cafe0001`); // our pid, but another start time: a reused pid
    mkdirSync(reused);
    const live = createTracerDir(parent);
    const foreign = join(parent, 'someone-else');
    mkdirSync(foreign);
    const cleaned = cleanStaleTracerDirs(parent);
    assert.deepEqual(cleaned.sort(), [stale, reused].sort());
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(live.root), true);
    assert.equal(existsSync(foreign), true);
  });

  it('removal takes links first and reports what it removed', () => {
    const d = createTracerDir(parent);
    writeFileSync(join(d.links, 'tp_net_dev_queue'), '');
    writeFileSync(join(d.maps, 'tp_events'), '');
    const { removed, failed } = removeTracerDir(d.root);
    assert.deepEqual(failed, []);
    assert.ok(removed.indexOf(join(d.links, 'tp_net_dev_queue')) < removed.indexOf(join(d.maps, 'tp_events')));
    assert.equal(existsSync(d.root), false);
  });
});
