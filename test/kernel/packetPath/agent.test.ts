// The packet path tracer through the agent, as the CLI and the extension reach it: `node dist/agent.js` over
// JSON-RPC, trace.start {source: 'packet_path', packetFilter}, trace.events notifications, trace.stop. With the
// agent's bpftool 7.5 it attaches with autoattach; with bpftool 7.1 it falls back to bpftrace. A killed agent
// leaves neither a reader process nor a live tracer behind: the next tracer clears the dead one's pins.
import './objectLoader';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import type { PacketPathEvent } from '../../../protocol/types';
import { groupPacketPaths } from '../../../extension/core/packetPath';
import { startPacketPath } from '../../../remote-agent/packetPath';
import { TRACERS_DIR } from '../../../remote-agent/packetPath/tracerDirs';
import { AgentRequestError, startAgent, type AgentProcess } from '../helpers/agentProcess';
import { until } from '../helpers/until';
import { createBridgeLab, type BridgeLab } from './bridgeLab';
import { runToken, sweepStale } from '../helpers/cleanup';
import { backendOptions, BPFTOOL_71, BPFTOOL_75 } from './scenarios';

const exec = promisify(execFile);

/** Child pids of a process (all its threads' children). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
    if (text) out.push(...text.split(/\s+/).map(Number));
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function livePrograms(): Promise<number[]> {
  const { stdout } = await exec(BPFTOOL_75, ['-j', 'prog', 'show']);
  return (JSON.parse(stdout) as { id: number }[]).map((p) => p.id);
}

/** Programs behind the links pinned under these directories. */
async function linkedPrograms(dirs: string[]): Promise<number[]> {
  const { stdout } = await exec(BPFTOOL_75, ['-j', '-f', 'link', 'show']);
  const links = JSON.parse(stdout) as { prog_id: number; pinned?: string[] }[];
  return links.filter((l) => l.pinned?.some((p) => dirs.some((d) => p.startsWith(`${d}/`)))).map((l) => l.prog_id);
}

/** Programs a process holds by file descriptor (/proc/PID/fdinfo names each one's id). */
function heldPrograms(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const m = /^prog_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m) ids.push(Number(m[1]));
    } catch {
      /* closed meanwhile */
    }
  }
  return ids;
}

/** The tracer directories an agent process made (named after its pid). */
function dirsOf(pid: number): string[] {
  if (!existsSync(TRACERS_DIR)) return [];
  return readdirSync(TRACERS_DIR)
    .filter((d) => d.startsWith(`${pid}_`))
    .map((d) => join(TRACERS_DIR, d));
}

describe('packet path through the agent (JSON-RPC)', { timeout: 120_000 }, () => {
  let lab: BridgeLab;
  const agents: AgentProcess[] = [];
  before(async () => {
    await sweepStale('ppj');
    lab = await createBridgeLab(runToken('ppj'));
  });
  after(async () => {
    for (const a of agents) await a.dispose();
    await lab?.destroy();
  });

  async function traceOnePing(bpftool: string): Promise<{ agent: AgentProcess; events: PacketPathEvent[]; stream: string }> {
    const agent = await startAgent({ bpftool });
    agents.push(agent);
    const events: PacketPathEvent[] = [];
    agent.connection.onNotification(proto.traceEvents, (p) => {
      // only this lab's namespaces: other test files' labs may use the same addresses at the same time
      const mine = Object.values(lab.ns) as (string | undefined)[];
      if (p.source === 'packet_path') events.push(...(p.events as PacketPathEvent[]).filter((e) => mine.includes(e.netnsName)));
    });
    const { stream } = await agent.request(proto.traceStart, { source: 'packet_path', packetFilter: { protocol: 'icmp', host: lab.v4.b } });
    await lab.run(lab.ns.a, ['ping', '-c1', '-W2', lab.v4.b]);
    await until(
      () =>
        groupPacketPaths(events).filter((p) => p.src === lab.v4.a || p.dst === lab.v4.a).length >= 2 &&
        groupPacketPaths(events).every((p) => p.hops.length >= 4),
      'the ping and its reply traced with their hops',
      30_000,
    );
    return { agent, events, stream };
  }

  for (const [name, bpftool] of [
    ['bpftool 7.5 (autoattach)', BPFTOOL_75],
    ['bpftool 7.1 (bpftrace fallback)', BPFTOOL_71],
  ]) {
    it(`streams a ping's path with ${name}, and trace.stop leaves nothing`, async () => {
      const { agent, events, stream } = await traceOnePing(bpftool);
      const paths = groupPacketPaths(events).filter((p) => [p.src, p.dst].includes(lab.v4.a));
      assert.deepEqual(
        paths.map((p) => p.label),
        ['request', 'reply'],
      );
      assert.deepEqual(
        paths[0].hops.map((h) => [h.netnsName, h.ifname]),
        [
          [lab.ns.a, lab.ifs.a],
          [lab.ns.br, lab.ifs.pa],
          [lab.ns.br, lab.ifs.pb],
          [lab.ns.b, lab.ifs.b],
        ],
      );
      const helpers = childrenOf(agent.child.pid!);
      assert.deepEqual(await agent.request(proto.traceStop, { stream }), { stopped: true });
      assert.deepEqual(dirsOf(agent.child.pid!), [], 'no tracer directory of this agent is left');
      await until(() => helpers.every((p) => !alive(p)), 'the reader process has exited', 8_000);
    });
  }

  it('refuses a bad filter naming the field', async () => {
    const agent = await startAgent({ bpftool: BPFTOOL_75 });
    agents.push(agent);
    await assert.rejects(
      agent.request(proto.traceStart, { source: 'packet_path', packetFilter: { protocol: 'icmp', host: 'b; reboot' } }),
      (err: unknown) =>
        err instanceof AgentRequestError && err.code === proto.AgentErrorCode.BadArgument && err.data?.argument === 'packetFilter.host',
    );
    assert.deepEqual(dirsOf(agent.child.pid!), []);
  });

  for (const [name, bpftool] of [
    ['bpftool 7.5', BPFTOOL_75],
    ['the bpftrace fallback', BPFTOOL_71],
  ]) {
    it(`an agent killed while tracing with ${name} leaves no reader, and the next tracer clears its pins`, async () => {
      const agent = await startAgent({ bpftool });
      agents.push(agent);
      await agent.request(proto.traceStart, { source: 'packet_path', packetFilter: { protocol: 'udp', port: 9 } });
      const pid = agent.child.pid!;
      const helpers = childrenOf(pid);
      assert.ok(helpers.length > 0, 'the tracer runs a reader process');
      const left = dirsOf(pid);
      assert.equal(left.length, bpftool === BPFTOOL_75 ? 1 : 0);
      // bpftool: four programs behind pinned links; bpftrace: the programs its process holds
      const progs = [...(await linkedPrograms(left)), ...helpers.flatMap(heldPrograms)];
      assert.ok(progs.length >= 4, `the tracer's programs are in the kernel (${progs.join(',')})`);
      agent.child.kill('SIGKILL');
      await until(() => helpers.every((p) => !alive(p)), 'the reader dies with the agent (parent-death signal)', 8_000);
      // the next tracer on this host (any process) removes the dead agent's pins, which detaches its programs
      const next = await startPacketPath({ ...backendOptions('bpftool'), filter: { protocol: 'udp', port: 9 } }, () => undefined);
      try {
        for (const d of left) assert.equal(existsSync(d), false, `${d} was cleaned`);
        // the kernel frees the programs a moment after their last link goes
        await until(async () => (await livePrograms()).every((id) => !progs.includes(id)), 'its programs are gone', 8_000);
      } finally {
        await next.stop();
      }
    });
  }
});
