// Several hosts at once in the editor (issue 13), in code-server: three configured hosts, each a lab namespace
// with its own sshd; gamma's sshd is stopped before the editor starts. The extension connects to all of them
// together: the tree shows alpha and beta connected and gamma failed with its reason, the status bar says
// "eBPF: 2 hosts". With beta's row selected, "Attach XDP to eth0" from the palette attaches on beta only (bpftool in
// each namespace). Then "Roll Out to Hosts..." on the alpha and beta rows (multi-select) to an interface only
// alpha has: alpha (the canary) attaches, beta fails, and the rollout detaches alpha again (bpftool).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startCodeServer, type CodeServer } from './helpers/codeServer';
import { openWorkbench, type Workbench } from './helpers/workbench';
import { createLabHost, type LabHost } from './helpers/labHost';
import { bpfWorkspace, type Workspace } from './helpers/workspace';
import { openEbpfView } from './helpers/ebpfView';
import { removeObjectPins } from './helpers/pins';

const bpftool = '/usr/sbin/bpftool';
const labs: Record<'alpha' | 'beta' | 'gamma', LabHost | undefined> = { alpha: undefined, beta: undefined, gamma: undefined };
let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let ws: Workspace | undefined;

before(async () => {
  // Made one after the other: each picks a free management subnet by looking at what exists.
  labs.alpha = await createLabHost('efa');
  labs.beta = await createLabHost('efb');
  labs.gamma = await createLabHost('efc');
  await labs.gamma.stopSshd();
  // copies of its own: the attach pins objects as BASENAME-HASH, and other e2e files attach (and remove) the same programs
  ws = bpfWorkspace('efl', {
    'xdp_drop_ping_efl.bpf.c': join(repoRoot, 'bpf/xdp_drop_ping.bpf.c'),
    'xdp_pass_count_efl.bpf.c': join(repoRoot, 'bpf/xdp_pass_count.bpf.c'),
  });
  const all = [labs.alpha, labs.beta, labs.gamma];
  cs = await startCodeServer({
    workspace: ws.dir,
    settings: {
      'ebpfNetDebug.hosts': [
        { name: 'alpha', target: labs.alpha.alias },
        { name: 'beta', target: labs.beta.alias },
        { name: 'gamma', target: labs.gamma.alias },
      ],
    },
    // One ~/.ssh/config with the three aliases.
    prepareHome: (home) => {
      mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
      writeFileSync(join(home, '.ssh/config'), all.map((l) => readFileSync(l.sshConfig, 'utf8')).join('\n'), { mode: 0o600 });
    },
  });
  wb = await openWorkbench(cs.url, 'fleet-hosts');
});

after(async () => {
  if (wb) await wb.screenshot('final').catch(() => undefined);
  await wb?.close();
  if (cs && process.env.E2E_KEEP_LOG) console.log(cs.extensionLog());
  await cs?.stop();
  for (const l of Object.values(labs)) await l?.destroy();
  ws?.remove();
  removeObjectPins('xdp_drop_ping_efl');
  removeObjectPins('xdp_pass_count_efl');
});

async function progName(lab: LabHost, id: number): Promise<string | undefined> {
  const r = await lab.inNs(lab.hostNs, [bpftool, '-j', 'prog', 'show', 'id', String(id)]);
  if (r.code !== 0) throw new Error(`bpftool prog show id ${id}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { name?: string }).name;
}

async function xdpOn(lab: LabHost, dev: string): Promise<{ id: number; mode: string; name?: string } | undefined> {
  const r = await lab.inNs(lab.hostNs, [bpftool, '-j', 'net', 'show', 'dev', dev]);
  if (r.code !== 0) throw new Error(`bpftool net show dev ${dev} in ${lab.hostNs}: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as { xdp?: { id: number; mode: string; name?: string }[] }[];
  return parsed[0]?.xdp?.[0];
}

test('two hosts connect together, a host whose sshd is down shows failed with its reason, an attach acts on the selected host only', async () => {
  const w = wb!;
  const alpha = labs.alpha!;
  const beta = labs.beta!;
  // The status bar counts the connected hosts once everyone has answered (gamma with a failure).
  const status = w.page.locator('.statusbar-item', { hasText: 'eBPF: 2 hosts' }).first();
  await status.waitFor({ timeout: 120_000 });
  assert.ok((await status.innerHTML()).includes('codicon-pulse'), 'the status bar shows hosts connected');
  await w.screenshot('status-two-hosts');

  await openEbpfView(w);
  const row = (name: string) => w.page.locator('.monaco-list-row', { hasText: new RegExp(`^${name}`) }).first();
  for (const name of ['alpha', 'beta']) {
    await row(name).waitFor({ timeout: 30_000 });
    assert.match(await row(name).innerText(), /connected · kernel /, `${name}'s row says connected`);
  }
  const gamma = row('gamma');
  await gamma.waitFor({ timeout: 30_000 });
  // ssh's own words for a port nobody listens on.
  assert.match(await gamma.innerText(), /failed: .*(refused|ECONNREFUSED)/i, `gamma's row says why: ${await gamma.innerText()}`);
  // Each connected host has its own sections.
  const sections = await w.page.locator('.monaco-list-row', { hasText: /^Programs/ }).count();
  assert.equal(sections, 2, 'alpha and beta each show their Programs section');
  await w.screenshot('tree-three-hosts');

  // Beta's row selected; the palette command acts on beta without asking.
  await row('beta').click();
  await w.openFile('xdp_drop_ping_efl.bpf.c');
  await w.runCommand('eBPF: Attach XDP to eth0');
  await w.pickQuickItem(/^native/);
  const msg = await w.waitForNotification(/Attached xdp_drop_ping to eth0/, 90_000);
  assert.match(msg, /XDP driver/);
  await w.screenshot('attached-on-beta');
  const onBeta = await xdpOn(beta, 'eth0');
  assert.ok(onBeta, "bpftool in beta's namespace shows an XDP program on eth0");
  assert.equal(await progName(beta, onBeta.id), 'xdp_drop_ping');
  assert.equal(await xdpOn(alpha, 'eth0'), undefined, "alpha's eth0 has nothing attached");
  const ping = await beta.ping(3);
  assert.equal(ping.received, 0, "beta's lab ping is dropped");
  assert.equal((await alpha.ping(3)).received, 3, "alpha's lab ping still answers");
});

test('Roll Out to Hosts on two selected host rows stops at the host that cannot take it and detaches the canary', async () => {
  const w = wb!;
  const alpha = labs.alpha!;
  const beta = labs.beta!;
  // An interface only alpha has: the canary (alpha) takes the program, beta cannot.
  const made = await alpha.inNs(alpha.hostNs, ['ip', 'link', 'add', 'efl0', 'type', 'veth', 'peer', 'name', 'efl1']);
  assert.equal(made.code, 0, made.stderr);
  for (const dev of ['efl0', 'efl1']) assert.equal((await alpha.inNs(alpha.hostNs, ['ip', 'link', 'set', dev, 'up'])).code, 0);

  await w.openFile('xdp_pass_count_efl.bpf.c');
  await openEbpfView(w);
  const row = (name: string) => w.page.locator('.monaco-list-row', { hasText: new RegExp(`^${name}`) }).first();
  await row('alpha').click();
  await row('beta').click({ modifiers: ['Control'] });
  await w.contextMenu(row('beta'), /Roll Out to Hosts/);
  await w.answerInput('efl0'); // the interface
  await w.pickQuickItem(/^generic/);
  await w.answerInput(''); // no health probe
  // The attach on alpha happens (and is confirmed) before beta fails: watch it in the progress.
  const summary = await w.waitForNotification(/Rollout of xdp_pass_count_efl\.bpf\.c on efl0 stopped/, 120_000);
  assert.match(summary, /beta failed at attach/);
  assert.match(summary, /Detached again on alpha/);
  await w.screenshot('rollout-stopped');
  assert.equal(await xdpOn(alpha, 'efl0'), undefined, "the rollout detached alpha's attach again");
  // Beta's first attach (the other test) is untouched.
  const stillOnBeta = await xdpOn(beta, 'eth0');
  assert.ok(stillOnBeta, "beta's attach from the first test is still there");
  assert.equal(await progName(beta, stillOnBeta.id), 'xdp_drop_ping');
});
