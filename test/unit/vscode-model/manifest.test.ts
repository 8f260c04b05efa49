// package.json's VS Code keys come from extension/vscode/manifest/manifest.mjs; this keeps them in sync and checks
// that every contributed command is one the extension registers (its table or the webview side's list), every
// menu names a contributed command, and activation is not on every C file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

test('package.json is in sync with manifest.mjs', () => {
  execFileSync(process.execPath, [join(root, 'extension/vscode/manifest/apply.mjs'), '--check'], { stdio: 'pipe' });
});

test('every command is in category eBPF and every menu entry names a contributed command', () => {
  const ids = new Set<string>(
    pkg.contributes.commands.map((c: { command: string; category: string }) => {
      assert.equal(c.category, 'eBPF', c.command);
      return c.command;
    }),
  );
  for (const [menu, entries] of Object.entries(pkg.contributes.menus as Record<string, { command: string }[]>)) {
    for (const e of entries) assert.ok(ids.has(e.command), `${menu} names ${e.command}, which is not contributed`);
  }
  const source = readFileSync(join(root, 'extension/vscode/commands/index.ts'), 'utf8');
  const webviewIds = ['showLiveTrace', 'tracePacketPath', 'inspectObject', 'showPrograms', 'showNetwork', 'showMaps', 'dumpMap'];
  for (const id of ids) {
    const short = id.replace('ebpfNetDebug.', '');
    assert.ok(source.includes(`'${id}'`) || webviewIds.includes(short), `${id} is contributed but nobody registers it`);
  }
});

test('activation: BPF C files and our own contributions only', () => {
  const events: string[] = pkg.activationEvents;
  assert.ok(events.includes('workspaceContains:**/*.bpf.c'));
  assert.ok(!events.includes('onLanguage:c'), 'onLanguage:c would activate on every C file');
  assert.ok(!events.includes('*'));
  assert.equal(pkg.main, './dist/extension.js');
});

test('workspace trust: settings naming executables, flags, keys or files are machine-scoped; capabilities declared', () => {
  const props = pkg.contributes.configuration.properties as Record<string, { scope?: string }>;
  for (const key of ['hosts', 'compile.clangPath', 'compile.extraFlags', 'clangd.path', 'confirmWithin']) {
    assert.ok(
      ['machine', 'application'].includes(props[`ebpfNetDebug.${key}`]?.scope ?? ''),
      `ebpfNetDebug.${key} can be set by a workspace`,
    );
  }
  // whatever else takes a string or a list must say why a workspace may set it
  const workspaceSettable = ['ebpfNetDebug.defaultHost', 'ebpfNetDebug.xdp.defaultMode'];
  for (const [key, p] of Object.entries(props as Record<string, { scope?: string; type?: string }>)) {
    if ((p.type === 'string' || p.type === 'array') && !workspaceSettable.includes(key)) {
      assert.ok(p.scope === 'machine' || p.scope === 'application', `${key} (${p.type}) is not machine-scoped`);
    }
  }
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('ebpfNetDebug.clangd.path'));
  assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
});
