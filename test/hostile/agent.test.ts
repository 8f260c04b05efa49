// The hostile tier: the real agent (dist/agent.js, root, real kernel) against malformed params generated from
// every method's schema, shape-valid but hostile params, crafted ELF objects, a thousand requests at once and
// races on one name. Each case must get a JSON-RPC error (InvalidParams for a schema refusal, never an internal
// error), the agent must answer hello after every case, and nothing may be left behind. Token: hst.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import * as proto from '../../protocol/agent';
import { leftovers, runToken, sweep, sweepStale } from '../kernel/helpers/cleanup';
import { type AgentProcess, expectError, startAgent } from '../kernel/helpers/agentProcess';
import { FIXTURES } from '../kernel/helpers/bpfObjects';
import { runSync } from '../kernel/helpers/run';
import { craftedObjects } from './helpers/craftedElf';
import { malformedCases } from './helpers/malformed';

const { AgentErrorCode } = proto;
const token = runToken('hst');
const client = { clientName: 'hostile', clientVersion: '0' };
/** Codes a bad request may get: anything but a bug (Internal) or JSON-RPC's internal error. */
const BUG_CODES = new Set<number>([AgentErrorCode.Internal, -32603]);

/** Our own things left in the kernel or on disk, and the agent's private temporaries. */
async function leftBehind(agent: AgentProcess): Promise<string[]> {
  const found = await leftovers(token);
  const pins = runSync(['ls', '/sys/fs/bpf/ebpf-netdebug'])
    .stdout.split('\n')
    .filter((n) => n.startsWith('tmp_load_'));
  const objects = runSync(['ls', join(agent.stateDir, 'objects')])
    .stdout.split('\n')
    .filter((n) => /\.o\.|\.json\./.test(n));
  const qdiscs = runSync(['tc', 'qdisc', 'show'])
    .stdout.split('\n')
    .filter((l) => l.includes(`end_${token}`));
  return [...found, ...pins.map((p) => `temporary pin ${p}`), ...objects.map((o) => `temporary file ${o}`), ...qdiscs];
}

describe('hostile input against the agent', () => {
  let agent: AgentProcess;
  before(async () => {
    await sweepStale('hst');
    agent = await startAgent();
    await agent.connection.sendRequest(proto.hello, client);
  });
  after(async () => {
    await agent?.dispose();
    await sweep(token);
  });

  it('malformed params from every schema: InvalidParams naming the argument, and the agent answers after each', async () => {
    const c = agent.connection;
    const cases = malformedCases();
    assert.ok(cases.length > 1000, `${cases.length} cases`);
    const methods = new Set(cases.map((x) => x.method));
    assert.ok(methods.size >= 27, 'every method has cases');
    for (const k of cases) {
      const e = await expectError(c.sendRequest(k.method, k.params)).catch((err: Error) => {
        throw new Error(`${k.method} (${k.label}): ${err.message}`);
      });
      assert.equal(e.code, AgentErrorCode.InvalidParams, `${k.method} (${k.label}): ${e.code} ${e.message}`);
      assert.equal(typeof e.data?.argument, 'string', `${k.method} (${k.label}) names no argument`);
      assert.ok(e.message.length < 600, `${k.method} (${k.label}): the refused value is not echoed whole`);
      const facts = await c.sendRequest(proto.hello, client);
      assert.equal(facts.agentPid, agent.child.pid, `alive after ${k.method} (${k.label})`);
    }
    assert.deepEqual(await leftBehind(agent), []);
  });

  it('shape-valid hostile params: a typed error from the handler, never an internal one', async () => {
    const c = agent.connection;
    const cases: [string, unknown][] = [
      ['net.list', { netns: '..' }],
      ['cgroup.list', { path: '/etc' }],
      ['cgroup.list', { path: '/sys/fs/cgroup/../../etc' }],
      ['object.load', { name: `end_${token}_p`, path: '/etc/shadow' }],
      ['object.load', { name: `end_${token}_p`, path: '/proc/self/mem' }],
      ['object.load', { name: `end_${token}_p`, path: '/proc/kcore' }],
      ['object.load', { name: `end_${token}_p`, path: '/dev/zero' }],
      ['object.load', { name: `end_${token}_p`, object: `${'\n'.repeat(32_000)}!` }],
      ['object.load', { name: `end_${token}_p`, object: 'AAAA', path: '/etc/passwd' }],
      ['object.load', { name: 'packet_path_tracers', object: readFileSync(join(FIXTURES, 'xdp_pass.o')).toString('base64') }],
      ['object.load', { name: 'tmp_load_1', object: readFileSync(join(FIXTURES, 'xdp_pass.o')).toString('base64') }],
      ['object.unload', { name: 'packet_path_tracers' }],
      ['attach.tracepoints', { object: 'packet_path_tracers' }],
      ['detach', { attachment: 'tracepoints:packet_path_tracers' }],
      ['detach', { attachment: 'tcx:root:-h:ingress' }],
      ['detach', { attachment: 'xdp:root:--help' }],
      ['detach', { attachment: 'tc:-n:eth0:ingress' }],
      ['detach', { attachment: 'cgroup:sock_ops:/etc:1' }],
      ['detach', { attachment: 'sk_msg:msg_verdict:/etc/passwd:1' }],
      ['detach', { attachment: 'xdp:root:lo:extra' }],
      ['attach.xdp', { program: '/sys/fs/bpf/../../etc/passwd', dev: 'lo' }],
      ['attach.xdp', { program: 'id:99999999', dev: `end${token}x` }],
      ['attach.xdp', { program: 'a/b/c', dev: 'lo' }],
      ['attach.cgroup', { program: 'id:1', cgroup: '/etc', type: 'sock_ops' }],
      ['attach.cgroup', { program: 'id:1', cgroup: 'end_-h', type: 'sock_ops', create: true }],
      ['attach.cgroup', { program: 'id:1', cgroup: `${'/sys/fs/cgroup'}/../../tmp`, type: 'sock_ops', create: true }],
      ['attach.skMsg', { program: 'id:1', map: '/sys/fs/bpf/nothing_here' }],
      ['map.dump', { map: 'id:4294967295' }],
      ['map.dump', { map: '/sys/fs/bpf/../proc' }],
      ['prog.dumpXlated', { program: 'id:4294967295' }],
      ['trace.start', { source: 'trace_pipe', filter: '/(a)\\1/' }],
      ['trace.start', { source: 'trace_pipe', filter: '/(unclosed/' }],
      ['trace.start', { source: 'perf_array' }],
      ['trace.stop', { stream: 'trace_pipe-1-1' }],
      ['lab.destroy', { name: 'zz9zz9' }],
    ];
    for (const [method, params] of cases) {
      const e = await expectError(c.sendRequest(method, params)).catch((err: Error) => {
        throw new Error(`${method} ${JSON.stringify(params).slice(0, 100)}: ${err.message}`);
      });
      assert.ok(!BUG_CODES.has(e.code), `${method} ${JSON.stringify(params).slice(0, 100)}: ${e.code} ${e.message}`);
      assert.equal((await c.sendRequest(proto.hello, client)).agentPid, agent.child.pid);
    }
    assert.deepEqual(await leftBehind(agent), []);
  });

  it('crafted ELF objects: refused (or loaded and refused by the kernel) with nothing left behind', async () => {
    const c = agent.connection;
    for (const [label, bytes] of Object.entries(craftedObjects())) {
      const name = `end_${token}_elf`;
      const e = await expectError(c.sendRequest(proto.objectLoad, { name, object: bytes.toString('base64') }));
      assert.ok(!BUG_CODES.has(e.code), `${label}: ${e.code} ${e.message}`);
      assert.ok(e.message.length < 2000, `${label}: message of ${e.message.length} characters`);
      assert.equal((await c.sendRequest(proto.hello, client)).agentPid, agent.child.pid, `alive after ${label}`);
    }
    assert.deepEqual(await leftBehind(agent), []);
  });

  it('a thousand requests at once: each answered (a result or Busy), and the agent still serves', async () => {
    const c = agent.connection;
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        (i % 2 ? c.sendRequest(proto.rollbacksList) : c.sendRequest(proto.attachConfirm, { attachment: `xdp:end_${token}_x:eth0` })).then(
          () => 'ok',
          (e: ResponseError<unknown>) => e.code,
        ),
      ),
    );
    const counts = replies.reduce<Record<string, number>>((m, r) => ({ ...m, [r]: (m[r] ?? 0) + 1 }), {});
    assert.deepEqual(
      Object.keys(counts).filter((k) => k !== 'ok' && k !== String(AgentErrorCode.Busy)),
      [],
      JSON.stringify(counts),
    );
    assert.ok((counts.ok ?? 0) >= 64, JSON.stringify(counts));
    assert.equal((await c.sendRequest(proto.hello, client)).agentPid, agent.child.pid);
  });
});

describe('failed attaches and races leave nothing of anybody behind', () => {
  let agent: AgentProcess;
  const netns = `end_${token}_n`;
  const object = `end_${token}_o`;
  before(async () => {
    agent = await startAgent();
    runSync(['ip', 'netns', 'add', netns]);
    runSync(['ip', 'netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up']);
    await agent.connection.sendRequest(proto.objectLoad, {
      name: object,
      object: readFileSync(join(FIXTURES, 'xdp_pass.o')).toString('base64'),
    });
  });
  after(async () => {
    await agent.connection.sendRequest(proto.objectUnload, { name: object }).catch(() => undefined);
    await agent.dispose();
    await sweep(token);
  });

  it('a cgroup attach that fails removes the cgroup it created; a tc attach that fails removes its clsact', async () => {
    const c = agent.connection;
    const cg = await expectError(
      c.sendRequest(proto.attachCgroup, { program: `${object}/xdp_pass_prog`, cgroup: `end_${token}_cg`, type: 'sock_ops', create: true }),
    );
    assert.ok(!BUG_CODES.has(cg.code), cg.message);
    const tc = await expectError(c.sendRequest(proto.attachTc, { program: 'id:4294967295', dev: 'lo', netns, direction: 'ingress' }));
    assert.ok(!BUG_CODES.has(tc.code), tc.message);
    const tc2 = await expectError(
      c.sendRequest(proto.attachTc, { program: `${object}/xdp_pass_prog`, dev: 'lo', netns, direction: 'egress' }),
    );
    assert.ok(!BUG_CODES.has(tc2.code), tc2.message);
    assert.doesNotMatch(runSync(['ip', 'netns', 'exec', netns, 'tc', 'qdisc', 'show', 'dev', 'lo']).stdout, /clsact/);
    assert.deepEqual(
      (await leftovers(token)).filter((l) => l.startsWith('cgroup')),
      [],
    );
  });

  it('two loads of one name: one wins, the loser removes only its own pins', async () => {
    const c = agent.connection;
    const bytes = readFileSync(join(FIXTURES, 'xdp_pass.o')).toString('base64');
    const name = `end_${token}_race`;
    for (let round = 0; round < 3; round++) {
      const r = await Promise.all(
        [0, 1, 2].map(() =>
          c.sendRequest(proto.objectLoad, { name, object: bytes }).then(
            (o) => o.programs.map((p) => p.pin).join(),
            (e: ResponseError<unknown>) => e.code,
          ),
        ),
      );
      assert.equal(r.filter((x) => typeof x === 'string').length, 1, JSON.stringify(r));
      assert.deepEqual(
        r.filter((x) => typeof x !== 'string'),
        [AgentErrorCode.AlreadyAttached, AgentErrorCode.AlreadyAttached],
      );
      const listed = (await c.sendRequest(proto.objectList)).find((o) => o.name === name);
      assert.equal(listed?.programs[0]?.pin, `/sys/fs/bpf/ebpf-netdebug/${name}/xdp_pass_prog`, 'the winner is whole');
      assert.ok((listed?.programs[0]?.id ?? -1) > 0);
      await c.sendRequest(proto.objectUnload, { name });
    }
    // what this suite keeps until its end (its namespace and first object) aside, nothing
    const mine = [`netns ${netns}`, `pin /sys/fs/bpf/ebpf-netdebug/${object}`];
    assert.deepEqual(
      (await leftBehind(agent)).filter((l) => !mine.includes(l)),
      [],
    );
  });

  it("two lab.create of one name: the loser does not remove the winner's namespaces", async () => {
    const c = agent.connection;
    const r = await Promise.all(
      [0, 1].map(() =>
        c.sendRequest(proto.labCreate, { name: token, topology: { kind: 'pair' } }).then(
          () => 'ok',
          (e: ResponseError<unknown>) => e.code,
        ),
      ),
    );
    assert.equal(r.filter((x) => x === 'ok').length, 1, JSON.stringify(r));
    const lab = (await c.sendRequest(proto.labList)).find((l) => l.name === token);
    assert.deepEqual(
      lab?.hosts.map((h) => h.netns),
      [`end_${token}_a`, `end_${token}_b`],
    );
    await c.sendRequest(proto.labDestroy, { name: token });
  });
});
