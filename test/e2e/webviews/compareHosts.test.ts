// "eBPF: Compare Two Hosts..." inside a real VS Code (code-server + Chromium): two configured hosts, the lab host
// (over SSH, an XDP program on its eth0) and this machine (`local`); the command asks nothing (there are exactly
// two), reads both and opens the host diff, which names the lab's XDP program as only on A.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startCodeServer, type CodeServer } from '../helpers/codeServer';
import { openWorkbench, type Workbench } from '../helpers/workbench';
import { createLabHost, type LabHost } from '../helpers/labHost';
import { bpfWorkspace, type Workspace } from '../helpers/workspace';
import { inWebview } from '../helpers/ebpfView';

const TOKEN = 'ecmp';
const PIN = `/sys/fs/bpf/end_${TOKEN}_pass`;
const bpftool = '/usr/sbin/bpftool';

let lab: LabHost | undefined;
let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let ws: Workspace | undefined;

before(async () => {
  lab = await createLabHost(TOKEN);
  ws = bpfWorkspace(TOKEN, {});
  cs = await startCodeServer({
    workspace: ws.dir,
    vsix: process.env.E2E_VSIX,
    settings: {
      'ebpfNetDebug.hosts': [
        { name: 'lab', target: lab.alias },
        { name: 'here', target: 'local' },
      ],
      'ebpfNetDebug.autoConnect': false,
    },
    prepareHome: (home) => lab!.installClient(home),
  });
  wb = await openWorkbench(cs.url, 'compare-hosts');
});

after(async () => {
  if (wb) await wb.screenshot('final').catch(() => undefined);
  await wb?.close();
  await cs?.stop();
  await lab?.destroy(); // the XDP attachment goes with the namespace
  rmSync(PIN, { force: true });
  ws?.remove();
});

test("Compare Two Hosts shows the lab's XDP program as only on the lab", async () => {
  const w = wb!;
  const l = lab!;
  execFileSync(bpftool, ['prog', 'load', join(repoRoot, 'dist/bpf/xdp_pass_count.o'), PIN]);
  const attached = await l.inNs(l.hostNs, [bpftool, 'net', 'attach', 'xdp', 'pinned', PIN, 'dev', 'eth0']);
  assert.equal(attached.code, 0, attached.stderr);
  // The extension is up once its status bar item shows (its commands are in the palette from then on).
  await w.page.locator('.statusbar-item', { hasText: 'eBPF:' }).first().waitFor({ timeout: 60_000 });
  await w.runCommand('eBPF: Compare Two Hosts...');
  const title = await inWebview(
    w.page,
    (f) => f.$eval('h1#title', (e) => e.textContent ?? ''),
    (t) => t.includes(' vs '),
    90_000,
  );
  assert.equal(title, 'lab (A) vs here (B)');
  const rows = await inWebview(
    w.page,
    (f) =>
      f.$$eval('table[aria-label="Attachments"] tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')),
      ),
    (rs) => rs.length > 0,
    90_000,
  );
  const ours = rows.find((r) => r[0] === 'only on A' && r[1] === 'xdp root/eth0');
  assert.ok(ours, `rows: ${JSON.stringify(rows).slice(0, 800)}`);
  assert.match(ours[2], /^xdp_pass_count tag [0-9a-f]{16} \(prog \d+\)/);
  await w.screenshot('compare-hosts');
});
