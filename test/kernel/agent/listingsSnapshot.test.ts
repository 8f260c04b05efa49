// listings.snapshot (the tree's one request, one bpftool batch on the host) shows what the single listings show:
// our loaded object's program with its pin path, its map, the XDP attachment in our namespace with the id detach
// takes, our pins, and no errors; after the object is unloaded and loaded again under another name (bpffs
// changed, so the pin paths must come fresh from bpftool -f), the new pin paths and nothing of the old. With both
// bpftool versions. Other tests load and unload programs meanwhile, so only our own objects are compared.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import { shippedObject } from '../helpers/bpfObjects';
import { startAgent, type AgentProcess } from '../helpers/agentProcess';
import { AGENT_PIN_ROOT, leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { runOk } from '../helpers/run';

const TOKEN = runToken('lsn');
const NS = `end_${TOKEN}_a`;
const BPFTOOLS = [
  ['7.5', '/opt/ebpf-netdebug/bpftool-7.5/usr/sbin/bpftool'],
  ['7.1', '/usr/sbin/bpftool'],
] as const;

before(async () => {
  await sweepStale('lsn');
  await sweep(TOKEN);
  await runOk(['ip', 'netns', 'add', NS]);
  await runOk(['ip', '-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  await runOk(['ip', '-n', NS, 'link', 'set', 'v0', 'up']);
  await runOk(['ip', '-n', NS, 'link', 'set', 'v1', 'up']);
});

after(async () => {
  await sweep(TOKEN);
  assert.deepEqual(await leftovers(TOKEN), []);
});

for (const [label, bpftool] of BPFTOOLS) {
  describe(`listings.snapshot with bpftool ${label}`, () => {
    let agent: AgentProcess;
    const first = `end_${TOKEN}_${label.replace('.', '')}a`;
    const second = `end_${TOKEN}_${label.replace('.', '')}b`;
    before(async () => {
      agent = await startAgent({ bpftool });
    });
    after(async () => {
      await agent.request(proto.detach, { attachment: `xdp:${NS}:v0` }).catch(() => undefined);
      for (const name of [first, second]) await agent.request(proto.objectUnload, { name }).catch(() => undefined);
      await agent.dispose();
    });

    it('shows our program, map, pins and attachment as the single listings do, then the new pins after a reload', async () => {
      const object = readFileSync(shippedObject('xdp_drop_ping')).toString('base64');
      const loaded = await agent.request(proto.objectLoad, { name: first, object });
      const prog = loaded.programs[0];
      await agent.request(proto.attachXdp, { program: `${first}/${prog.name}`, netns: NS, dev: 'v0', mode: 'generic' });

      const s = await agent.request0(proto.listingsSnapshot);
      assert.deepEqual(s.errors, {});
      const p = s.programs.find((x) => x.id === prog.id);
      assert.deepEqual(p?.pinned, [prog.pin]);
      assert.deepEqual(
        p,
        (await agent.request0(proto.listPrograms)).find((x) => x.id === prog.id),
        'as bpf.listPrograms says',
      );
      for (const m of loaded.maps) assert.deepEqual(s.maps.find((x) => x.id === m.id)?.pinned, [m.pin], m.name);
      const ns = s.net.namespaces.find((n) => n.name === NS);
      assert.deepEqual(ns, (await agent.request(proto.netList, { netns: NS })).namespaces[0], 'as net.list says');
      assert.deepEqual(
        ns?.attachments.map((a) => [a.id, a.progId]),
        [[`xdp:${NS}:v0`, prog.id]],
      );
      assert.deepEqual(
        s.attachments.find((a) => a.id === `xdp:${NS}:v0`),
        { id: `xdp:${NS}:v0`, kind: 'xdp', progId: prog.id, progName: prog.name, dev: 'v0', netns: NS, mode: 'generic' },
      );
      const ours = (pins: proto.ListingsSnapshotResult['pins']) => pins.filter((x) => x.path.startsWith(`${AGENT_PIN_ROOT}/end_${TOKEN}_`));
      assert.deepEqual(ours(s.pins), ours(await agent.request0(proto.pinsList)), 'as pins.list says');
      assert.deepEqual(
        ours(s.pins).find((x) => x.path === prog.pin),
        { path: prog.pin, kind: 'prog', id: prog.id },
      );

      await agent.request(proto.detach, { attachment: `xdp:${NS}:v0` });
      await agent.request(proto.objectUnload, { name: first });
      const again = await agent.request(proto.objectLoad, { name: second, object });
      const s2 = await agent.request0(proto.listingsSnapshot);
      assert.deepEqual(s2.errors, {});
      assert.equal(
        s2.programs.some((x) => x.pinned.some((pin) => pin.startsWith(`${AGENT_PIN_ROOT}/${first}/`))),
        false,
        'no pin of the unloaded object',
      );
      assert.deepEqual(s2.programs.find((x) => x.id === again.programs[0].id)?.pinned, [again.programs[0].pin]);
      assert.equal(s2.net.namespaces.find((n) => n.name === NS)?.attachments.length, 0, 'detached');
      assert.deepEqual(
        ours(s2.pins).map((x) => x.path),
        ours(await agent.request0(proto.pinsList)).map((x) => x.path),
      );
    });
  });
}
