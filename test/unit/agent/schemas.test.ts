// Every agent method has a params schema, the server refuses to serve one that has none, and the schema check
// turns wrong types, option-like names and NUL bytes into InvalidParams naming the argument (never Internal).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import * as agent from '../../../protocol/agent';
import { paramSchemas } from '../../../protocol/schemas';
import { AgentError } from '../../../remote-agent/core/errors';
import { paramsCheckOf } from '../../../remote-agent/core/paramsCheck';
import { serve } from '../../../remote-agent/server';

/** Every request method declared in protocol/agent.ts (RequestType and RequestType0 values). */
const requestMethods = (Object.values(agent) as unknown[])
  .filter((v) => v instanceof RequestType || v instanceof RequestType0)
  .map((v) => (v as { method: string }).method);

function refusal(method: string, params: unknown): AgentError {
  const check = paramsCheckOf(method);
  assert.ok(check, method);
  try {
    check(params);
  } catch (e) {
    assert.ok(e instanceof AgentError, String(e));
    return e;
  }
  assert.fail(`${method} accepted ${JSON.stringify(params)}`);
}

describe('params schemas', () => {
  it('every request method of protocol/agent.ts has one, and there are none for methods that do not exist', () => {
    assert.ok(requestMethods.length >= 27, `found ${requestMethods.length} methods`);
    for (const m of requestMethods) assert.ok(Object.hasOwn(paramSchemas, m), `protocol/schemas.ts has no schema for ${m}`);
    for (const m of Object.keys(paramSchemas)) assert.ok(requestMethods.includes(m), `schema for an undeclared method ${m}`);
  });

  it('accepts what clients send', () => {
    const ok: [string, unknown][] = [
      ['agent.hello', { clientName: 'cli', clientVersion: '0.1.0' }],
      ['bpf.listPrograms', undefined],
      ['bpf.listPrograms', []],
      ['bpf.listPrograms', {}],
      ['attach.xdp', { program: 'drop/xdp_drop_icmp', dev: 'eth0', netns: 'end_demo_b', mode: 'generic', confirmWithin: 15000 }],
      ['attach.tc', { program: 'id:12', dev: 'veth-a.1', direction: 'ingress', via: 'tcx' }],
      ['object.load', { name: 'drop', object: 'f0VMRg==', reuseMaps: { counts: 'other/counts' } }],
      ['trace.start', { source: 'trace_pipe', filter: '->x', batch: { maxEvents: 10, maxDelayMs: 5 } }],
      ['trace.start', { source: 'packet_path', packetFilter: { protocol: 'icmp', host: '10.1.2.3', port: 80 } }],
      ['lab.create', { name: 'demo', topology: { kind: 'bridge', ipv6: true } }],
      ['detach', { attachment: 'cgroup:sock_ops:/sys/fs/cgroup/end_x:12' }],
      ['map.dump', { map: '/sys/fs/bpf/ebpf-netdebug/o/maps/m', limit: 5 }],
    ];
    for (const [m, p] of ok) assert.doesNotThrow(() => paramsCheckOf(m)?.(p), `${m} ${JSON.stringify(p)}`);
  });

  it('refuses wrong types, unknown properties, option-like names, NUL bytes and oversize strings, naming the argument', () => {
    const cases: [string, unknown, string][] = [
      ['attach.xdp', { program: 'id:1', dev: { toString: 'x' } }, 'dev'],
      ['attach.xdp', { program: 'id:1', dev: '-h' }, 'dev'],
      ['attach.xdp', { program: 'id:1', dev: 'eth\u00000' }, 'dev'],
      ['attach.xdp', { program: '-h', dev: 'eth0' }, 'program'],
      ['attach.xdp', { program: 'id:1', dev: 'eth0', confirmWithin: 1.5 }, 'confirmWithin'],
      ['attach.xdp', { program: 'id:1', dev: 'eth0', evil: 1 }, 'evil'],
      ['attach.tc', { program: 'id:1', dev: 'eth0', direction: 'sideways' }, 'direction'],
      ['detach', { attachment: 'tcx:root:eth0\u0000:ingress' }, 'attachment'],
      ['detach', { attachment: 'a'.repeat(5000) }, 'attachment'],
      ['object.load', { name: '-rf', object: 'AA==' }, 'name'],
      ['object.load', { name: 'x', reuseMaps: { 'bad-key': 'o/m' } }, 'reuseMaps.bad-key'],
      ['object.unload', { name: ['x'] }, 'name'],
      ['trace.start', { source: 'trace_pipe', filter: 'a\u0000b' }, 'filter'],
      ['trace.start', { source: 'packet_path', packetFilter: { port: 70000 } }, 'packetFilter.port'],
      ['lab.create', { name: 'x', topology: { kind: 'pair', ipv6: 'yes' } }, 'topology.ipv6'],
      ['map.dump', { map: 'o/m', limit: 0 }, 'limit'],
      ['agent.hello', { clientName: 'x' }, 'clientVersion'],
    ];
    for (const [m, p, argument] of cases) {
      const e = refusal(m, p);
      assert.equal(e.code, agent.AgentErrorCode.InvalidParams, `${m} ${e.message}`);
      assert.equal(e.data.argument, argument, `${m}: ${e.message}`);
      assert.ok(e.message.startsWith(`${argument}: `), e.message);
      assert.ok(e.message.length < 400, 'a refused value is not echoed whole');
    }
    for (const p of ['a string', 42, null, [1, 2], { a: 1 }]) {
      assert.equal(refusal('attach.xdp', p).data.argument, p === null || typeof p !== 'object' || Array.isArray(p) ? 'params' : 'program');
    }
    assert.equal(refusal('bpf.listPrograms', { surprise: true }).code, agent.AgentErrorCode.InvalidParams);
  });
});

describe('the server', () => {
  function connection() {
    const toAgent = new PassThrough();
    const toClient = new PassThrough();
    const server = createMessageConnection(new StreamMessageReader(toAgent), new StreamMessageWriter(toClient));
    const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toAgent));
    return { server, client };
  }

  it('will not serve a method that has no schema', () => {
    const { server } = connection();
    assert.throws(() => serve(server, { 'stats.new': async () => 1 }), /stats\.new has no params schema in protocol\/schemas\.ts/);
    server.dispose();
  });

  it('checks params before the handler runs, passes them as sent, and says Busy beyond the cap', async () => {
    const { server, client } = connection();
    const seen: unknown[] = [];
    let release = () => undefined as void;
    const held = new Promise<void>((r) => (release = r));
    serve(
      server,
      {
        'object.unload': async (p) => {
          seen.push(p);
          await held;
          return { removedPins: [] };
        },
        'bpf.listPrograms': async (p) => {
          seen.push(p);
          return [];
        },
      },
      2,
    );
    server.listen();
    client.listen();
    const bad = await client.sendRequest('object.unload', { name: { toString: 'x' } }).then(
      () => null,
      (e: ResponseError<agent.AgentErrorData>) => e,
    );
    assert.equal(bad?.code, agent.AgentErrorCode.InvalidParams);
    assert.equal(bad?.data?.argument, 'name');
    assert.deepEqual(seen, [], 'the handler never saw it');
    const first = client.sendRequest('object.unload', { name: 'a' });
    const second = client.sendRequest('object.unload', { name: 'b' });
    const third = await client.sendRequest('object.unload', { name: 'c' }).then(
      () => null,
      (e: ResponseError<unknown>) => e,
    );
    assert.equal(third?.code, agent.AgentErrorCode.Busy);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(await client.sendRequest('bpf.listPrograms'), []);
    assert.deepEqual(seen, [{ name: 'a' }, { name: 'b' }, undefined]);
    const unknown = await client.sendRequest('no.such', {}).then(
      () => null,
      (e: ResponseError<unknown>) => e,
    );
    assert.equal(unknown?.code, -32601);
    client.dispose();
    server.dispose();
  });
});
