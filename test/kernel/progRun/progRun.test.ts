// prog.run against the real kernel: the seed programs run on packets built with extension/core/packet, judged by
// what a user would check: the verdict, the output's bytes (TTL, TCP flags) with checksums recomputed here
// independently of the code under test, and map counters that moved by exactly the number of runs.
// Token: prn (objects end_prn<pid>_*).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { objectLoad, objectUnload, progRun, AgentErrorCode } from '../../../protocol/agent';
import { buildPacket, bytesToHex } from '../../../extension/core/packet/build';
import { startAgent, AgentRequestError, type AgentProcess } from '../helpers/agentProcess';
import { shippedObject } from '../helpers/bpfObjects';
import { REPO_ROOT } from '../helpers/agentProcess';
import { run } from '../helpers/run';
import { leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';

const TOKEN = runToken('prn');
const obj = (what: string) => `end_${TOKEN}_${what}`;

/** RFC 1071 over 16-bit words, written out here so the test does not trust the checksum code it checks. */
function sum16(b: Buffer, init = 0): number {
  let s = init;
  for (let i = 0; i < b.length; i += 2) s += (b[i] << 8) + (i + 1 < b.length ? b[i + 1] : 0);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return s;
}
function ipHeaderValid(frame: Buffer): boolean {
  return sum16(frame.subarray(14, 14 + (frame[14] & 0xf) * 4)) === 0xffff;
}
function tcpValid(frame: Buffer): boolean {
  const ihl = (frame[14] & 0xf) * 4;
  const seg = frame.subarray(14 + ihl, 14 + frame.readUInt16BE(16));
  const pseudo = sum16(Buffer.concat([frame.subarray(26, 34), Buffer.from([0, 6]), Buffer.from([seg.length >> 8, seg.length & 0xff])]));
  return sum16(seg, pseudo) === 0xffff;
}

const echo = (type: 'echo-request' | 'echo-reply', ttl = 64) =>
  bytesToHex(
    buildPacket({
      ip: { version: 4, source: '10.11.0.1', destination: '10.11.0.2', ttl },
      l4: { protocol: 'icmp', type, id: 77, seq: 3 },
      payload: 'ping-payload',
    }),
  );
const pureAck = bytesToHex(
  buildPacket({
    ip: { version: 4, source: '10.11.0.2', destination: '10.11.0.1' },
    l4: { protocol: 'tcp', sourcePort: 5201, destinationPort: 40000, seq: 1000, ack: 2000, flags: ['ACK'] },
  }),
);

describe('prog.run: a packet through a loaded program (BPF_PROG_TEST_RUN)', () => {
  let agent: AgentProcess;
  before(async () => {
    await sweepStale('prn');
    agent = await startAgent();
    for (const [what, name] of [
      ['drop', 'xdp_drop_ping'],
      ['mangle', 'xdp_manglepong'],
      ['psh', 'tc_tcp_psh'],
    ]) {
      await agent.request(objectLoad, { name: obj(what), object: readFileSync(shippedObject(name)).toString('base64') });
    }
  });
  after(async () => {
    for (const what of ['drop', 'mangle', 'psh']) await agent?.request(objectUnload, { name: obj(what) }).catch(() => undefined);
    await agent?.dispose();
    await sweep(TOKEN);
    assert.deepEqual(await leftovers(TOKEN), []);
  });

  it('xdp_drop_ping: an echo request is XDP_DROP and drop_stats counts every repeat; a reply is XDP_PASS and changes nothing', async () => {
    const r = await agent.request(progRun, { program: `${obj('drop')}/xdp_drop_ping`, packet: echo('echo-request'), repeat: 7 });
    assert.equal(r.verdict, 'XDP_DROP');
    assert.equal(r.retval, 1);
    assert.equal(r.program.type, 'xdp');
    assert.equal(r.output, echo('echo-request'), 'the program does not touch the bytes');
    assert.ok(r.durationNs > 0);
    const stats = r.mapChanges.filter((c) => c.map.name === 'drop_stats');
    assert.equal(stats.length, 1, JSON.stringify(r.mapChanges));
    const frameLen = echo('echo-request').length / 2;
    assert.deepEqual(stats[0].delta, { packets: 7, bytes: 7 * frameLen });
    assert.ok(
      r.mapsSkipped.some((m) => /rodata/.test(m.name) && /frozen/.test(m.reason)),
      'the knob map is read-only and not dumped',
    );

    const pass = await agent.request(progRun, { program: `${obj('drop')}/xdp_drop_ping`, packet: echo('echo-reply'), repeat: 3 });
    assert.equal(pass.verdict, 'XDP_PASS');
    assert.deepEqual(pass.mapChanges, []);
  });

  it('xdp_manglepong: a reply leaves with a lower random TTL and a valid IP header checksum; mangle_stats counts the runs', async () => {
    const r = await agent.request(progRun, { program: `${obj('mangle')}/xdp_manglepong`, packet: echo('echo-reply', 64), runs: 40 });
    assert.equal(r.runs, 40);
    assert.equal(
      r.outputs.reduce((s, o) => s + o.count, 0),
      40,
    );
    const ttls = new Set<number>();
    for (const o of r.outputs) {
      assert.equal(o.verdict, 'XDP_PASS');
      const frame = Buffer.from(o.output, 'hex');
      const ttl = frame[14 + 8];
      assert.ok(ttl >= 1 && ttl <= 64, `ttl ${ttl}`);
      assert.ok(ipHeaderValid(frame), `IP header checksum of ${o.output} is valid`);
      ttls.add(ttl);
    }
    assert.ok(ttls.size > 1, `40 runs give more than one TTL (${[...ttls].join(',')})`);
    assert.ok(
      [...ttls].some((t) => t !== 64),
      'the TTL changed',
    );
    const stats = r.mapChanges.find((c) => c.map.name === 'mangle_stats');
    assert.deepEqual(stats?.delta, { replies: 40 });
    const req = await agent.request(progRun, { program: `${obj('mangle')}/xdp_manglepong`, packet: echo('echo-request') });
    assert.equal(req.output, echo('echo-request'), 'a request is not touched');
  });

  it('tc_tcp_psh: of 1,000 runs on a pure ACK some leave with PSH (TCP checksum still valid); psh_stats moves by exactly the runs', async () => {
    const r = await agent.request(progRun, { program: `${obj('psh')}/tc_tcp_psh`, packet: pureAck, runs: 1000 });
    assert.equal(r.program.type, 'sched_cls');
    let psh = 0;
    for (const o of r.outputs) {
      assert.equal(o.verdict, 'TC_ACT_OK');
      const frame = Buffer.from(o.output, 'hex');
      const flags = frame[14 + 20 + 13];
      if (flags & 0x08) psh += o.count;
      assert.equal(flags & ~0x08, 0x10, 'ACK stays, nothing else changes');
      assert.ok(tcpValid(frame), 'the TCP checksum is valid');
    }
    assert.ok(psh > 0 && psh < 1000, `${psh} of 1000 carry PSH`);
    const stats = r.mapChanges.find((c) => c.map.name === 'psh_stats');
    assert.deepEqual(stats?.delta, { eligible: 1000, marked: psh });
  });

  it('bad input is refused, naming the argument', async () => {
    for (const [params, argument] of [
      [{ program: `${obj('drop')}/xdp_drop_ping`, packet: 'zz' }, 'packet'],
      [{ program: `${obj('drop')}/xdp_drop_ping`, packet: '0011' }, 'packet'],
      [{ program: `${obj('drop')}/xdp_drop_ping`, packet: echo('echo-request'), repeat: 0 }, 'repeat'],
      [{ program: `${obj('drop')}/xdp_drop_ping`, packet: echo('echo-request'), runs: 1e9 }, 'runs'],
      [{ program: `${obj('drop')}/nope`, packet: echo('echo-request') }, 'program'],
    ] as const) {
      const e = await agent.request(progRun, params as never).then(
        () => undefined,
        (x: unknown) => x,
      );
      assert.ok(e instanceof AgentRequestError, `${JSON.stringify(params)} is refused`);
      assert.equal(e.data?.argument, argument);
      assert.ok(e.code === AgentErrorCode.InvalidParams || e.code === AgentErrorCode.BadArgument || e.code === AgentErrorCode.NotFound);
    }
  });

  it('the CLI: `run --pcapng FILE --index N` on a captured reply prints the TTL change and the fixed checksum; --json the verdict', async () => {
    const cli = (...args: string[]) => run([process.execPath, join(REPO_ROOT, 'dist', 'cli.js'), ...args], { timeoutMs: 120_000 });
    const capture = join(REPO_ROOT, 'test', 'fixtures', 'packet', 'ping-tcp.pcapng');
    const text = await cli(
      'run',
      '--host',
      'local',
      '--program',
      `${obj('mangle')}/xdp_manglepong`,
      '--pcapng',
      capture,
      '--index',
      '1',
      '--runs',
      '20',
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /input: +IPv4 10\.200\.0\.2 > 10\.200\.0\.1 ICMP echo-reply id 25374 seq 1 ttl 64/);
    assert.match(
      text.stdout,
      /XDP_PASS \(retval 2\): packet changed\n {4}IPv4 ttl: 64 -> \d+\n {4}IPv4 header checksum: updated, still valid/,
    );
    assert.match(text.stdout, /mangle_stats\[0\] replies \+20/);

    const json = await cli(
      'run',
      '--host',
      'local',
      '--program',
      `${obj('drop')}/xdp_drop_ping`,
      '--packet',
      echo('echo-request'),
      '--repeat',
      '3',
      '--json',
    );
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout) as {
      verdict: string;
      retval: number;
      output: string;
      durationNs: number;
      mapChanges: { delta: unknown }[];
      changes: string[];
    };
    assert.equal(r.verdict, 'XDP_DROP');
    assert.equal(r.retval, 1);
    assert.equal(r.output, echo('echo-request'));
    assert.equal(typeof r.durationNs, 'number');
    assert.deepEqual(
      r.mapChanges.map((c) => c.delta),
      [{ packets: 3, bytes: (3 * echo('echo-request').length) / 2 }],
    );
    assert.deepEqual(r.changes, []);
  });
});
