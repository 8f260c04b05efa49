// XDP through the agent on a lab's veth: native and generic, via bpftool and iproute2, with bpftool 7.5 and 7.1;
// observed with `bpftool -j net show` (the mode the kernel reports) and by effect (ping loss). Includes the
// generic-detach trap: a plain `xdp` detach leaves a generic program attached; the agent's detach must not.
// Token: axd (lab axd, objects axd_*).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentErrorCode, attachXdp, detach, labCreate, labDestroy, objectLoad, objectUnload } from '../../../protocol/agent';
import type { Lab } from '../../../protocol/types';
import { type AgentProcess, BPFTOOL_71, BPFTOOL_75, expectError, startAgent } from '../helpers/agentProcess';
import { compileFixture } from '../helpers/bpfObjects';
import { removeNamed } from '../helpers/cleanup';
import { ipOf } from '../helpers/lab';
import { nsArgv } from '../helpers/netns';
import { pingLoss } from '../helpers/ping';
import { runSync } from '../helpers/run';
import { tmpDir } from '../helpers/scratch';

const LAB = 'axd';
const NS_A = `end_${LAB}_a`;
const NS_B = `end_${LAB}_b`;

/** The XDP attachment on eth0 of host b, as the kernel reports it. */
function kernelXdp(): { mode: string; id: number } | undefined {
  const out = runSync(nsArgv(NS_B, [BPFTOOL_75, '-j', 'net', 'show', 'dev', 'eth0'])).stdout;
  return (JSON.parse(out) as { xdp: { mode: string; id: number }[] }[])[0]?.xdp[0];
}

for (const [label, bpftool] of [
  ['bpftool 7.5', BPFTOOL_75],
  ['bpftool 7.1', BPFTOOL_71],
] as const) {
  describe(`XDP with ${label}`, () => {
    let agent: AgentProcess;
    let lab: Lab;
    let bAddr: string;
    const obj = `axd_drop${bpftool === BPFTOOL_71 ? '71' : '75'}`;
    const prog = `${obj}/xdp_drop_icmp`;

    before(async () => {
      removeNamed({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${obj}`] });
      agent = await startAgent({ bpftool });
      lab = await agent.connection.sendRequest(labCreate, { name: LAB, topology: { kind: 'pair' } });
      bAddr = ipOf(lab.hosts.find((h) => h.role === 'b')!.interfaces[0].addresses[0]);
      const bytes = compileFixture('xdp_drop_icmp', tmpDir('axd'));
      const loaded = await agent.connection.sendRequest(objectLoad, { name: obj, object: bytes.toString('base64') });
      assert.deepEqual(
        loaded.programs.map((p) => [p.name, p.type, p.section]),
        [['xdp_drop_icmp', 'xdp', 'xdp']],
      );
    });
    after(async () => {
      await agent.connection.sendRequest(labDestroy, { name: LAB }).catch(() => undefined);
      await agent.connection.sendRequest(objectUnload, { name: obj }).catch(() => undefined);
      await agent.dispose();
      removeNamed({ netns: [NS_A, NS_B], pins: [`/sys/fs/bpf/ebpf-netdebug/${obj}`] });
    });

    for (const via of ['bpftool', 'iproute2'] as const) {
      for (const mode of ['native', 'generic'] as const) {
        it(`${mode} via ${via}: ping fails while attached and works after detach`, async () => {
          assert.equal(await pingLoss(NS_A, bAddr), 0, 'ping works before');
          const att = await agent.connection.sendRequest(attachXdp, { program: prog, dev: 'eth0', netns: NS_B, mode, via });
          const expected = mode === 'native' ? 'driver' : 'generic';
          assert.equal(att.id, `xdp:${NS_B}:eth0`);
          assert.equal(att.progName, 'xdp_drop_icmp');
          assert.equal(att.mode, expected);
          assert.equal(kernelXdp()?.mode, expected, 'bpftool net show reports the mode');
          assert.equal(kernelXdp()?.id, att.progId);
          assert.equal(await pingLoss(NS_A, bAddr), 100, 'the program drops ICMP');
          const d = await agent.connection.sendRequest(detach, { attachment: att.id });
          assert.equal(d.detached.mode, expected);
          assert.equal(d.detached.progName, 'xdp_drop_icmp', 'the reply names the program that went');
          assert.equal(kernelXdp(), undefined, 'nothing attached after detach');
          assert.equal(await pingLoss(NS_A, bAddr), 0, 'ping works again');
        });
      }
    }

    it('the generic-detach trap: `xdp` detach leaves a generic program, the agent detach removes it', async () => {
      const att = await agent.connection.sendRequest(attachXdp, { program: prog, dev: 'eth0', netns: NS_B, mode: 'generic' });
      // what a naive tool does: returns 0 and leaves the program attached
      runSync(nsArgv(NS_B, [bpftool, 'net', 'detach', 'xdp', 'dev', 'eth0']));
      runSync(nsArgv(NS_B, ['ip', 'link', 'set', 'dev', 'eth0', 'xdp', 'off']));
      assert.equal(kernelXdp()?.mode, 'generic', 'the trap is real on this kernel');
      assert.equal(await pingLoss(NS_A, bAddr), 100);
      await agent.connection.sendRequest(detach, { attachment: att.id });
      assert.equal(kernelXdp(), undefined);
      assert.equal(await pingLoss(NS_A, bAddr), 0);
    });

    it('attaching twice is AlreadyAttached; replace overwrites; native over generic is refused', async () => {
      const first = await agent.connection.sendRequest(attachXdp, { program: prog, dev: 'eth0', netns: NS_B, mode: 'native' });
      try {
        const again = await expectError(
          agent.connection.sendRequest(attachXdp, { program: prog, dev: 'eth0', netns: NS_B, mode: 'native' }),
        );
        assert.equal(again.code, AgentErrorCode.AlreadyAttached);
        assert.ok(again.data?.stderr, 'the tool output travels in data');
        const replaced = await agent.connection.sendRequest(attachXdp, {
          program: prog,
          dev: 'eth0',
          netns: NS_B,
          mode: 'native',
          replace: true,
        });
        assert.equal(replaced.progId, first.progId);
        const generic = await expectError(
          agent.connection.sendRequest(attachXdp, { program: prog, dev: 'eth0', netns: NS_B, mode: 'generic' }),
        );
        assert.equal(generic.code, AgentErrorCode.AlreadyAttached);
      } finally {
        await agent.connection.sendRequest(detach, { attachment: first.id });
      }
      assert.equal(kernelXdp(), undefined);
    });

    it('offload on veth is Unsupported; a missing interface is NotFound; a program given by id works', async () => {
      const off = await expectError(agent.connection.sendRequest(attachXdp, { program: prog, dev: 'eth0', netns: NS_B, mode: 'offload' }));
      assert.equal(off.code, AgentErrorCode.Unsupported);
      const missing = await expectError(agent.connection.sendRequest(attachXdp, { program: prog, dev: 'eth9', netns: NS_B }));
      assert.equal(missing.code, AgentErrorCode.NotFound);
      assert.equal(missing.data?.argument, 'dev');
      const byPin = await agent.connection.sendRequest(attachXdp, {
        program: `/sys/fs/bpf/ebpf-netdebug/${prog}`,
        dev: 'eth0',
        netns: NS_B,
        mode: 'generic',
      });
      const byId = await agent.connection.sendRequest(attachXdp, {
        program: `id:${byPin.progId}`,
        dev: 'eth0',
        netns: NS_B,
        mode: 'generic',
        replace: true,
      });
      assert.equal(byId.progId, byPin.progId);
      await agent.connection.sendRequest(detach, { attachment: byId.id });
      const none = await expectError(agent.connection.sendRequest(detach, { attachment: byId.id }));
      assert.equal(none.code, AgentErrorCode.NotFound);
    });
  });
}
