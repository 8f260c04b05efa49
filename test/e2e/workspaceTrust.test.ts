// A workspace cannot name the programs the extension runs: a checked-out repository's .vscode/settings.json sets
// clangd.path, compile.clangPath, compile.extraFlags and a host whose bpftoolPath is a marker script (each would
// leave a file behind if it ever ran), and the extension, in a trusted workspace even, uses the machine's values:
// clangd from PATH marks the syntax error, the compile runs the default clang without the workspace's flags, and
// the workspace's host does not exist (its defaultHost is reported as naming no host). These settings are
// `machine`-scoped in package.json (test/unit/vscode-model/manifest.test.ts checks the manifest itself).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCodeServer, type CodeServer } from './helpers/codeServer';
import { openWorkbench, type Workbench } from './helpers/workbench';
import { bpfWorkspace, type Workspace } from './helpers/workspace';

let cs: CodeServer | undefined;
let wb: Workbench | undefined;
let ws: Workspace | undefined;
let markers = '';

/** A script that records that it ran (a file next to it) and fails. */
function marker(name: string): string {
  const path = join(markers, name);
  writeFileSync(path, `#!/bin/sh\necho "$@" > "$0.ran"\nexit 1\n`);
  chmodSync(path, 0o755);
  return path;
}

/** What ran of the workspace's markers, and whether clang got the workspace's flags: named in every failure. */
const ranMarkers = () => readdirSync(markers).filter((f) => f.endsWith('.ran') || f.endsWith('.d'));
async function step<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message.split('\n')[0]} (workspace markers that ran: ${ranMarkers().join(', ') || 'none'})`);
  }
}

before(async () => {
  assert.ok(existsSync('/usr/bin/clangd'), 'clangd is installed by scripts/setup-e2e.sh');
  ws = bpfWorkspace('ewt', { 'xdp_syntax_error.bpf.c': join(__dirname, 'fixtures/xdp_syntax_error.bpf.c') });
  markers = join(ws.dir, '.markers');
  mkdirSync(markers);
  mkdirSync(join(ws.dir, '.vscode'));
  writeFileSync(
    join(ws.dir, '.vscode/settings.json'),
    JSON.stringify(
      {
        'ebpfNetDebug.clangd.path': marker('clangd'),
        'ebpfNetDebug.compile.clangPath': marker('clang'),
        // clang writes this dependency file if the flags are ever used
        'ebpfNetDebug.compile.extraFlags': ['-MD', '-MF', join(markers, 'extraFlags.d')],
        'ebpfNetDebug.hosts': [{ name: 'ws', target: 'local', bpftoolPath: marker('bpftool') }],
        // workspace-settable: they make the extension connect to that host at once if the workspace's hosts counted
        'ebpfNetDebug.defaultHost': 'ws',
        'ebpfNetDebug.autoConnect': true,
      },
      null,
      2,
    ),
  );
  // The machine's own settings name no host and leave the tool paths at their defaults.
  cs = await startCodeServer({ workspace: ws.dir, settings: {} });
  wb = await openWorkbench(cs.url, 'workspace-trust');
});

after(async () => {
  if (wb) await wb.screenshot('final').catch(() => undefined);
  if (process.env.E2E_KEEP_LOG) console.log(cs?.extensionLog());
  await wb?.close();
  await cs?.stop();
  ws?.remove();
});

test("a workspace's settings.json cannot change the programs, flags or hosts the extension runs", async () => {
  const w = wb!;
  // The workspace's hosts do not count, so its defaultHost names none.
  const warning = await step('the workspace defaultHost warning', w.waitForNotification(/ebpfNetDebug\.defaultHost/, 60_000));
  assert.match(warning, /names no host/);

  // clangd: the one on PATH (the marker would exit at once and mark nothing).
  await w.openFile('xdp_syntax_error.bpf.c');
  if (
    !(await w.page
      .locator('.markers-panel')
      .first()
      .isVisible()
      .catch(() => false))
  ) {
    await w.page.locator('.statusbar-item[id="status.problems"]').first().click();
  }
  await step(
    "clangd's diagnostic",
    w.page
      .locator('.markers-panel .monaco-list-row', { hasText: /expected ';'.*clang.?expected_semi_declaration/i })
      .first()
      .waitFor({ timeout: 60_000 }),
  );

  // compile: the default clang, without the workspace's flags.
  await w.openFile('xdp_drop_ping.bpf.c');
  await w.runCommand('eBPF: Compile BPF Program');
  await step('the compile', w.waitForNotification(/Compiled .*xdp_drop_ping\.bpf\.c/, 60_000));

  assert.deepEqual(ranMarkers(), [], 'no workspace-named program ran and no workspace flag reached clang');
  const log = cs!.extensionLog();
  assert.match(log, /clangd: started for \*\.bpf\.c/);
  assert.doesNotMatch(log, new RegExp(markers.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the log never names a workspace path as a tool');
});
