// trace_pipe streaming: unique markers written to trace_marker arrive parsed, two streams fan out from one reader,
// and stopping the last stream stops the reader. trace_pipe is global and other tests read it too, so only our
// markers are counted and foreign lines are tolerated. Token: atr.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as proto from '../../../protocol/agent';
import type { TraceEvent } from '../../../protocol/types';
import { traceColumnsAt } from '../../../protocol/traceColumns';
import { spawnTied } from '../../../remote-agent/packetPath/tiedSpawn';
import { type AgentProcess, expectError, startAgent } from '../helpers/agentProcess';
import { runSync } from '../helpers/run';
import { until as untilEvent } from '../helpers/until';

// Waits are long: the kernel lets one process at a time read trace_pipe, and other test files may hold it a while.
const until = (cond: () => boolean, what: string, ms = 90_000) => untilEvent(cond, what, ms);

const MARKER = `atr_${randomBytes(4).toString('hex')}`;
const mark = (text: string) => writeFileSync('/sys/kernel/tracing/trace_marker', `${text}\n`);

/** Whether process pid has trace_pipe open. */
function holderOpen(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith('/tracing/trace_pipe');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Warm-up lines are numbered from -WARM_UP_BASE up, so they sort before the burst's 0, 1, 2... */
const WARM_UP_BASE = 1_000_000;

/** Lines in the kernel's trace ring buffer that no reader has taken yet: `entries` of per_cpu/cpuN/stats, summed. */
function unreadTraceLines(): number {
  let sum = 0;
  for (const cpu of readdirSync('/sys/kernel/tracing/per_cpu')) {
    const m = /^entries:\s*(\d+)/m.exec(readFileSync(`/sys/kernel/tracing/per_cpu/${cpu}/stats`, 'utf8'));
    sum += Number(m?.[1] ?? 0);
  }
  return sum;
}

/** The agent's trace_pipe readers: its children that hold trace_pipe open (not one waiting for a busy pipe). */
function readers(agent: AgentProcess): number {
  const r = runSync(['pgrep', '-P', String(agent.child.pid)]);
  return r.stdout.trim() ? r.stdout.trim().split('\n').map(Number).filter(holderOpen).length : 0;
}

describe('trace_pipe streams', () => {
  let agent: AgentProcess;
  const batches = new Map<string, proto.TraceEventsParams[]>();
  const events = (stream: string) =>
    (batches.get(stream) ?? []).flatMap((b) =>
      b.columns ? Array.from({ length: b.columns.count }, (_, i) => traceColumnsAt(b.columns!, i)) : (b.events as TraceEvent[]),
    );
  before(async () => {
    agent = await startAgent();
    agent.connection.onNotification(proto.traceEvents, (p) => {
      if (!batches.has(p.stream)) batches.set(p.stream, []);
      batches.get(p.stream)!.push(p);
    });
  });
  after(() => agent.dispose());

  it('markers arrive parsed: task, pid, cpu, timestamp, function and message', async () => {
    const { stream } = await agent.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: `${MARKER}_one` });
    await until(() => readers(agent) === 1, 'the reader to start');
    // Another process may read trace_pipe at the same time and take some lines: keep writing until ours has five.
    let seq = 0;
    await until(() => {
      mark(`${MARKER}_one seq=${seq++}`);
      return events(stream).length >= 5;
    }, 'five markers');
    const evs = events(stream);
    for (const e of evs) {
      assert.match(e.message, new RegExp(`^${MARKER}_one seq=\\d+$`));
      assert.equal(e.function, 'tracing_mark_write');
      assert.equal(e.pid, process.pid, 'written by this test process');
      assert.ok(e.timestamp > 0);
      assert.ok(e.cpu >= 0);
      assert.ok(e.task.length > 0);
    }
    const seqs = evs.map((e) => Number(e.message.split('=')[1]));
    assert.ok(
      seqs.every((v, i) => i === 0 || v > seqs[i - 1]),
      'in the order written',
    );
    await agent.connection.sendRequest(proto.traceStop, { stream });
    const last = batches.get(stream)!.at(-1)!;
    assert.equal(last.source, 'trace_pipe');
    assert.equal(last.sent, events(stream).length, '`sent` counts the events delivered');
    assert.equal(
      batches.get(stream)!.reduce((n, b) => n + b.dropped, 0),
      0,
    );
    await until(() => readers(agent) === 0, 'the reader to stop with the last stream');
  });

  it('two streams fan out from ONE reader, each with its own filter (substring and /regex/)', async () => {
    const s1 = (await agent.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: `${MARKER}_fan` })).stream;
    const s2 = (await agent.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: `/${MARKER}_(fan|solo)/` })).stream;
    await until(() => readers(agent) === 1, 'one reader');
    let i = 0;
    await until(() => {
      mark(`${MARKER}_fan ${i}`);
      mark(`${MARKER}_solo ${i++}`);
      return events(s1).length >= 3 && events(s2).some((e) => e.message.includes('_solo'));
    }, 'both streams');
    assert.equal(readers(agent), 1, 'one reader for two streams');
    // The last line both filters take: once both streams have it, both have everything before it (one reader, in order).
    const end = `${MARKER}_fan end`;
    await until(() => {
      mark(end);
      return [s1, s2].every((s) => events(s).some((e) => e.message.includes(end)));
    }, 'the end marker in both streams');
    // Whatever the one reader got, both streams got: the fan lines of s2 are exactly the lines of s1.
    const upToEnd = (ms: string[]) => ms.slice(0, ms.findIndex((m) => m.includes(end)) + 1);
    const fan1 = upToEnd(events(s1).map((e) => e.message));
    const fan2 = upToEnd(
      events(s2)
        .map((e) => e.message)
        .filter((m) => m.includes('_fan')),
    );
    assert.deepEqual(fan2, fan1);
    assert.ok(
      fan1.every((m) => m.startsWith(`${MARKER}_fan `)),
      'the substring filter holds',
    );
    await agent.connection.sendRequest(proto.traceStop, { stream: s1 });
    assert.equal(readers(agent), 1, 'the other stream still reads');
    const before = events(s2).length;
    await until(() => {
      mark(`${MARKER}_solo again`);
      return events(s2).length > before;
    }, 'the remaining stream');
    await agent.connection.sendRequest(proto.traceStop, { stream: s2 });
    await until(() => readers(agent) === 0, 'the reader to stop');
  });

  it('a columns stream (the live trace view`s) carries the same lines as an events stream, as columns', async () => {
    const cols = (await agent.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: `${MARKER}_col`, columns: true }))
      .stream;
    const objs = (await agent.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: `${MARKER}_col` })).stream;
    await until(() => readers(agent) === 1, 'one reader for both');
    const end = `${MARKER}_col end`;
    let i = 0;
    await until(() => {
      mark(`${MARKER}_col ${i++}`);
      if (i > 3) mark(end);
      return [cols, objs].every((s) => events(s).some((e) => e.message === end));
    }, 'the end marker in both streams');
    await agent.connection.sendRequest(proto.traceStop, { stream: cols });
    await agent.connection.sendRequest(proto.traceStop, { stream: objs });
    const upToEnd = (es: TraceEvent[]) => es.slice(0, es.findIndex((e) => e.message === end) + 1);
    assert.ok(
      batches.get(cols)!.every((b) => b.events.length === 0 && b.columns),
      'every batch is columns',
    );
    const got = upToEnd(events(cols));
    assert.ok(got.length >= 5);
    assert.deepEqual(got, upToEnd(events(objs)), 'the same events, field for field');
    assert.ok(
      got.every((e) => e.pid === process.pid && e.function === 'tracing_mark_write'),
      'parsed: written by this process through trace_marker',
    );
    assert.equal(batches.get(cols)!.at(-1)!.sent, events(cols).length, '`sent` counts the lines delivered');
    await until(() => readers(agent) === 0, 'the reader to stop');
  });

  it('a client that stops reading makes the agent drop and count, not buffer without bound', async () => {
    const { stream } = await agent.connection.sendRequest(proto.traceStart, {
      source: 'trace_pipe',
      filter: `${MARKER}_burst`,
      batch: { maxEvents: 10, maxDelayMs: 5 },
    });
    const n = 60_000;
    let k = n;
    let warm = 0;
    try {
      await until(() => readers(agent) === 1, 'the reader');
      // The stream delivers before the stall: a warm-up line (numbered below the burst's) has come all the way here.
      await until(() => {
        mark(`${MARKER}_burst ${warm++ - WARM_UP_BASE}`);
        return events(stream).length > 0;
      }, 'a line through the stream before the stall');
      // Stop reading the agent's stdout: its notification writes stall, its queue (20,000 events for batches of
      // 10) fills, and what comes after must be dropped and counted.
      agent.child.stdout!.pause();
      for (let i = 0; i < n; i++) mark(`${MARKER}_burst ${i}`);
      // The stall lasts until the agent's reader has taken the burst out of the kernel's ring buffer (then each line
      // sits in the agent's queue or was dropped by it), however long that takes on a loaded machine. Other tests'
      // lines may trickle in meanwhile, hence "nearly empty" rather than empty.
      await until(() => unreadTraceLines() < 1_000, "the agent's reader to take the burst from the ring buffer");
      agent.child.stdout!.resume();
      // lines after the stall (repeated: another reader may take some), so a batch carries the drop count
      k = n;
      await until(
        () => {
          mark(`${MARKER}_burst ${k++}`);
          return events(stream).some((e) => Number(e.message.split(' ')[1]) >= n);
        },
        'a line after the stall',
        30_000,
      );
    } finally {
      agent.child.stdout!.resume();
      await agent.connection.sendRequest(proto.traceStop, { stream });
    }
    const b = batches.get(stream)!;
    const sent = b.reduce((s, x) => s + x.events.length, 0);
    const dropped = b.reduce((s, x) => s + x.dropped, 0);
    assert.equal(b.at(-1)!.sent, sent, '`sent` counts every event delivered');
    assert.ok(dropped > 0, `events were dropped and counted (${dropped})`);
    // the queue holds 20,000; a few hundred more fit in the pipe before the writes stall
    assert.ok(sent < 25_000, `the queue stayed bounded (${sent} of ${k} sent)`);
    assert.ok(sent + dropped <= k + warm, 'nothing is counted twice');
    assert.ok(
      b.every((x) => x.events.length <= 10),
      'batches respect maxEvents',
    );
    const seq = events(stream).map((e) => Number(e.message.split(' ')[1]));
    assert.ok(
      seq.every((v, i) => i === 0 || v > seq[i - 1]),
      'events stay in order',
    );
  });

  it('while another process holds trace_pipe, the agent names it and reads as soon as it is free', async () => {
    // our own competing reader: one `cat` at a time, each either gets trace_pipe or exits with EBUSY (other tests
    // may hold it); every one started is killed in `finally`, so none can outlive the test holding trace_pipe
    const started: ChildProcess[] = [];
    let holder: ChildProcess | undefined;
    const tryHold = async (): Promise<ChildProcess | undefined> => {
      const c = spawnTied(['cat', '/sys/kernel/tracing/trace_pipe']); // dies with this process, whatever happens
      c.stdout.resume();
      started.push(c);
      let exited = false;
      c.once('exit', () => (exited = true));
      // cat either opens trace_pipe or exits with EBUSY at once; one that does neither within a second is given up
      await untilEvent(() => exited || holderOpen(c.pid!), 'cat to open trace_pipe or exit', 1_000, 25).catch(() => undefined);
      if (!exited && holderOpen(c.pid!)) return c;
      c.kill();
      return undefined;
    };
    const give = Date.now() + 90_000;
    while (!holder && Date.now() < give) holder = await tryHold();
    assert.ok(holder, 'our own reader got trace_pipe');
    try {
      const { stream } = await agent.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: `${MARKER}_busy` });
      await until(
        () => agent.logs.some((l) => l.message.includes('trace_pipe is busy') && l.message.includes(`pid ${holder!.pid} (cat)`)),
        'the busy report naming our reader',
      );
      holder.kill();
      await until(() => {
        mark(`${MARKER}_busy after`);
        return events(stream).length > 0;
      }, 'the stream to read once trace_pipe is free');
      await agent.connection.sendRequest(proto.traceStop, { stream });
    } finally {
      for (const c of started) c.kill();
    }
    await until(() => readers(agent) === 0, 'the reader to stop');
  });

  it('an agent killed outright leaves no reader holding trace_pipe', async () => {
    const doomed = await startAgent();
    try {
      await doomed.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: `${MARKER}_doomed` });
      await until(() => readers(doomed) === 1, 'the doomed agent to read');
      const reader = Number(
        runSync(['pgrep', '-P', String(doomed.child.pid)])
          .stdout.trim()
          .split('\n')
          .find((p) => holderOpen(Number(p))),
      );
      doomed.child.kill('SIGKILL');
      await until(() => !holderOpen(reader), 'the orphaned reader to go');
    } finally {
      await doomed.dispose();
    }
  });

  it('bad filters and sources are refused naming the argument', async () => {
    const re = await expectError(agent.connection.sendRequest(proto.traceStart, { source: 'trace_pipe', filter: '/(unclosed/' }));
    assert.equal(re.data?.argument, 'filter');
    const src = await expectError(agent.connection.sendRequest(proto.traceStart, { source: 'dmesg' as never }));
    assert.equal(src.data?.argument, 'source');
    assert.equal(readers(agent), 0, 'a refused start leaves no reader');
  });
});
