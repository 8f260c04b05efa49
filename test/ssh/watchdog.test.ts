// The host half of the dead-man switch with real processes: the watchdog is a detached process of its own (it leads
// its own session, so the hangup of a dying SSH session never reaches it); unconfirmed it runs the rollback argv and records
// why; confirmed it does nothing and exits at once; a plan is either confirmed or rolled back, never both.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armDeadman, confirmAttachment, listRollbacks, type DeadmanOptions } from '../../remote-agent/safety/deadman';
import { until as untilEvent } from '../kernel/helpers/until';

/** This file's waits: the shared until() with its deadline. */
const until = (cond: () => boolean, what: string, ms = 20_000) => untilEvent(cond, what, ms);

const TOKEN = 'h3wd';
const ENTRY = join(__dirname, 'helpers', 'watchdogEntry.ts');

function watchdogPids(stateDir: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(stateDir, 'plans'));
      } catch {
        return false;
      }
    });
}

describe('dead-man watchdog (host side)', () => {
  let dir: string;
  let opts: DeadmanOptions;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), `end_${TOKEN}_`));
    opts = { stateDir: join(dir, 'state'), watchdogArgv: [process.execPath, '--import', 'tsx', ENTRY, '--watchdog'] };
  });

  after(() => {
    for (const pid of watchdogPids(opts.stateDir!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('unconfirmed: runs the rollback commands in order until one works, and records it', async () => {
    const marker = join(dir, 'rolled-back');
    await armDeadman(
      {
        attachment: `xdp:end_${TOKEN}:eth0`,
        description: 'xdp on eth0 (netns test)',
        commands: [['/bin/false'], ['touch', marker], ['touch', `${marker}-never`]],
      },
      1500,
      opts,
    );
    const [pid] = watchdogPids(opts.stateDir!);
    assert.ok(pid, 'a watchdog process runs');
    // Its own session: the SSH session's hangup does not reach it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    assert.equal(Number(stat[3]), pid, 'it leads its own session (setsid)');
    await until(() => existsSync(marker), 'the rollback');
    assert.equal(existsSync(`${marker}-never`), false, 'stops at the first command that works');
    await until(() => watchdogPids(opts.stateDir!).length === 0, 'the watchdog to exit');
    const records = await listRollbacks(opts);
    assert.equal(records.length, 1);
    assert.equal(records[0].attachment, `xdp:end_${TOKEN}:eth0`);
    assert.equal(records[0].ok, true);
    assert.match(records[0].reason, /no confirmation within 2 s after attaching xdp on eth0 \(netns test\)/);
    assert.match(records[0].output ?? '', /^\$ \/bin\/false\n[^]*\$ touch /);
    assert.equal(await confirmAttachment(`xdp:end_${TOKEN}:eth0`, opts), false, 'too late to confirm');
  });

  it('confirmed: the watchdog exits at once and nothing runs', async () => {
    const marker = join(dir, 'must-not-exist');
    await armDeadman({ attachment: `tc:end_${TOKEN}:eth0:egress`, description: 'tc', commands: [['touch', marker]] }, 3000, opts);
    await until(() => watchdogPids(opts.stateDir!).length === 1, 'the watchdog');
    assert.equal(await confirmAttachment(`tc:end_${TOKEN}:eth0:egress`, opts), true);
    await until(() => watchdogPids(opts.stateDir!).length === 0, 'the confirmed watchdog to exit', 2000);
    // The watchdog is the only process that runs a plan, and the confirmation claimed the plan before it exited:
    // with the plan gone and its watchdog gone, nothing is left that could run it at the deadline.
    assert.deepEqual(
      readdirSync(join(opts.stateDir!, 'plans')).filter((f) => f.includes('egress')),
      [],
      'the plan was claimed',
    );
    assert.equal(existsSync(marker), false);
    assert.equal((await listRollbacks(opts)).length, 1, 'no new record');
    assert.equal(await confirmAttachment(`tc:end_${TOKEN}:eth0:egress`, opts), false, 'nothing is waiting any more');
  });

  it('bad plans are refused with the argument named', async () => {
    await assert.rejects(armDeadman({ attachment: '', description: '', commands: [['x']] }, 1000, opts), /plan\.attachment/);
    await assert.rejects(
      armDeadman({ attachment: 'a', description: '', commands: ['ip link' as unknown as string[]] }, 1000, opts),
      /plan\.commands\[0\]: must be a non-empty array of strings/,
    );
    await assert.rejects(armDeadman({ attachment: 'a', description: '', commands: [['true']] }, 0, opts), /withinMs: 0/);
  });
});
