// Why the verdict capture refuses tcx attachments (docs/verdict-capture.md "Limits"), shown on this kernel with the
// bpftool the agent uses (7.5): `net attach tcx_ingress` only appends to the chain (`overwrite` is not passed on, a
// second attach of the same program is EEXIST), and `net detach tcx_ingress` removes the LAST program. So "attach the
// instrumented variant, then detach the plain one" detaches the variant again, and the only order that works
// (detach, then attach) leaves a moment with no program on the interface. If a later bpftool can replace in place,
// this test fails and the capture can learn tcx.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { shippedObject } from '../helpers/bpfObjects';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { inNetns, inNetnsOk } from '../helpers/netns';
import { run, runOk } from '../helpers/run';

const BPFTOOL = '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool';
const TOKEN = runToken('tcs');
const NS = `end_${TOKEN}`;
const PINS = `/sys/fs/bpf/end_${TOKEN}`;
const DEV = `tcs${process.pid % 100000}`;

async function chain(): Promise<number[]> {
  const r = await inNetnsOk(NS, [BPFTOOL, '-j', 'net', 'show', 'dev', DEV]);
  const tc = (JSON.parse(r.stdout) as { tc: { kind: string; prog_id: number }[] }[])[0].tc;
  return tc.filter((t) => t.kind === 'tcx/ingress').map((t) => t.prog_id);
}

describe('tcx through bpftool 7.5: no swap without a gap', () => {
  const ids: number[] = [];
  before(async () => {
    await sweepStale('tcs');
    await runOk(['ip', 'netns', 'add', NS]);
    await inNetnsOk(NS, ['ip', 'link', 'add', DEV, 'type', 'veth', 'peer', 'name', `${DEV}p`]);
    await inNetnsOk(NS, ['ip', 'link', 'set', DEV, 'up']);
    mkdirSync(PINS);
    for (const name of ['plain', 'variant']) {
      await runOk([BPFTOOL, 'prog', 'load', shippedObject('tc_tcp_psh'), join(PINS, name), 'type', 'classifier']);
      const r = await runOk([BPFTOOL, '-j', 'prog', 'show', 'pinned', join(PINS, name)]);
      ids.push((JSON.parse(r.stdout) as { id: number }).id);
    }
  });
  after(async () => {
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN), []);
  });

  it('appends, ignores overwrite, and detaches the last program', async () => {
    const [plain, variant] = ids;
    const attach = (name: string, ...more: string[]) =>
      inNetns(NS, [BPFTOOL, 'net', 'attach', 'tcx_ingress', 'pinned', join(PINS, name), 'dev', DEV, ...more]);
    assert.equal((await attach('plain')).code, 0);
    assert.equal((await attach('variant')).code, 0);
    assert.deepEqual(await chain(), [plain, variant], 'the variant is appended after the plain program: both run');
    const again = await attach('variant', 'overwrite');
    assert.notEqual(again.code, 0, 'overwrite replaces nothing on tcx');
    assert.match(again.stderr, /File exists/);
    assert.equal((await inNetns(NS, [BPFTOOL, 'net', 'detach', 'tcx_ingress', 'dev', DEV])).code, 0);
    assert.deepEqual(await chain(), [plain], 'detach took the variant (the last), not the plain program');
    const help = await run([BPFTOOL, 'net', 'help']);
    assert.match(help.stderr + help.stdout, /net detach ATTACH_TYPE dev <devname>\n/, 'detach names no program');
  });
});
