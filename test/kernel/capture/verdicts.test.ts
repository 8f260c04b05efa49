// Verdict capture as a user runs it: `attach xdp|tc ... FILE.bpf.c --capture FILE.pcapng` against the real kernel,
// in a lab of two namespaces. Observed by effect: the pings the seed program drops are in the file with XDP_DROP and
// their ICMP bytes, other traffic with XDP_PASS, the counts equal the pings sent, tshark reads the verdict field;
// tc_tcp_psh's TCP segments carry TC_ACT_OK; a filter keeps only what it names; afterwards the plain program is
// attached again (same program id) and still drops pings, and its map kept counting through the capture.
// The capture is stopped with Ctrl-C (SIGINT) once the traffic is done, never after a guessed time.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AGENT_PIN_ROOT, leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { inNetnsOk } from '../helpers/netns';
import { ping } from '../helpers/ping';
import { run, type RunResult } from '../helpers/run';
import { runStream } from '../helpers/tcpStream';

const TOKEN = runToken('vcp');
const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const DROP_PING_C = join(ROOT, 'bpf', 'xdp_drop_ping.bpf.c');
const TC_PSH_C = join(ROOT, 'bpf', 'tc_tcp_psh.bpf.c');
const CAPTURES_DIR = join(AGENT_PIN_ROOT, 'verdict_captures');

const nsA = `end_${TOKEN}_a`;
const nsB = `end_${TOKEN}_b`;
let addrB = '';
const attached = new Set<string>();
const objects = new Set<string>();
const progIds: number[] = [];
const children = new Set<ChildProcess>();
let dir = '';

function cli(...args: string[]): Promise<RunResult> {
  return run([process.execPath, CLI, ...args], { timeoutMs: 120_000 });
}

interface Running {
  stdout: () => Buffer;
  stderr: () => string;
  done: Promise<number | null>;
  child: ChildProcess;
}

/** Starts `attach ... --capture` and resolves once the capture runs (its "capturing" line on stderr). */
async function startCapture(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'attach', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      err += d;
      if (/capturing the verdicts/.test(err)) resolve();
    });
    void done.then((code) => reject(new Error(`attach --capture ended (exit ${code}) before capturing:\n${err}`)));
  });
  return { stdout: () => Buffer.concat(out), stderr: () => err, done, child };
}

/** Ctrl-C, as a user stops it; resolves with the exit code. */
async function stopCapture(r: Running): Promise<number | null> {
  r.child.kill('SIGINT');
  return r.done;
}

async function tshark(file: string, fields: string[], filter?: string): Promise<string[][]> {
  const r = await run(['tshark', '-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(
    r.stderr.replace(/Running as user "root".*\n?/, ''),
    /warn|error|malformed/i,
    'tshark reads the file without complaint',
  );
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

async function xdpProgOnB(): Promise<number | undefined> {
  const r = await inNetnsOk(nsB, ['bpftool', '-j', 'net', 'show', 'dev', 'eth0']);
  const xdp = (JSON.parse(r.stdout) as { xdp?: { id: number }[] }[])[0]?.xdp ?? [];
  return xdp[0]?.id;
}

function remember(att: { id: string; object: string; progId?: number }): void {
  attached.add(att.id);
  objects.add(att.object);
  if (att.progId) progIds.push(att.progId);
}

describe('verdict capture (attach --capture)', () => {
  before(async () => {
    await sweepStale('vcp');
    await sweep(TOKEN);
    if (!existsSync(CLI) || !existsSync(join(ROOT, 'dist', 'agent.js'))) {
      const b = await run([process.execPath, join(ROOT, 'scripts', 'build.mjs')], { timeoutMs: 300_000 });
      assert.equal(b.code, 0, b.stderr);
    }
    dir = mkdtempSync(join(tmpdir(), `end_${TOKEN}_`));
    const lab = await cli('lab', 'create', TOKEN, '--host', 'local', '--json');
    assert.equal(lab.code, 0, lab.stderr);
    const hosts = (JSON.parse(lab.stdout) as { hosts: { role: string; interfaces: { addresses: string[] }[] }[] }).hosts;
    addrB = hosts
      .find((h) => h.role === 'b')!
      .interfaces[0].addresses.find((x) => x.includes('.'))!
      .replace(/\/\d+$/, '');
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const id of attached) await cli('detach', '--host', 'local', id);
    await cli('lab', 'destroy', TOKEN, '--host', 'local');
    await sweep(TOKEN);
    for (const o of objects) await run(['rm', '-rf', join(AGENT_PIN_ROOT, o)]);
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
    for (const o of objects) assert.equal(existsSync(join(AGENT_PIN_ROOT, o)), false, `object ${o} left behind`);
    // no instrumented object of ours is left pinned
    const mine = existsSync(CAPTURES_DIR) ? readdirSync(CAPTURES_DIR) : [];
    assert.deepEqual(
      mine.filter((n) => !/^vcap-(\d+)-/.test(n) || !existsSync(`/proc/${/^vcap-(\d+)-/.exec(n)![1]}`)),
      [],
      'stale capture pins',
    );
  });

  it('xdp_drop_ping: echo requests show XDP_DROP with their ICMP bytes, other traffic XDP_PASS; the plain program is back and still drops', async (t) => {
    const file = join(dir, 'drop.pcapng');
    // Objects named with the token: other test files attach the same sources under their default names.
    const cap = await startCapture([
      'xdp',
      '--host',
      'local',
      '--netns',
      nsB,
      '--dev',
      'eth0',
      DROP_PING_C,
      '--name',
      `end_${TOKEN}_drop`,
      '--capture',
      file,
      '--duration',
      '600',
      '--json',
    ]);
    const pinged = await ping(nsA, addrB, { count: 10, interval: 0.2, wait: 1 });
    assert.equal(pinged.received, 0, `the pings are dropped during the capture:\n${pinged.output}`);
    // other traffic: a TCP stream from a to b goes through (XDP_PASS)
    const stream = await runStream({ server: { netns: nsB, port: 7201 }, client: { netns: nsA, host: addrB }, bytes: 200_000 });
    assert.equal(stream.received.sha256, stream.sent.sha256);
    assert.equal(await stopCapture(cap), 0, cap.stderr());
    const att = JSON.parse(cap.stdout().toString()) as {
      id: string;
      object: string;
      progId: number;
      capture: {
        packets: number;
        lost: number;
        matched: number;
        received: number;
        verdicts: Record<string, number>;
        restoredProgId: number;
        capturedProgId: number;
      };
    };
    remember(att);
    t.diagnostic(`capture: ${JSON.stringify(att.capture)}`);
    assert.equal(att.capture.lost, 0, 'nothing lost');
    assert.equal(att.capture.packets, att.capture.matched, 'every matched packet is in the file');
    assert.equal(att.capture.verdicts.XDP_DROP, pinged.transmitted, 'XDP_DROP count = pings sent');
    assert.ok((att.capture.verdicts.XDP_PASS ?? 0) > 0, 'the stream passed');
    assert.equal(att.capture.restoredProgId, att.progId);
    assert.notEqual(att.capture.capturedProgId, att.progId);

    const frames = await tshark(file, [
      'frame.verdict.ebpf_xdp',
      'icmp.type',
      'icmp.seq',
      'tcp.dstport',
      'frame.interface_name',
      'frame.interface_description',
    ]);
    assert.equal(frames.length, att.capture.packets, 'tshark counts what the CLI wrote');
    const echo = frames.filter((f) => f[1] === '8');
    assert.equal(echo.length, pinged.transmitted);
    assert.deepEqual(
      echo.map((f) => f[0]),
      echo.map(() => '1'),
      'echo requests: XDP_DROP (1)',
    );
    assert.deepEqual(
      echo.map((f) => Number(f[2])).sort((x, y) => x - y),
      Array.from({ length: pinged.transmitted }, (_, i) => i + 1),
      'their ICMP sequence numbers, from the bytes',
    );
    const tcp = frames.filter((f) => f[3] === '7201');
    assert.ok(tcp.length > 0, 'TCP segments of the stream are there');
    assert.ok(
      tcp.every((f) => f[0] === '2'),
      'and show XDP_PASS (2)',
    );
    assert.deepEqual([...new Set(frames.map((f) => `${f[4]} ${f[5]}`))], [`eth0 netns ${nsB}`]);

    // The plain program is attached again and still drops; its counter counted through the capture.
    assert.equal(await xdpProgOnB(), att.progId);
    const afterwards = await ping(nsA, addrB, { count: 3, interval: 0.2, wait: 1 });
    assert.equal(afterwards.received, 0, afterwards.output);
    const dump = await run(['bpftool', '-j', 'map', 'dump', 'pinned', join(AGENT_PIN_ROOT, att.object, 'maps', 'drop_stats')]);
    const packets = (JSON.parse(dump.stdout) as { formatted: { value: { packets: number } } }[])[0].formatted.value.packets;
    assert.equal(
      packets,
      pinged.transmitted + afterwards.transmitted,
      "the plain object's drop_stats (fresh: loaded for this test) counted the captured pings too: one shared map",
    );
    assert.equal((await cli('detach', '--host', 'local', att.id)).code, 0);
    attached.delete(att.id);
  });

  it('tc_tcp_psh on egress: its TCP segments show TC_ACT_OK; --filter tcp keeps ARP and pings out; `-` writes pcapng to stdout', async (t) => {
    const cap = await startCapture([
      'tc',
      '--host',
      'local',
      '--netns',
      nsA,
      '--dev',
      'eth0',
      '--direction',
      'egress',
      TC_PSH_C,
      '--name',
      `end_${TOKEN}_psh`,
      '--capture',
      '-',
      '--filter',
      `tcp and dst ${addrB}`,
      '--duration',
      '600',
    ]);
    const pinged = await ping(nsA, addrB, { count: 3, interval: 0.2, wait: 1 });
    assert.equal(pinged.received, 3, 'tc_tcp_psh never drops');
    const stream = await runStream({ server: { netns: nsB, port: 7202 }, client: { netns: nsA, host: addrB }, bytes: 300_000 });
    assert.equal(stream.received.sha256, stream.sent.sha256);
    assert.equal(await stopCapture(cap), 0, cap.stderr());
    const file = join(dir, 'psh.pcapng');
    writeFileSync(file, cap.stdout());
    const report = cap.stderr();
    t.diagnostic(report.trim());
    const m = /captured (\d+) packets into stdout \(TC_ACT_OK (\d+)\); seen (\d+), matched (\d+), lost (\d+)/.exec(report);
    assert.ok(m, `the report on stderr: ${report}`);
    const [packets, ok, seen, matched, lost] = m.slice(1).map(Number);
    assert.equal(lost, 0);
    assert.equal(packets, ok);
    assert.equal(matched, packets);
    assert.ok(seen > matched, 'the pings and ARP were seen but not recorded');
    const id = /^id: (\S+)$/m.exec(report)![1];
    const object = /^object: (\S+)$/m.exec(report)![1];
    remember({ id, object });

    const frames = await tshark(file, ['frame.verdict.ebpf_tc', 'ip.dst', 'tcp.dstport', 'frame.interface_description']);
    assert.equal(frames.length, packets);
    assert.ok(frames.length > 0);
    assert.ok(
      frames.every((f) => f[0] === '0' && f[1] === addrB && f[2] === '7202'),
      'TCP to b only, all TC_ACT_OK (0)',
    );
    // the plain program is on the filter again
    const shown = await inNetnsOk(nsA, ['tc', 'filter', 'show', 'dev', 'eth0', 'egress', 'pref', '49001']);
    assert.match(shown.stdout, /tc_tcp_psh/);
    assert.equal((await cli('detach', '--host', 'local', id)).code, 0);
    attached.delete(id);
  });

  it('a .o cannot be captured, and a bad filter is refused before anything is attached', async () => {
    const o = await cli(
      'attach',
      'xdp',
      '--host',
      'local',
      '--netns',
      nsB,
      '--dev',
      'eth0',
      join(ROOT, 'dist', 'bpf', 'xdp_drop_ping.o'),
      '--capture',
      join(dir, 'x.pcapng'),
    );
    assert.equal(o.code, 2);
    assert.match(o.stderr, /--capture needs the program's source/);
    const f = await cli(
      'attach',
      'xdp',
      '--host',
      'local',
      '--netns',
      nsB,
      '--dev',
      'eth0',
      DROP_PING_C,
      '--capture',
      join(dir, 'x.pcapng'),
      '--filter',
      'icmp or udp',
    );
    assert.equal(f.code, 2);
    assert.match(f.stderr, /--filter: "or" is not supported/);
    assert.equal(await xdpProgOnB(), undefined, 'nothing attached');
    assert.equal(existsSync(join(dir, 'x.pcapng')), false);
  });
});
