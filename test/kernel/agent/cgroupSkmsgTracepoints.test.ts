// cgroup sock_ops + sk_msg (SOCKHASH) and tracepoints through the agent. Observed by effect: the sk_msg program
// counts the messages of a TCP exchange run inside the cgroup; the tracepoint program counts packets of a ping.
// Token: acg (cgroup end_acg_cg, netns end_acg_a, objects acg_*).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import type { Attachment } from '../../../protocol/types';
import { type AgentProcess, BPFTOOL_71, BPFTOOL_75, expectError, startAgent } from '../helpers/agentProcess';
import { compileFixture } from '../helpers/bpfObjects';
import { removeNamed } from '../helpers/cleanup';
import { nsArgv } from '../helpers/netns';
import { runSync } from '../helpers/run';
import { tmpDir } from '../helpers/scratch';

const { AgentErrorCode } = proto;
const CG = '/sys/fs/cgroup/unified/end_acg_cg';
const NS = 'end_acg_a';
const PIN = '/sys/fs/bpf/ebpf-netdebug';

/** A TCP exchange over 127.0.0.1 by a process that first moves itself into the cgroup. */
function tcpExchangeInCgroup(messages: number): void {
  const script = `
    const fs = require('fs'); const net = require('net');
    fs.writeFileSync(${JSON.stringify(`${CG}/cgroup.procs`)}, String(process.pid));
    const srv = net.createServer((s) => s.on('data', (d) => s.write(d))).listen(0, '127.0.0.1', () => {
      const c = net.connect(srv.address().port, '127.0.0.1');
      let got = 0, sent = 0;
      const next = () => { if (sent < ${messages}) { sent++; c.write('ping ' + sent + '\\n'); } else { c.end(); srv.close(); } };
      c.on('connect', next); c.on('data', (d) => { got += d.length; next(); });
    });`;
  const r = spawnSync('nsenter', [`--net=/run/netns/${NS}`, '--', process.execPath, '-e', script], { timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr?.toString());
}

describe('cgroup sock_ops, sk_msg and tracepoints', () => {
  let agent: AgentProcess;
  let agent71: AgentProcess;
  let dir: string;
  before(async () => {
    removeNamed({ netns: [NS], pins: [`${PIN}/acg_so`, `${PIN}/acg_tp`, `${PIN}/acg_tp71`], cgroups: [CG] });
    runSync(['ip', 'netns', 'add', NS]);
    runSync(nsArgv(NS, ['ip', 'link', 'set', 'lo', 'up']));
    agent = await startAgent({ bpftool: BPFTOOL_75 });
    agent71 = await startAgent({ bpftool: BPFTOOL_71 });
    dir = tmpDir('acg');
  });
  after(async () => {
    const c = agent.connection;
    const left: Attachment[] = await c.sendRequest(proto.attachmentsList).catch(() => []);
    for (const a of left) {
      if (a.id.includes('/acg_') || a.id.includes('end_acg_cg'))
        await c.sendRequest(proto.detach, { attachment: a.id }).catch(() => undefined);
    }
    for (const o of ['acg_so', 'acg_tp', 'acg_tp71']) await c.sendRequest(proto.objectUnload, { name: o }).catch(() => undefined);
    await agent.dispose();
    await agent71.dispose();
    removeNamed({ netns: [NS], pins: [`${PIN}/acg_so`, `${PIN}/acg_tp`, `${PIN}/acg_tp71`], cgroups: [CG] });
  });

  it('sock_ops on a created end_ cgroup + msg_verdict on its SOCKHASH: the sk_msg program sees the messages', async () => {
    const c = agent.connection;
    await c.sendRequest(proto.objectLoad, { name: 'acg_so', object: compileFixture('sockops_min', dir).toString('base64') });
    const bad = await expectError(
      c.sendRequest(proto.attachCgroup, { program: 'acg_so/min_sockops', cgroup: '/sys/fs/cgroup/memory', type: 'sock_ops' }),
    );
    assert.equal(bad.data?.argument, 'cgroup');
    const notEnd = await expectError(
      c.sendRequest(proto.attachCgroup, { program: 'acg_so/min_sockops', cgroup: 'mine', type: 'sock_ops', create: true }),
    );
    assert.equal(notEnd.data?.argument, 'cgroup');

    const cg = await c.sendRequest(proto.attachCgroup, {
      program: 'acg_so/min_sockops',
      cgroup: 'end_acg_cg',
      type: 'sock_ops',
      create: true,
    });
    assert.ok(existsSync(CG));
    assert.equal(cg.id, `cgroup:sock_ops:${CG}:${cg.progId}`);
    const sk = await c.sendRequest(proto.attachSkMsg, { program: 'acg_so/min_skmsg', map: 'acg_so/min_sock_hash' });
    assert.equal(sk.id, `sk_msg:msg_verdict:${PIN}/acg_so/maps/min_sock_hash:${sk.progId}`);

    const listed = await c.sendRequest(proto.cgroupList, { path: CG });
    assert.deepEqual(
      listed.map((x) => [x.attachType, x.progId, x.progName]),
      [['sock_ops', cg.progId, 'min_sockops']],
    );
    const ids = (await c.sendRequest(proto.attachmentsList)).map((a) => a.id);
    assert.ok(ids.includes(cg.id) && ids.includes(sk.id), 'attachments.list shows both');

    tcpExchangeInCgroup(20);
    const msgs = (await c.sendRequest(proto.mapDump, { map: 'acg_so/min_msgs' })).entries[0].value as number;
    assert.ok(msgs >= 20, `sk_msg ran on the exchange's messages (${msgs})`);

    await c.sendRequest(proto.detach, { attachment: sk.id });
    await c.sendRequest(proto.detach, { attachment: cg.id });
    assert.deepEqual(await c.sendRequest(proto.cgroupList, { path: CG }), []);
    tcpExchangeInCgroup(5);
    const after = (await c.sendRequest(proto.mapDump, { map: 'acg_so/min_msgs' })).entries[0].value as number;
    assert.equal(after, msgs, 'detached: nothing counts any more');
    const again = await expectError(c.sendRequest(proto.detach, { attachment: cg.id }));
    assert.equal(again.code, AgentErrorCode.NotFound);
  });

  it('tracepoints with bpftool 7.5 autoattach: the program counts a ping, detach stops it; 7.1 says Unsupported', async () => {
    const c = agent.connection;
    const bytes = compileFixture('tp_marker', dir).toString('base64');
    await c.sendRequest(proto.objectLoad, { name: 'acg_tp', object: bytes });
    const att = await c.sendRequest(proto.attachTracepoints, { object: 'acg_tp' });
    assert.equal(att.id, 'tracepoints:acg_tp');
    const links = (await c.sendRequest(proto.listLinks)).filter((l) => l.pinned.some((p) => p.startsWith(`${PIN}/acg_tp/links/`)));
    assert.equal(links.length, 1);
    assert.equal(links[0].type, 'perf_event');
    runSync(nsArgv(NS, ['ping', '-c', '3', '-i', '0.2', '127.0.0.1']));
    const hits = (await c.sendRequest(proto.mapDump, { map: 'acg_tp/tp_hits' })).entries[0].value as number;
    assert.ok(hits >= 6, `net_dev_queue fired for the pings (${hits})`);
    const refused = await expectError(c.sendRequest(proto.objectUnload, { name: 'acg_tp' }));
    assert.equal(refused.code, AgentErrorCode.AlreadyAttached);
    await c.sendRequest(proto.detach, { attachment: att.id });
    assert.equal((await c.sendRequest(proto.listLinks)).filter((l) => l.pinned.some((p) => p.startsWith(`${PIN}/acg_tp/`))).length, 0);

    await agent71.connection.sendRequest(proto.objectLoad, { name: 'acg_tp71', object: bytes });
    const e = await expectError(agent71.connection.sendRequest(proto.attachTracepoints, { object: 'acg_tp71' }));
    assert.equal(e.code, AgentErrorCode.Unsupported);
    assert.match(e.message, /bpftool >= 7\.2/);
  });
});
