// Create Lab... / Destroy Lab: disposable namespaces on the host (lab.create / lab.destroy), shown under Labs.
import * as vscode from 'vscode';
import { Cancelled, withProgress } from '../errors';
import { needsSession, type CommandFactory } from './table';

export const createLabCommand: CommandFactory = needsSession(async (ctx, s) => {
  const name = await vscode.window.showInputBox({
    title: 'Create Lab',
    prompt: 'Lab name (1-8 of a-z, 0-9): namespaces are named end_NAME_a, end_NAME_b...',
    value: 'lab1',
    validateInput: (v) => (/^[a-z0-9]{1,8}$/.test(v) ? undefined : 'Use 1-8 characters of a-z and 0-9'),
  });
  if (!name) throw new Cancelled();
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'pair', description: 'hosts a and b on one veth pair (eth0 on both ends)' },
      { label: 'bridge', description: 'hosts a and b each linked to a bridge br0 in a third namespace' },
    ],
    { title: `Lab ${name}: topology` },
  );
  if (!kind) throw new Cancelled();
  const lab = await withProgress(`eBPF: creating lab ${name}`, () =>
    s.client.labCreate({ name, topology: { kind: kind.label as 'pair' | 'bridge' } }),
  );
  await ctx.kernelStateChanged();
  const hosts = lab.hosts.map((h) => `${h.netns} (${h.interfaces.map((i) => `${i.name} ${i.addresses.join(' ')}`).join(', ')})`).join('; ');
  ctx.log.info(`lab ${name}: ${hosts}`);
  void vscode.window.showInformationMessage(`Lab ${name} created: ${hosts}`);
}, 'Create Lab...');

export const destroyLabCommand: CommandFactory = needsSession(async (ctx, s, arg) => {
  const name =
    arg && typeof arg === 'object' && 'lab' in arg
      ? (arg as { lab: { name: string } }).lab.name
      : await vscode.window.showQuickPick(
          (await s.client.labList()).map((l) => l.name),
          { title: 'Destroy which lab?' },
        );
  if (!name) throw new Cancelled();
  const r = await withProgress(`eBPF: destroying lab ${name}`, () => s.client.labDestroy({ name }));
  await ctx.kernelStateChanged();
  void vscode.window.showInformationMessage(`Lab ${name} destroyed (${r.removed.join(', ')}).`);
}, 'Destroy Lab');
