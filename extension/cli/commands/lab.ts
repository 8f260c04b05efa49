// `ebpf-netdebug lab create|destroy NAME --host H [--topology pair|bridge] [--ipv6] [--root-link]`: disposable
// namespaces joined by veth pairs, to try programs on without touching the host's own interfaces.
import type { Lab, LabTopology } from '../../../protocol/types';
import { commonOptions, exactlyOne, hostOptions, oneOf, parseCommand, requireHost } from '../args';
import { usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { printJson, table } from '../output';

export async function labCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [actionArg, ...rest] = argv;
  const action = oneOf('lab', actionArg, ['create', 'destroy', 'list'] as const);
  if (!action) throw usageError('lab: expected create, destroy or list');
  const { values, positionals } = parseCommand(`lab ${action}`, rest, {
    ...commonOptions,
    ...hostOptions,
    topology: { type: 'string' },
    ipv6: { type: 'boolean' },
    'root-link': { type: 'boolean' },
  });
  const host = requireHost(`lab ${action}`, values.host, ctx.env);
  if (action === 'list') {
    if (positionals.length) throw usageError(`lab list: unexpected argument ${positionals[0]}`);
    const labs = await withSession(ctx, host, (s) => s.client.labList());
    if (values.json) printJson(ctx.io, labs);
    else ctx.io.out(labs.length ? labs.map(formatLab).join('\n') : 'no labs\n');
    return 0;
  }
  const name = exactlyOne(`lab ${action}`, 'a lab name', positionals);
  if (!/^[a-z0-9]{1,8}$/.test(name)) throw usageError(`lab ${action}: lab name "${name}" must be 1-8 lowercase letters or digits`);
  if (action === 'destroy') {
    if (values.topology || values.ipv6 || values['root-link']) throw usageError('lab destroy: takes only a name');
    const r = await withSession(ctx, host, (s) => s.client.labDestroy({ name }));
    if (values.json) printJson(ctx.io, r);
    else ctx.io.out(`destroyed lab ${name}${r.removed.length ? `: removed ${r.removed.join(', ')}` : ''}\n`);
    return 0;
  }
  const kind = oneOf('--topology', values.topology, ['pair', 'bridge'] as const) ?? 'pair';
  const topology: LabTopology = { kind, ...(values.ipv6 ? { ipv6: true } : {}), ...(values['root-link'] ? { rootLink: true } : {}) };
  const lab = await withSession(ctx, host, (s) => s.client.labCreate({ name, topology }));
  if (values.json) printJson(ctx.io, lab);
  else ctx.io.out(formatLab(lab));
  return 0;
}

export function formatLab(lab: Lab): string {
  const rows = lab.hosts.flatMap((h) => h.interfaces.map((i) => [h.role, h.netns, i.name, i.addresses.join(' '), i.peer]));
  let text = `lab ${lab.name} (${lab.topology.kind})\n${table(['ROLE', 'NETNS', 'IFACE', 'ADDRESSES', 'PEER'], rows, { indent: '  ' })}`;
  if (lab.rootLink) text += `  root link: ${lab.rootLink.dev} ${lab.rootLink.address} <-> ${lab.rootLink.peerAddress}\n`;
  return text;
}
