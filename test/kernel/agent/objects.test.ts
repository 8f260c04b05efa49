// object.load / unload / list, listings, dumps and the verifier rejection, against the real kernel, with both
// bpftool versions where their output differs. Token: aob (objects aob_*).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import { type AgentProcess, BPFTOOL_71, BPFTOOL_75, expectError, startAgent } from '../helpers/agentProcess';
import { compileFixture } from '../helpers/bpfObjects';
import { removeNamed } from '../helpers/cleanup';
import { runSync } from '../helpers/run';
import { tmpDir } from '../helpers/scratch';

const { AgentErrorCode } = proto;
const PIN = '/sys/fs/bpf/ebpf-netdebug';
const OBJECTS = ['aob_pass', 'aob_pass2', 'aob_broken', 'aob_reuse', 'aob_path', 'aob_att'];
const pins = () => OBJECTS.map((o) => `${PIN}/${o}`);

for (const [label, bpftool] of [
  ['7.5', BPFTOOL_75],
  ['7.1', BPFTOOL_71],
] as const) {
  describe(`objects with bpftool ${label}`, () => {
    let agent: AgentProcess;
    let dir: string;
    let pass: Buffer;
    before(async () => {
      removeNamed({ pins: pins() });
      agent = await startAgent({ bpftool });
      dir = tmpDir('aob');
      pass = compileFixture('xdp_pass', dir);
    });
    after(async () => {
      for (const o of OBJECTS) await agent.connection.sendRequest(proto.objectUnload, { name: o }).catch(() => undefined);
      await agent.dispose();
      removeNamed({ pins: pins(), netns: ['end_aob_a'] });
    });

    it('load pins programs and maps; listings, pins.list and object.list show them', async () => {
      const c = agent.connection;
      const obj = await c.sendRequest(proto.objectLoad, { name: 'aob_pass', object: pass.toString('base64') });
      assert.equal(obj.dir, `${PIN}/aob_pass`);
      assert.deepEqual(
        obj.programs.map((p) => [p.name, p.type, p.section, p.pin]),
        [['xdp_pass_prog', 'xdp', 'xdp', `${PIN}/aob_pass/xdp_pass_prog`]],
      );
      assert.deepEqual(
        obj.maps.map((m) => [m.name, m.type, m.pin]),
        [['pass_count', 'array', `${PIN}/aob_pass/maps/pass_count`]],
      );
      assert.ok(existsSync(`${PIN}/aob_pass/xdp_pass_prog`));

      const progs = await c.sendRequest(proto.listPrograms);
      const p = progs.find((x) => x.id === obj.programs[0].id);
      assert.equal(p?.name, 'xdp_pass_prog');
      assert.deepEqual(p?.pinned, [`${PIN}/aob_pass/xdp_pass_prog`]);
      const maps = await c.sendRequest(proto.listMaps);
      const m = maps.find((x) => x.id === obj.maps[0].id);
      assert.deepEqual([m?.name, m?.keySize, m?.valueSize, m?.maxEntries], ['pass_count', 4, 8, 256]);
      assert.deepEqual(p?.mapIds.includes(obj.maps[0].id), true);

      const pinList = await c.sendRequest(proto.pinsList);
      assert.deepEqual(
        pinList.find((x) => x.path === `${PIN}/aob_pass/xdp_pass_prog`),
        { path: `${PIN}/aob_pass/xdp_pass_prog`, kind: 'prog', id: obj.programs[0].id },
      );
      assert.equal(pinList.find((x) => x.path === `${PIN}/aob_pass/maps/pass_count`)?.kind, 'map');
      assert.equal(pinList.find((x) => x.path === `${PIN}/aob_pass`)?.kind, 'dir');
      assert.deepEqual(
        (await c.sendRequest(proto.objectList)).find((o) => o.name === 'aob_pass'),
        obj,
      );
    });

    it('a second load under the same name is refused; replace reloads', async () => {
      const c = agent.connection;
      const before = (await c.sendRequest(proto.objectList)).find((o) => o.name === 'aob_pass')!;
      const e = await expectError(c.sendRequest(proto.objectLoad, { name: 'aob_pass', object: pass.toString('base64') }));
      assert.equal(e.code, AgentErrorCode.AlreadyAttached);
      assert.equal(e.data?.argument, 'name');
      const again = await c.sendRequest(proto.objectLoad, { name: 'aob_pass', object: pass.toString('base64'), replace: true });
      assert.notEqual(again.programs[0].id, before.programs[0].id);
      assert.equal(
        (await c.sendRequest(proto.listPrograms)).some((p) => p.id === before.programs[0].id),
        false,
        'the old program is gone',
      );
    });

    it('map.dump is BTF-formatted; prog.dumpXlated carries source lines', async () => {
      const c = agent.connection;
      const dump = await c.sendRequest(proto.mapDump, { map: 'aob_pass/pass_count', limit: 5 });
      assert.equal(dump.entries.length, 5);
      assert.equal(dump.truncated, true);
      assert.deepEqual(dump.entries[1], { key: 1, value: 0, keyHex: ['0x01', '0x00', '0x00', '0x00'], valueHex: Array(8).fill('0x00') });
      const x = await c.sendRequest(proto.progDumpXlated, { program: 'aob_pass/xdp_pass_prog' });
      const lookup = x.insns.find((i) => i.src?.includes('bpf_map_lookup_elem'));
      assert.equal(lookup?.line, 18);
      assert.match(lookup?.file ?? '', /xdp_pass\.bpf\.c$/);
      assert.match(x.insns.at(-1)!.disasm, /exit/);
    });

    it("reuseMaps: a second object shares the first one's map", async () => {
      const c = agent.connection;
      const first = (await c.sendRequest(proto.objectList)).find((o) => o.name === 'aob_pass')!;
      const second = await c.sendRequest(proto.objectLoad, {
        name: 'aob_reuse',
        object: pass.toString('base64'),
        reuseMaps: { pass_count: 'aob_pass/pass_count' },
      });
      const prog = (await c.sendRequest(proto.listPrograms)).find((p) => p.id === second.programs[0].id)!;
      assert.deepEqual(prog.mapIds, [first.maps[0].id]);
      const bad = await expectError(
        c.sendRequest(proto.objectLoad, { name: 'aob_pass2', object: pass.toString('base64'), reuseMaps: { pass_count: 'aob_nothing/m' } }),
      );
      assert.equal(bad.data?.argument, 'reuseMaps.pass_count');
    });

    it('load by path, and a program type override', async () => {
      const c = agent.connection;
      const obj = await c.sendRequest(proto.objectLoad, { name: 'aob_path', path: `${dir}/xdp_pass.o`, programType: 'xdp' });
      assert.equal(obj.programs[0].type, 'xdp');
      const missing = await expectError(c.sendRequest(proto.objectLoad, { name: 'aob_pass2', path: '/nonexistent/x.o' }));
      assert.equal(missing.data?.argument, 'path');
      const type = await expectError(
        c.sendRequest(proto.objectLoad, { name: 'aob_pass2', path: `${dir}/xdp_pass.o`, programType: 'xdp;id' }),
      );
      assert.equal(type.data?.argument, 'programType');
    });

    it('the verifier rejection names the C line and message; nothing stays pinned', async () => {
      const broken = compileFixture('xdp_broken', dir);
      const e = await expectError(
        agent.connection.sendRequest(proto.objectLoad, { name: 'aob_broken', object: broken.toString('base64') }),
      );
      assert.equal(e.code, AgentErrorCode.VerifierRejected);
      const v = e.data!.verifier!;
      assert.deepEqual(v.source, { file: 'xdp_broken.bpf.c', line: 18, code: 'if (iph->protocol == 1)' });
      assert.match(v.message, /^invalid access to packet, off=23 size=1/);
      assert.match(v.instruction ?? '', /^8: \(71\) r1 = \*\(u8 \*\)\(r1 \+14\)$/);
      assert.equal(v.program, 'xdp_broken');
      assert.match(e.message, /xdp_broken\.bpf\.c:18/);
      assert.equal(existsSync(`${PIN}/aob_broken`), false, 'a failed load leaves no pins');
      assert.ok(!readdirSync(`${agent.stateDir}/objects`).some((f) => f.startsWith('aob_broken')), 'nor a record');
    });

    it('unload refuses while a program is attached, and removes every pin once detached', async () => {
      const c = agent.connection;
      runSync(['ip', 'netns', 'add', 'end_aob_a']);
      runSync(['ip', '-n', 'end_aob_a', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
      await c.sendRequest(proto.objectLoad, { name: 'aob_att', object: pass.toString('base64') });
      const att = await c.sendRequest(proto.attachXdp, {
        program: 'aob_att/xdp_pass_prog',
        dev: 'v0',
        netns: 'end_aob_a',
        mode: 'generic',
      });
      const e = await expectError(c.sendRequest(proto.objectUnload, { name: 'aob_att' }));
      assert.equal(e.code, AgentErrorCode.AlreadyAttached);
      assert.match(e.message, /xdp:end_aob_a:v0/);
      assert.ok(existsSync(`${PIN}/aob_att/xdp_pass_prog`), 'nothing was removed');
      await c.sendRequest(proto.detach, { attachment: att.id });
      const r = await c.sendRequest(proto.objectUnload, { name: 'aob_att' });
      assert.deepEqual(r.removedPins.sort(), [`${PIN}/aob_att/maps/pass_count`, `${PIN}/aob_att/xdp_pass_prog`]);
      assert.equal(existsSync(`${PIN}/aob_att`), false);
      const gone = await expectError(c.sendRequest(proto.objectUnload, { name: 'aob_att' }));
      assert.equal(gone.code, AgentErrorCode.NotFound);
      runSync(['ip', 'netns', 'del', 'end_aob_a']);
    });

    it('the private state dir is 0700', () => {
      assert.equal(statSync(agent.stateDir).mode & 0o777, 0o700);
    });
  });
}
