// Create Lab... from the palette makes disposable namespaces on the host (the agent's lab.create), the tree lists
// the lab under Labs, and Destroy Lab from its context menu removes the namespaces again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Workbench } from './helpers/workbench';
import { LabEditorFixture } from './helpers/labEditor';
import { expandSection, waitConnected } from './helpers/ebpfView';

// The agent's lab name (1-8 of [a-z0-9]): per process, like the lab host's token.
const LAB = 'elc' + (process.pid % 1296).toString(36).padStart(2, '0');
let wb: Workbench | undefined;
const fixture = new LabEditorFixture();

const labNamespaces = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`end_${LAB}_`))
    .sort();

before(async () => {
  ({ wb } = await fixture.start('elb', 'labs'));
});

after(async () => {
  await fixture.stop();
  // Whatever the test did not get to destroy through the UI.
  for (const ns of labNamespaces()) execFileSync('ip', ['netns', 'del', ns]);
});

test('Create Lab... then Destroy Lab from the tree', async () => {
  const w = wb!;
  await waitConnected(w, 'lab');
  await w.runCommand('eBPF: Create Lab...');
  await w.answerInput(LAB);
  await w.pickQuickItem(/^pair/);
  const msg = await w.waitForNotification(new RegExp(`Lab ${LAB} created`), 60_000);
  assert.match(msg, new RegExp(`end_${LAB}_a`));
  assert.deepEqual(labNamespaces(), [`end_${LAB}_a`, `end_${LAB}_b`], 'the host has both namespaces');

  await expandSection(w, 'Labs');
  const row = w.page.locator('.monaco-list-row', { hasText: new RegExp(`^${LAB}pair`) }).first();
  await row.waitFor({ timeout: 30_000 });
  await w.screenshot('lab-in-tree');
  await w.contextMenu(row, /^Destroy Lab$/);
  await w.waitForNotification(new RegExp(`Lab ${LAB} destroyed`), 60_000);
  await w.screenshot('lab-destroyed');
  assert.deepEqual(labNamespaces(), [], 'the namespaces are gone');
  await row.waitFor({ state: 'detached', timeout: 30_000 });
});
