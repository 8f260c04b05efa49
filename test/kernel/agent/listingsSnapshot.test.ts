// listings.snapshot (the tree's one request, one bpftool batch on the host) shows what the single listings show:
// our loaded object's program with its pin path, its map, the XDP attachment in our namespace with the id detach
// takes, our pins, and no errors; after the object is unloaded and loaded again under another name (bpffs
// changed, so the pin paths must come fresh from bpftool -f), the new pin paths and nothing of the old. With both
// bpftool versions. A second snapshot that says which parts the client has (`have`: their digests) gets those
// parts left out as unchanged, and after we load a program the programs part comes again, with it. Through the
// client's copies (extension/core/snapshotCopies.ts: have + deltas) and the tree model, a program loaded between
// two refreshes shows up (its program, maps and pins, sent as edits to the held copy) and disappears after it is
// unloaded, and the merged snapshot equals a whole one taken right after. Other tests load and unload programs
// meanwhile, so only our own objects are compared.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import { SnapshotCopies } from '../../../extension/core/snapshotCopies';
import { groupProgramsByType, indexMaps, takeSnapshot, type SnapshotSource } from '../../../extension/vscode/tree/model';
import { shippedObject } from '../helpers/bpfObjects';
import { expectError, startAgent, type AgentProcess } from '../helpers/agentProcess';
import { AGENT_PIN_ROOT, leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { runOk } from '../helpers/run';
import { until } from '../helpers/until';

const TOKEN = runToken('lsn');
const NS = `end_${TOKEN}_a`;
/** A reply to a request without `have`: every part is there. */
function full(r: proto.ListingsSnapshotReply): proto.ListingsSnapshotReply & proto.ListingsSnapshotResult {
  assert.deepEqual(r.unchanged, [], 'nothing unchanged without have');
  for (const part of proto.SNAPSHOT_PARTS) assert.ok(r[part] !== undefined, `${part} sent`);
  return r as proto.ListingsSnapshotReply & proto.ListingsSnapshotResult;
}
const sha1 = (v: unknown) => createHash('sha1').update(JSON.stringify(v)).digest('hex');

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
    const third = `end_${TOKEN}_${label.replace('.', '')}c`;
    const fourth = `end_${TOKEN}_${label.replace('.', '')}d`;
    before(async () => {
      agent = await startAgent({ bpftool });
    });
    after(async () => {
      await agent.request(proto.detach, { attachment: `xdp:${NS}:v0` }).catch(() => undefined);
      for (const name of [first, second, third, fourth]) await agent.request(proto.objectUnload, { name }).catch(() => undefined);
      await agent.dispose();
    });

    it('shows our program, map, pins and attachment as the single listings do, then the new pins after a reload', async () => {
      const object = readFileSync(shippedObject('xdp_drop_ping')).toString('base64');
      const loaded = await agent.request(proto.objectLoad, { name: first, object });
      const prog = loaded.programs[0];
      await agent.request(proto.attachXdp, { program: `${first}/${prog.name}`, netns: NS, dev: 'v0', mode: 'generic' });

      const s = full(await agent.request(proto.listingsSnapshot, {}));
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
      const s2 = full(await agent.request(proto.listingsSnapshot, {}));
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

    it('leaves out the parts the client has (have: digests), and sends programs again after a load', async () => {
      const s1 = full(await agent.request(proto.listingsSnapshot, {}));
      for (const part of proto.SNAPSHOT_PARTS) assert.equal(s1.digests[part], sha1(s1[part]), `${part}: sha1 of its JSON`);
      // other tests may load a program between two snapshots: ask until one pair saw the same kernel
      let s2: proto.ListingsSnapshotReply | undefined;
      let have = s1.digests;
      await until(async () => {
        s2 = await agent.request(proto.listingsSnapshot, { have });
        if (s2.unchanged.length === proto.SNAPSHOT_PARTS.length) return true;
        have = s2.digests;
        return false;
      }, 'a snapshot with every part unchanged');
      assert.deepEqual(s2!.unchanged, [...proto.SNAPSHOT_PARTS]);
      for (const part of proto.SNAPSHOT_PARTS) assert.equal(s2![part], undefined, `${part} left out`);
      assert.deepEqual(s2!.digests, have);
      assert.deepEqual(s2!.errors, {});

      const loaded = await agent.request(proto.objectLoad, {
        name: third,
        object: readFileSync(shippedObject('xdp_drop_ping')).toString('base64'),
      });
      const s3 = await agent.request(proto.listingsSnapshot, { have });
      assert.equal(s3.unchanged.includes('programs'), false, 'programs changed');
      assert.notEqual(s3.digests.programs, have.programs);
      assert.deepEqual(s3.programs?.find((p) => p.id === loaded.programs[0].id)?.pinned, [loaded.programs[0].pin]);
      assert.equal(s3.digests.programs, sha1(s3.programs));
      for (const part of s3.unchanged) assert.equal(s3[part], undefined, `${part} left out`);

      // have names only known parts, each with a sha1 digest
      for (const bad of [{ programs: 'xyz' }, { programs: 'A'.repeat(40) }, { everything: '0'.repeat(40) }])
        assert.equal(
          (await expectError(agent.request(proto.listingsSnapshot, { have: bad as never }))).code,
          proto.AgentErrorCode.InvalidParams,
        );
    });

    it('through the client copies and the tree model: a program loaded between two refreshes shows, and goes when unloaded', async () => {
      const copies = new SnapshotCopies();
      const replies: proto.ListingsSnapshotReply[] = [];
      const unused = async (): Promise<never> => {
        throw new Error('the tree takes one listings.snapshot');
      };
      const src: SnapshotSource = {
        listPrograms: unused,
        listMaps: unused,
        netList: unused,
        cgroupList: unused,
        pinsList: unused,
        labList: unused,
        attachmentsList: unused,
        listingsSnapshot: async () => {
          const ask = copies.ask();
          const reply = await agent.request(proto.listingsSnapshot, ask.params);
          replies.push(reply);
          return copies.merge(reply, ask);
        },
      };
      const tree = async () => {
        const s = await takeSnapshot(src);
        assert.deepEqual(s.errors, {});
        const programs = new Map(groupProgramsByType(s.programs).flatMap((g) => g.programs.map((p) => [p.id, p] as const)));
        return { s, programs, maps: indexMaps(s.maps) };
      };
      await tree();
      const loaded = await agent.request(proto.objectLoad, {
        name: fourth,
        object: readFileSync(shippedObject('xdp_drop_ping')).toString('base64'),
      });
      const prog = loaded.programs[0];
      const after = await tree();
      assert.equal(replies.at(-1)?.programs, undefined, 'programs not sent whole');
      assert.ok(replies.at(-1)?.deltas?.programs, 'programs sent as the edits to the held copy');
      assert.deepEqual(after.programs.get(prog.id)?.pinned, [prog.pin], 'the new program, with its pin');
      for (const m of loaded.maps) assert.deepEqual(after.maps.get(m.id)?.pinned, [m.pin], m.name);
      assert.ok(after.s.pins.some((x) => x.path === prog.pin && x.kind === 'prog' && x.id === prog.id));

      await agent.request(proto.objectUnload, { name: fourth });
      // The kernel frees a program's maps a moment after the program (its deferred free drops their references): a
      // refresh right after the unload may still list them, as bpftool does. Wait for the refresh that does not.
      let gone = await tree();
      await until(async () => {
        gone = await tree();
        return !gone.programs.has(prog.id) && loaded.maps.every((m) => !gone.maps.has(m.id));
      }, 'a refresh without the unloaded program and its maps');
      assert.equal(gone.programs.has(prog.id), false, 'the unloaded program is gone');
      for (const m of loaded.maps) assert.equal(gone.maps.has(m.id), false, m.name);
      assert.equal(
        gone.s.pins.some((x) => x.path.startsWith(`${AGENT_PIN_ROOT}/${fourth}/`)),
        false,
      );
      // the merged copies are the kernel's state: equal to a whole snapshot when nothing changed in between
      await until(async () => {
        const merged = (await tree()).s;
        const whole = full(await agent.request(proto.listingsSnapshot, {}));
        const { digests: _d, unchanged: _u, deltas: _x, ...parts } = whole;
        try {
          assert.deepEqual(merged, parts);
          return true;
        } catch {
          return false;
        }
      }, 'a merged snapshot equal to a whole one');
    });
  });
}
