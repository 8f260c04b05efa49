// The CLI's other attach kinds on the real kernel, each observed by its effect:
// - tc egress with a knob set by --set: every pure ACK leaving b carries PSH (tcpdump on a);
// - sockops then skmsg of the same object: the second attach reuses the loaded object and its sockhash, so a
//   localhost stream in the cgroup sends no data segment over lo; detaching both unloads the object;
// - tracepoints: every program of the object attached as pinned links, listed, and gone after detach.
// Names carry a token unique to this run of this file (lab `ck2<pid>`, namespaces end_<token>_*, cgroup
// end_<token>_cg, objects end_<token>_*).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCgroup } from '../helpers/cgroup';
import { AGENT_PIN_ROOT, leftovers, runToken, sweep, sweepStale } from '../helpers/cleanup';
import { run, type RunResult } from '../helpers/run';
import { startCapture, type Capture, type CapturedPacket } from '../helpers/tcpdump';
import { runStream } from '../helpers/tcpStream';

const TOKEN = runToken('ck2');
const ROOT = join(__dirname, '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const obj = (name: string) => join(ROOT, 'dist', 'bpf', `${name}.o`);
const nsA = `end_${TOKEN}_a`;
const nsB = `end_${TOKEN}_b`;
let addrB = '';
let capture: Capture | undefined;
const attached = new Set<string>();
const progIds: number[] = [];

function cli(...args: string[]): Promise<RunResult> {
  return run([process.execPath, CLI, ...args], { timeoutMs: 120_000 });
}

async function attach(kind: string, ...args: string[]): Promise<{ id: string; object: string; progId?: number; map?: string }> {
  const r = await cli('attach', kind, '--host', 'local', '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout);
  attached.add(a.id);
  if (a.progId) progIds.push(a.progId);
  return a;
}

async function detach(id: string): Promise<string> {
  const r = await cli('detach', '--host', 'local', id);
  assert.equal(r.code, 0, r.stderr);
  attached.delete(id);
  return r.stdout;
}

before(async () => {
  await sweepStale('ck2');
  await sweep(TOKEN);
  if (!existsSync(CLI) || !existsSync(obj('tc_tcp_psh'))) {
    const b = await run([process.execPath, join(ROOT, 'scripts', 'build.mjs')], { timeoutMs: 300_000 });
    assert.equal(b.code, 0, b.stderr);
  }
  const r = await cli('lab', 'create', TOKEN, '--host', 'local', '--json');
  assert.equal(r.code, 0, r.stderr);
  addrB = JSON.parse(r.stdout)
    .hosts.find((h: { role: string }) => h.role === 'b')
    .interfaces[0].addresses[0].split('/')[0];
});

after(async () => {
  capture?.dispose();
  for (const id of attached) await cli('detach', '--host', 'local', id);
  await cli('lab', 'destroy', TOKEN, '--host', 'local');
  await sweep(TOKEN);
  assert.deepEqual(await leftovers(TOKEN, { progIds }), []);
});

/** Segments b sends without payload and without SYN/FIN/RST: the ones tc_tcp_psh may mark. */
const pureAcksFromB = (ps: CapturedPacket[]) => ps.filter((p) => p.src === addrB && (p.length ?? 0) === 0 && !/[SFR]/.test(p.flags ?? ''));

test('attach tc egress with --set every_n=1: every pure ACK from b carries PSH; detach: none does', async () => {
  const att = await attach(
    'tc',
    '--dev',
    'eth0',
    '--netns',
    nsB,
    '--direction',
    'egress',
    '--name',
    `end_${TOKEN}_psh`,
    '--set',
    'every_n=1',
    obj('tc_tcp_psh'),
  );
  assert.equal(att.id, `tc:${nsB}:eth0:egress`);
  const listed = await cli('list', 'attachments', '--host', 'local');
  assert.match(listed.stdout, new RegExp(`^tc:${nsB}:eth0:egress +tc +${att.progId} +tc_tcp_psh +${nsB}/eth0 +egress$`, 'm'));

  capture = await startCapture(nsA, 'eth0', { filter: ['tcp', 'port', '5301'] });
  const s1 = await runStream({ server: { netns: nsB, port: 5301 }, client: { netns: nsA, host: addrB }, bytes: 1 << 20 });
  const marked = pureAcksFromB(await capture.stop());
  capture = undefined;
  assert.deepEqual(s1.received, s1.sent);
  assert.ok(marked.length > 10, `pure ACKs from b seen: ${marked.length}`);
  assert.deepEqual(
    marked.filter((p) => p.flags !== 'P.').map((p) => p.line),
    [],
    'every pure ACK has PSH',
  );

  const out = await detach(att.id);
  assert.match(out, new RegExp(`^unloaded object end_${TOKEN}_psh$`, 'm'));
  capture = await startCapture(nsA, 'eth0', { filter: ['tcp', 'port', '5302'] });
  await runStream({ server: { netns: nsB, port: 5302 }, client: { netns: nsA, host: addrB }, bytes: 1 << 20 });
  const after = pureAcksFromB(await capture.stop());
  capture = undefined;
  assert.ok(after.length > 10);
  assert.deepEqual(
    after.filter((p) => p.flags === 'P.').map((p) => p.line),
    [],
    'no PSH once detached',
  );
});

test('attach sockops then skmsg of one object: shared sockhash, no data on lo; detaching both unloads it', async () => {
  const cgroup = createCgroup(`end_${TOKEN}_cg`);
  // From a copy of the source in a directory of our own: its path is in the object's debug info, so the default
  // object name (base name + hash of the bytes) belongs to this run, while both attaches compile the same bytes.
  const dir = mkdtempSync(join(tmpdir(), `end_${TOKEN}_src_`));
  const source = join(dir, 'sockmap_redir.bpf.c');
  copyFileSync(join(ROOT, 'bpf', 'sockmap_redir.bpf.c'), source);
  const ops = await attach('sockops', '--cgroup', cgroup, source);
  const msg = await attach('skmsg', source);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(msg.object, ops.object, 'the second attach reuses the object the first loaded');
  assert.equal(msg.map, join(AGENT_PIN_ROOT, ops.object, 'maps', 'sock_hash'));
  // What inspect read from the object's BTF is what the kernel created.
  const fromElf = JSON.parse((await cli('inspect', '--json', obj('sockmap_redir'))).stdout).maps.map(
    (m: { name: string; type: string; keySize: number; valueSize: number; maxEntries: number }) => [
      m.name,
      m.type,
      m.keySize,
      m.valueSize,
      m.maxEntries,
    ],
  );
  const inKernel = JSON.parse((await cli('list', 'maps', '--host', 'local', '--json')).stdout)
    .filter((m: { pinned: string[] }) => m.pinned.some((p) => p.startsWith(join(AGENT_PIN_ROOT, ops.object, 'maps'))))
    .map((m: { name: string; type: string; keySize: number; valueSize: number; maxEntries: number }) => [
      m.name,
      m.type,
      m.keySize,
      m.valueSize,
      m.maxEntries,
    ]);
  assert.deepEqual(inKernel.sort(), fromElf.sort());

  capture = await startCapture(nsA, 'lo', { filter: ['tcp', 'port', '5303'] });
  const s = await runStream({
    server: { netns: nsA, port: 5303, bind: '127.0.0.1', cgroup },
    client: { netns: nsA, host: '127.0.0.1', cgroup },
    bytes: 1 << 20,
  });
  const packets = await capture.stop();
  capture = undefined;
  assert.deepEqual(s.received, s.sent, 'every byte arrives');
  assert.ok(
    packets.some((p) => p.flags === 'S'),
    'the handshake is on lo',
  );
  assert.deepEqual(
    packets.filter((p) => (p.length ?? 0) > 0).map((p) => p.line),
    [],
    'no data segment on lo',
  );

  const first = await detach(msg.id);
  assert.doesNotMatch(first, /unloaded object/, 'sock_ops still uses the object');
  const second = await detach(ops.id);
  assert.match(second, new RegExp(`^unloaded object ${ops.object}$`, 'm'));
  assert.equal(existsSync(join(AGENT_PIN_ROOT, ops.object)), false);
});

test('attach tracepoints: every program linked and listed; detach removes the links and the object', async () => {
  const r = await cli('attach', 'tracepoints', '--host', 'local', '--name', `end_${TOKEN}_tp`, obj('tracepkt'));
  assert.equal(r.code, 0, r.stderr);
  const id = `tracepoints:end_${TOKEN}_tp`;
  attached.add(id);
  assert.match(
    r.stdout,
    new RegExp(
      `^attached the tracepoints of end_${TOKEN}_tp \\(tp_net_dev_queue, tp_netif_rx, tp_netif_receive_skb_entry, tp_napi_gro_receive_entry, tp_kfree_skb\\)$`,
      'm',
    ),
  );
  assert.match(r.stdout, new RegExp(`^id: ${id}$`, 'm'));
  const links = await cli('list', 'links', '--host', 'local', '--json');
  const ours = JSON.parse(links.stdout).filter((l: { pinned: string[] }) =>
    l.pinned.some((p) => p.startsWith(join(AGENT_PIN_ROOT, `end_${TOKEN}_tp`))),
  );
  assert.equal(ours.length, 5);
  progIds.push(...ours.map((l: { progId: number }) => l.progId));
  const out = await detach(id);
  assert.match(out, new RegExp(`^unloaded object end_${TOKEN}_tp$`, 'm'));
  const after = JSON.parse((await cli('list', 'links', '--host', 'local', '--json')).stdout);
  assert.equal(after.filter((l: { progId: number }) => progIds.includes(l.progId)).length, 0);
});

test('a program of the wrong kind is refused, naming what the object has', async () => {
  const wrong = await cli('attach', 'xdp', '--host', 'local', '--dev', 'eth0', '--netns', nsA, obj('tc_tcp_psh'));
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr, `ebpf-netdebug: attach xdp: ${obj('tc_tcp_psh')} has no xdp program (its programs: tc_tcp_psh (tc))\n`);
  const named = await cli(
    'attach',
    'xdp',
    '--host',
    'local',
    '--dev',
    'eth0',
    '--netns',
    nsA,
    '--program',
    'tc_tcp_psh',
    obj('tc_tcp_psh'),
  );
  assert.equal(named.code, 2);
  assert.match(named.stderr, /--program tc_tcp_psh: section "tc" is a sched_cls program; attach it with `attach tc`/);
});
