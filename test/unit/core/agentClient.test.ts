// The agent client over an in-memory stream pair (../shared/docs/STYLE.md #3): the other end is a real vscode-jsonrpc
// connection serving the contract's method names, so these tests check the wire behaviour the real agent sees:
// method names and params, error codes and data turned into AgentError, notifications, and closing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ResponseError } from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as P from '../../../protocol/agent';
import { AgentClient, AgentError, ClientErrorCode } from '../../../extension/core/agentClient';
import { LocalTransport } from '../../../extension/core/transport/local';

function pair() {
  const toAgent = new PassThrough();
  const toClient = new PassThrough();
  const server = createMessageConnection(new StreamMessageReader(toAgent), new StreamMessageWriter(toClient));
  const client = new AgentClient(toClient, toAgent, { clientName: 'test', clientVersion: '9.9.9' });
  return { server, client, toAgent, toClient };
}

test('requests use the contract method names and params', async () => {
  const { server, client } = pair();
  const seen: [string, unknown][] = [];
  server.onRequest((method, params) => {
    seen.push([method, params]);
    if (method === 'attach.xdp') return { id: 'xdp:end_ac1_a:eth0', kind: 'xdp', progId: 7 };
    if (method === 'bpf.listPrograms') return [];
    return null;
  });
  server.listen();
  const att = await client.attachXdp({ program: 'o/p', dev: 'eth0', netns: 'end_ac1_a', mode: 'native' });
  assert.equal(att.id, 'xdp:end_ac1_a:eth0');
  assert.deepEqual(await client.listPrograms(), []);
  await client.hello();
  await client.detach({ attachment: att.id });
  assert.deepEqual(
    seen.map(([m]) => m),
    ['attach.xdp', 'bpf.listPrograms', 'agent.hello', 'detach'],
  );
  assert.deepEqual(seen[0][1], { program: 'o/p', dev: 'eth0', netns: 'end_ac1_a', mode: 'native' });
  assert.deepEqual(seen[2][1], { clientName: 'test', clientVersion: '9.9.9' });
  client.dispose();
  server.dispose();
});

test('every request type of the protocol has a client method', () => {
  const { client, server } = pair();
  const methods = (Object.values(P) as unknown[]).filter(
    (v): v is { method: string } => typeof v === 'object' && v !== null && 'method' in v && v.constructor.name.startsWith('RequestType'),
  );
  const names: Record<string, string> = {
    'agent.hello': 'hello',
    'bpf.listPrograms': 'listPrograms',
    'bpf.listMaps': 'listMaps',
    'bpf.listLinks': 'listLinks',
    'net.list': 'netList',
    'cgroup.list': 'cgroupList',
    'pins.list': 'pinsList',
    'attachments.list': 'attachmentsList',
    'listings.snapshot': 'listingsSnapshot',
    'object.load': 'objectLoad',
    'object.unload': 'objectUnload',
    'object.list': 'objectList',
    'attach.xdp': 'attachXdp',
    'attach.tc': 'attachTc',
    'attach.cgroup': 'attachCgroup',
    'attach.skMsg': 'attachSkMsg',
    'attach.tracepoints': 'attachTracepoints',
    'attach.confirm': 'attachConfirm',
    detach: 'detach',
    'rollbacks.list': 'rollbacksList',
    'map.dump': 'mapDump',
    'prog.dumpXlated': 'progDumpXlated',
    'prog.run': 'progRun',
    'stats.start': 'statsStart',
    'stats.stop': 'statsStop',
    'stats.sample': 'statsSample',
    'trace.start': 'traceStart',
    'trace.stop': 'traceStop',
    'lab.create': 'labCreate',
    'lab.destroy': 'labDestroy',
    'lab.list': 'labList',
    'agent.shutdown': 'shutdown',
    'host.ping': 'hostPing',
    'clock.now': 'clockNow',
    'host.sshInterface': 'hostSshInterface',
    'trace.counters': 'traceCounters',
    'agent.endPrevious': 'agentEndPrevious',
    'agent.keep': 'agentKeep',
    'capture.start': 'captureStart',
    'capture.stop': 'captureStop',
  };
  assert.ok(methods.length >= 27);
  for (const m of methods) {
    const fn = names[m.method];
    assert.ok(fn, `no client method mapped for ${m.method}`);
    assert.equal(typeof (client as unknown as Record<string, unknown>)[fn], 'function', `AgentClient.${fn} missing`);
  }
  client.dispose();
  server.dispose();
});

test('JSON-RPC errors become AgentError with code, data and a readable one-line describe()', async () => {
  const { server, client } = pair();
  server.onRequest('attach.xdp', () => {
    throw new ResponseError(P.AgentErrorCode.BadArgument, 'no interface "eth9" in namespace end_ac1_a', { argument: 'dev' });
  });
  server.onRequest('object.load', () => {
    throw new ResponseError(P.AgentErrorCode.VerifierRejected, 'verifier rejected xdp_prog', {
      verifier: {
        program: 'xdp_prog',
        message: 'invalid access to packet, off=23 size=1',
        instruction: '12: (71) r1 = *(u8 *)(r1 +23)',
        source: { file: 'broken.bpf.c', line: 17 },
        log: 'line1\nline2\n-- END PROG LOAD LOG --',
      },
    });
  });
  server.onRequest('lab.create', () => {
    throw new ResponseError(P.AgentErrorCode.ToolFailed, 'ip netns add failed', {
      argv: ['ip', 'netns', 'add', 'end_x_a'],
      exitCode: 1,
      stderr: 'Cannot create namespace file "/run/netns/end_x_a": File exists\n',
    });
  });
  server.listen();

  const bad = await client.attachXdp({ program: 'o/p', dev: 'eth9', netns: 'end_ac1_a' }).catch((e) => e);
  assert.ok(bad instanceof AgentError);
  assert.equal(bad.code, P.AgentErrorCode.BadArgument);
  assert.equal(bad.codeName, 'BadArgument');
  assert.equal(bad.method, 'attach.xdp');
  assert.equal(bad.data.argument, 'dev');
  assert.equal(bad.describe(), 'bad argument dev: no interface "eth9" in namespace end_ac1_a');

  const ver = await client.objectLoad({ name: 'x', object: '' }).catch((e) => e);
  assert.equal(ver.code, P.AgentErrorCode.VerifierRejected);
  assert.equal(ver.describe(), 'verifier rejected program xdp_prog at broken.bpf.c:17: invalid access to packet, off=23 size=1');
  assert.match(ver.details(), /END PROG LOAD LOG/);

  const tool = await client.labCreate({ name: 'x', topology: { kind: 'pair' } }).catch((e) => e);
  assert.equal(tool.describe(), 'ip netns add failed: Cannot create namespace file "/run/netns/end_x_a": File exists');
  assert.match(tool.details(), /^\$ ip netns add end_x_a {2}\(exit 1\)/);
  assert.doesNotMatch(tool.describe(), /\n/);
  client.dispose();
  server.dispose();
});

test('trace.events and agent.log notifications reach subscribers until disposed', async () => {
  const { server, client } = pair();
  server.listen();
  const batches: P.TraceEventsParams[] = [];
  const logs: P.AgentLogParams[] = [];
  const sub = client.onTraceEvents((p) => batches.push(p));
  client.onAgentLog((p) => logs.push(p));
  const ev = { task: 'ping', pid: 1, cpu: 0, flags: '....', timestamp: 1.5, function: 'bpf_trace_printk', message: 'end_ac1 hi' };
  await server.sendNotification(P.traceEvents, { stream: 's1', source: 'trace_pipe', events: [ev], dropped: 0, sent: 1 });
  await server.sendNotification(P.agentLog, { level: 'error', message: 'trace_pipe reader died' });
  // A request round trip orders everything sent before it.
  server.onRequest('lab.list', () => []);
  await client.labList();
  sub.dispose();
  await server.sendNotification(P.traceEvents, { stream: 's1', source: 'trace_pipe', events: [ev], dropped: 2, sent: 2 });
  await client.labList();
  assert.equal(batches.length, 1);
  assert.equal((batches[0].events[0] as { message: string }).message, 'end_ac1 hi');
  assert.deepEqual(logs, [{ level: 'error', message: 'trace_pipe reader died' }]);
  client.dispose();
  server.dispose();
});

test('a stream that ends fails pending and later requests with ConnectionClosed and fires onClose', async () => {
  const { server, client, toClient } = pair();
  let arrived!: () => void;
  const received = new Promise<void>((res) => {
    arrived = res;
  });
  server.onRequest('bpf.listMaps', () => {
    arrived();
    return new Promise(() => undefined);
  }); // never answers
  server.listen();
  const closed = new Promise<AgentError | undefined>((res) => client.onClose(res));
  const pending = client.listMaps().catch((e) => e);
  await received;
  toClient.end();
  const reason = await closed;
  assert.ok(reason instanceof AgentError);
  assert.equal(reason.code, ClientErrorCode.ConnectionClosed);
  const err = await pending;
  assert.ok(err instanceof AgentError);
  assert.equal(err.code, ClientErrorCode.ConnectionClosed);
  await assert.rejects(client.listMaps(), (e: AgentError) => e.code === ClientErrorCode.ConnectionClosed);
  server.dispose();
});

test('an agent process that dies says why, from its stderr', async () => {
  const t = new LocalTransport();
  const proc = await t.spawn([
    process.execPath,
    '-e',
    'process.stdin.once("data", () => { console.error("boom: cannot open /sys/fs/bpf"); process.exit(3); })',
  ]);
  const client = AgentClient.fromProcess(proc);
  const reason = new Promise<AgentError | undefined>((res) => client.onClose(res));
  const err = await client.hello().catch((e) => e);
  assert.ok(err instanceof AgentError);
  const r = await reason;
  assert.equal(r?.describe(), 'lost the agent: agent exited with code 3: boom: cannot open /sys/fs/bpf');
  assert.match(client.agentStderr, /boom/);
  client.dispose();
  await t.close();
});

test('dispose closes quietly: onClose gets no reason', async () => {
  const { server, client } = pair();
  server.listen();
  const reason = new Promise<AgentError | undefined>((res) => client.onClose(res));
  client.dispose();
  assert.equal(await reason, undefined);
  assert.equal(client.isClosed, true);
  server.dispose();
});
