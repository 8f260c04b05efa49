// Picks an interface of the host across its network namespaces (one net.list round trip).
import * as vscode from 'vscode';
import type { HostSession } from '../hostSession';
import { Cancelled } from '../errors';
import { namespaceLabel, networkTree } from '../tree/model';

export interface InterfaceChoice {
  dev: string;
  /** undefined = the agent's own namespace. */ netns: string | undefined;
}

export async function pickInterface(s: HostSession, title: string): Promise<InterfaceChoice> {
  const items = s.client.netList({}).then((net) =>
    networkTree(net).flatMap((ns) => [
      { label: namespaceLabel(ns, s.host.name).label, kind: vscode.QuickPickItemKind.Separator } as vscode.QuickPickItem & {
        choice?: InterfaceChoice;
      },
      ...ns.interfaces
        .filter((i) => i.iface.name !== 'lo')
        .map((i) => ({
          label: i.iface.name,
          description: i.iface.addresses.filter((a) => !a.startsWith('fe80')).join(' '),
          detail:
            i.slots
              .filter((x) => x.attachments.length)
              .map((x) => `${x.kind}: #${x.attachments[0].progId}`)
              .join(' · ') || undefined,
          choice: { dev: i.iface.name, netns: ns.name === 'root' ? undefined : ns.name },
        })),
    ]),
  );
  const pick = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: 'Interface (grouped by network namespace)',
    matchOnDescription: true,
  });
  if (!pick?.choice) throw new Cancelled();
  return pick.choice;
}
