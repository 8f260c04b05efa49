// Names for namespace inodes, from the real host: a named namespace by its /run/netns name, an unnamed one by the
// process living in it (`unshare --net`), the agent's own initial namespace as `root`.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { NetnsNamer, scanNetnsNames } from '../../../remote-agent/packetPath/netnsNames';
import { runToken, sweepStale } from '../helpers/cleanup';
import { until } from '../helpers/until';

const exec = promisify(execFile);

describe('network namespace names', () => {
  const tok = runToken('ppn');
  const named = `end_${tok}_named`;
  let unnamed: ChildProcess;
  let unnamedIno: number;

  before(async () => {
    await sweepStale('ppn');
    await exec('ip', ['netns', 'add', named]);
    unnamed = spawn('unshare', ['--net', 'sleep', '60'], { stdio: 'ignore' });
    // unshare execs sleep once it is in the new namespace
    await until(() => readFileSync(`/proc/${unnamed.pid}/comm`, 'utf8').trim() === 'sleep', 'unshare to exec sleep', 10_000, 10);
    unnamedIno = statSync(`/proc/${unnamed.pid}/ns/net`).ino;
  });
  after(async () => {
    unnamed?.kill('SIGKILL');
    await exec('ip', ['netns', 'del', named]).catch(() => undefined);
  });

  it('names a /run/netns namespace by its name and an unnamed one by its process', () => {
    const names = scanNetnsNames();
    assert.equal(names.get(statSync(`/run/netns/${named}`).ino), named);
    assert.equal(names.get(unnamedIno), `pid:${unnamed.pid} (sleep)`);
  });

  it('calls the initial namespace root', () => {
    // this test runs in the host's initial namespace, as the agent does
    assert.equal(scanNetnsNames().get(statSync('/proc/self/ns/net').ino), 'root');
  });

  it('finds a namespace that appeared after the first scan, without rescanning on every unknown inode', async () => {
    let clock = 0;
    const namer = new NetnsNamer({ minRescanMs: 1000, now: () => clock });
    namer.rescan();
    const late = `end_${tok}_late`;
    await exec('ip', ['netns', 'add', late]);
    try {
      const ino = statSync(`/run/netns/${late}`).ino;
      assert.equal(namer.nameOf(ino), undefined, 'a rescan right after the last one is held back');
      clock += 1001;
      assert.equal(namer.nameOf(ino), late);
    } finally {
      await exec('ip', ['netns', 'del', late]);
    }
  });
});
