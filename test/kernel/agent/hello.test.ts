// agent.hello and the agent's robustness: bad input gets a clear error naming the argument, and the agent keeps
// serving afterwards. Token: ahl.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { AgentErrorCode, hello, attachXdp, labCreate, netList, objectLoad, detach, traceStop, listPrograms } from '../../../protocol/agent';
import { AGENT_BUNDLE, type AgentProcess, BPFTOOL_71, BPFTOOL_75, buildAgent, expectError, startAgent } from '../helpers/agentProcess';
import { tmpDir } from '../helpers/scratch';

const client = { clientName: 'kernel-test', clientVersion: '0' };

describe('agent.hello', () => {
  let agent: AgentProcess;
  before(async () => (agent = await startAgent()));
  after(() => agent.dispose());

  it('reports this host: kernel, bpftool 7.5 chosen by default with its features, mounts, BTF, root', async () => {
    const f = await agent.connection.sendRequest(hello, client);
    assert.match(f.kernelRelease, /^6\.\d+/);
    assert.equal(f.arch, 'x64');
    assert.equal(f.nodeVersion, process.version);
    assert.equal(f.bpftool?.path, BPFTOOL_75, 'the newest bpftool wins');
    assert.equal(f.bpftool?.version, '7.5.0');
    assert.deepEqual(f.bpftool?.features, { autoattach: true, tcx: true, netShowTcx: true });
    assert.equal(f.bpffs.mounted, true);
    assert.equal(f.tracefs.mounted, true);
    assert.equal(f.btf.present, true);
    assert.equal(f.privileges.root, true);
    assert.match(f.bpftrace?.version ?? '', /^0\.\d+/);
    assert.match(f.clang?.version ?? '', /^\d+\./);
    assert.match(f.agentChecksum ?? '', /^[0-9a-f]{64}$/);
    assert.equal(f.agentPid, agent.child.pid);
  });

  it('bad input: a clear error naming the argument, and the agent still answers hello', async () => {
    const c = agent.connection;
    // shapes the schema (protocol/schemas.ts) refuses are InvalidParams; meanings the handler refuses BadArgument
    const metachar = await expectError(c.sendRequest(attachXdp, { program: 'id:1', dev: 'eth0;reboot' }));
    assert.equal(metachar.code, AgentErrorCode.InvalidParams);
    assert.equal(metachar.data?.argument, 'dev');
    assert.match(metachar.message, /eth0;reboot/);

    const long = await expectError(c.sendRequest(attachXdp, { program: 'id:1', dev: 'averyveryverylongname' }));
    assert.equal(long.data?.argument, 'dev');

    const ns = await expectError(c.sendRequest(netList, { netns: 'end_ahl_missing' }));
    assert.equal(ns.code, AgentErrorCode.NotFound);
    assert.equal(ns.data?.argument, 'netns');

    const badNs = await expectError(c.sendRequest(attachXdp, { program: 'id:1', dev: 'eth0', netns: '../../proc/1/ns/net' }));
    assert.equal(badNs.code, AgentErrorCode.InvalidParams);
    assert.equal(badNs.data?.argument, 'netns');

    const lab = await expectError(c.sendRequest(labCreate, { name: 'x;rm -rf', topology: { kind: 'pair' } }));
    assert.equal(lab.data?.argument, 'name');

    const obj = await expectError(c.sendRequest(objectLoad, { name: 'ahl_bad', object: Buffer.from('not elf').toString('base64') }));
    assert.equal(obj.code, AgentErrorCode.BadArgument);
    assert.equal(obj.data?.argument, 'object');

    const prog = await expectError(c.sendRequest(attachXdp, { program: 'ahl_none/prog', dev: 'lo' }));
    assert.equal(prog.code, AgentErrorCode.NotFound);
    assert.equal(prog.data?.argument, 'program');

    const id = await expectError(c.sendRequest(detach, { attachment: 'xdp:root' }));
    assert.equal(id.data?.argument, 'attachment');

    const stream = await expectError(c.sendRequest(traceStop, { stream: 'nope' }));
    assert.equal(stream.code, AgentErrorCode.NotFound);

    const noParams = await expectError(c.sendRequest('attach.xdp', 'just a string'));
    assert.equal(noParams.data?.argument, 'params');

    const unknown = await expectError(c.sendRequest('no.such.method', {}));
    assert.equal(unknown.code, -32601, 'JSON-RPC MethodNotFound');

    const f = await c.sendRequest(hello, client);
    assert.equal(f.bpftool?.version, '7.5.0');
    assert.equal(agent.child.exitCode, null, 'still running');
  });
});

describe('bpftool choice', () => {
  it('--bpftool picks bpftool 7.1, which has no autoattach and no tcx', async () => {
    const a = await startAgent({ bpftool: BPFTOOL_71 });
    try {
      const f = await a.connection.sendRequest(hello, client);
      assert.equal(f.bpftool?.version, '7.1.0');
      assert.deepEqual(f.bpftool?.features, { autoattach: false, tcx: false, netShowTcx: false });
    } finally {
      await a.dispose();
    }
  });

  it('a missing bpftool: hello says null, and requests that need it fail with ToolMissing naming it', async () => {
    const a = await startAgent({ bpftool: '/nonexistent/ahl/bpftool' });
    try {
      const f = await a.connection.sendRequest(hello, client);
      assert.equal(f.bpftool, null);
      const e = await expectError(a.connection.sendRequest(listPrograms));
      assert.equal(e.code, AgentErrorCode.ToolMissing);
      assert.equal(e.data?.tool, 'bpftool');
      assert.match(e.message, /\/nonexistent\/ahl\/bpftool/);
    } finally {
      await a.dispose();
    }
  });
});

it('nothing but JSON-RPC frames reaches stdout', async () => {
  buildAgent();
  const child = spawn(process.execPath, [AGENT_BUNDLE, '--state-dir', tmpDir('ahl-raw-state')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const send = (o: object) => {
    const body = JSON.stringify(o);
    child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };
  send({ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: client });
  send({ jsonrpc: '2.0', id: 2, method: 'attach.xdp', params: { dev: 'eth0;reboot' } });
  send({ jsonrpc: '2.0', id: 3, method: 'agent.shutdown' });
  await new Promise((r) => child.once('exit', r));
  // Every byte on stdout belongs to a frame: header, blank line, a JSON body of exactly Content-Length bytes.
  let rest = Buffer.from(out);
  const ids: number[] = [];
  while (rest.length) {
    const text = rest.toString('latin1');
    const m = /^Content-Length: (\d+)\r\n\r\n/.exec(text);
    assert.ok(m, `stdout holds something that is not a frame: ${text.slice(0, 80)}`);
    const start = m[0].length;
    const body = JSON.parse(rest.subarray(start, start + Number(m[1])).toString('utf8')) as { id?: number; jsonrpc: string };
    assert.equal(body.jsonrpc, '2.0');
    if (body.id !== undefined) ids.push(body.id);
    rest = rest.subarray(start + Number(m[1]));
  }
  assert.deepEqual(ids.sort(), [1, 2, 3]);
});
