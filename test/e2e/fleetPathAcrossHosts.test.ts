// "eBPF: Trace Packet Path Across Hosts..." inside a real VS Code (code-server + Chromium), on a chain A - R - B of
// namespace hosts, each with its own sshd (test/ssh/helpers/fleetHosts.ts chainLab: R routes between A's and B's
// subnets), configured with netnsScope "own" so that each host sees only its own namespace's hops. The editor
// connects to the three; the command (the three connected hosts picked already, the filter asked) traces on those
// sessions; a ping from A to B shows in the packets-across-hosts view as one exchange whose request crosses A's
// eth0, R's eth0 and eth1 and B's eth0 in that order, the TTL falling by one at R, with one box per host and the
// clock offsets stated, each host listed as tracing. The view's Stop button stops it on the three hosts, and the
// trace's notification goes with it. Run again on the three host rows selected in the eBPF tree, it asks no hosts
// and traces the rows' hosts; closing its panel stops that trace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startCodeServer, type CodeServer } from './helpers/codeServer';
import { openWorkbench, type Workbench } from './helpers/workbench';
import { bpfWorkspace, type Workspace } from './helpers/workspace';
import { inWebview, openEbpfView } from './helpers/ebpfView';
import { runToken, sweepStale } from '../kernel/helpers/cleanup';
import { chainLab, CHAIN, type FleetHosts, type MgmtHost } from '../ssh/helpers/fleetHosts';

const TOKEN = runToken('efp');
let lab: (FleetHosts & { a: MgmtHost; r: MgmtHost; b: MgmtHost }) | undefined;
let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let ws: Workspace | undefined;

const alias = (h: MgmtHost) => `end-${TOKEN}-${h.name}`;

before(async () => {
  await sweepStale('efp');
  lab = await chainLab(TOKEN);
  const l = lab;
  ws = bpfWorkspace(TOKEN, {});
  cs = await startCodeServer({
    workspace: ws.dir,
    settings: {
      'ebpfNetDebug.hosts': l.hosts.map((h) => ({ name: h.name, target: alias(h), netnsScope: 'own' })),
    },
    // One ~/.ssh/config with an alias per host, the chain's client key and known_hosts.
    prepareHome: (home) => {
      mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
      const blocks = l.hosts.map((h) =>
        [
          `Host ${alias(h)}`,
          `  HostName ${h.sshd!.host}`,
          `  Port ${h.sshd!.port}`,
          '  User root',
          `  IdentityFile ${l.client.keyPath}`,
          '  IdentitiesOnly yes',
          `  UserKnownHostsFile ${l.client.knownHostsPath}`,
          '  StrictHostKeyChecking yes',
          '',
        ].join('\n'),
      );
      writeFileSync(join(home, '.ssh/config'), blocks.join('\n'), { mode: 0o600 });
    },
  });
  wb = await openWorkbench(cs.url, 'fleet-path');
});

after(async () => {
  if (wb) await wb.screenshot('final').catch(() => undefined);
  await wb?.close();
  if (cs && process.env.E2E_KEEP_LOG) console.log(cs.extensionLog());
  await cs?.stop();
  await lab?.destroy();
  ws?.remove();
});

test('a ping from A to B traced on A, R and B is one path through R in the packets-across-hosts view', async () => {
  const w = wb!;
  const l = lab!;
  // The three connect at start (autoConnect).
  await w.page.locator('.statusbar-item', { hasText: 'eBPF: 3 hosts' }).first().waitFor({ timeout: 120_000 });

  await w.runCommand('eBPF: Trace Packet Path Across Hosts...');
  // Nothing selected in the tree: the connected hosts are offered, all three picked already.
  await w.page.locator('.quick-input-widget .monaco-list-row', { hasText: /^B/ }).first().waitFor({ timeout: 30_000 });
  const picked = await w.page.locator('.quick-input-widget .monaco-list-row[aria-checked="true"]').allInnerTexts();
  // Each row: the name, then the target and the scope (`Aend-<token>-A · netns scope own`).
  assert.deepEqual(
    picked.map((t) => `${t.slice(0, 1)} ${/netns scope (\w+)/.exec(t)?.[1]}`),
    ['A own', 'R own', 'B own'],
  );
  await w.answerInput('');
  await w.answerInput(`icmp and host ${CHAIN.right}.2`);

  const tracing = await inWebview(
    w.page,
    (f) => f.$eval('#state', (e) => e.textContent ?? ''),
    (t) => t.startsWith('tracing'),
  );
  assert.equal(tracing, `tracing icmp and host ${CHAIN.right}.2 on A own, R own, B own (network namespace scope)`);
  const clocks = await inWebview(
    w.page,
    (f) => f.$eval('#clocks', (e) => e.textContent ?? ''),
    (t) => t !== '',
  );
  assert.match(
    clocks,
    /^Clock offsets \(host minus this machine\): A -?\d+\.\d{3} ms ± \d+\.\d{3} ms; R -?\d+\.\d{3} ms ± .*; B -?\d+\.\d{3} ms ± /,
  );

  const ping = await promisify(execFile)('nsenter', [
    `--net=/run/netns/${l.a.netns}`,
    'ping',
    '-n',
    '-c',
    '3',
    '-i',
    '0.2',
    '-W',
    '1',
    `${CHAIN.right}.2`,
  ]);
  assert.match(ping.stdout, /3 packets transmitted, 3 received/);

  // What the user sees of the exchange shown: its request's hops in order, one box per host.
  const seen = await inWebview(
    w.page,
    async (f) => ({
      request: await f.$$eval('table[aria-label="Hops"] tbody tr:not(.wire)', (trs) =>
        trs
          .map((tr) => Array.from(tr.children).map((c) => c.textContent ?? ''))
          .filter((r) => r[0] === 'request')
          .map((r) => `${r[1]} ${r[2]} ${r[3]}`),
      ),
      boxes: await f.$$eval('svg g.netns', (gs) => gs.map((g) => g.getAttribute('data-netns'))),
      exchanges: await f.$$eval('li[data-exchange]', (lis) => lis.map((li) => li.textContent ?? '')),
    }),
    (v) => v.request.length >= 4 && v.boxes.length >= 3,
    60_000,
  );
  assert.deepEqual(seen.request, ['A eth0 64', 'R eth0 64', 'R eth1 63', 'B eth0 63'], 'the request through R, TTL falling by one there');
  assert.deepEqual(seen.boxes, ['A', 'R', 'B'], 'one box per host, in path order');
  assert.ok(
    seen.exchanges.some((x) => x.includes('request A → R → B') && x.includes('reply B → R → A')),
    `an exchange whose request goes A → R → B and whose reply comes back: ${JSON.stringify(seen.exchanges)}`,
  );
  await w.screenshot('fleet-path');

  const hosts = await inWebview(
    w.page,
    (f) => f.$$eval('#hosts li', (lis) => lis.map((li) => li.textContent ?? '')),
    (v) => v.length === 3,
  );
  assert.deepEqual(hosts, ['A: tracing (netns scope own)', 'R: tracing (netns scope own)', 'B: tracing (netns scope own)']);

  // The view's Stop button stops the tracers on the three hosts; the trace's notification goes with it.
  const toast = w.page.locator('.notifications-toasts .notification-toast', { hasText: /tracing packets across A, R, B/ }).first();
  await inWebview(
    w.page,
    async (f) => {
      await f.click('#stop', { timeout: 2000 });
      return true;
    },
    (clicked) => clicked,
    30_000,
  );
  const stopped = await inWebview(
    w.page,
    (f) => f.$eval('#state', (e) => e.textContent ?? ''),
    (t) => t.startsWith('stopped'),
    30_000,
  );
  assert.equal(stopped, 'stopped (A, R, B)');
  await toast.waitFor({ state: 'detached', timeout: 30_000 });
});

test('on the host rows selected in the tree it traces those hosts; closing the panel stops it', async () => {
  const w = wb!;
  await openEbpfView(w);
  // A host row reads "<name><alias> · connected · kernel ..." (label and description run together).
  const row = (name: string) =>
    w.page.locator('.monaco-list-row', { hasText: new RegExp(`^${name}\\s*end-${TOKEN}-${name} · connected`) }).first();
  for (const name of ['A', 'R', 'B']) await row(name).waitFor({ timeout: 30_000 });
  await row('B').click();
  await row('A').click({ modifiers: ['Control'] });
  await row('R').click({ modifiers: ['Control'] });
  await w.contextMenu(row('R'), /Trace Packet Path Across Hosts/);
  // No pick of hosts: the filter is what it asks.
  await w.answerInput(`icmp and host ${CHAIN.left}.1`);
  const tracing = await inWebview(
    w.page,
    (f) => f.$eval('#state', (e) => e.textContent ?? ''),
    (t) => t.startsWith(`tracing icmp and host ${CHAIN.left}.1`),
  );
  // In the order of the settings, whatever order the rows were clicked in.
  assert.equal(tracing, `tracing icmp and host ${CHAIN.left}.1 on A own, R own, B own (network namespace scope)`);
  const toast = w.page.locator('.notifications-toasts .notification-toast', { hasText: /tracing packets across A, R, B/ }).first();
  await toast.waitFor({ timeout: 30_000 });
  await w.screenshot('fleet-path-from-rows');
  // The trace's panel is the active editor: closing it stops the trace, and its notification goes.
  await w.runCommand('View: Close Editor');
  await toast.waitFor({ state: 'detached', timeout: 30_000 });
});
