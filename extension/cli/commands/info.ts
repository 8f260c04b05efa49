// `ebpf-netdebug info --host H`: what the agent found on the host (kernel, bpftool and its features, mounts,
// privileges), the first thing to look at when something else fails.
import type { HostFacts } from '../../../protocol/types';
import { commonOptions, hostOptions, parseCommand, requireHost } from '../args';
import { usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { keyValues, printJson } from '../output';

export async function infoCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('info', argv, { ...commonOptions, ...hostOptions });
  if (positionals.length) throw usageError(`info: unexpected argument ${positionals[0]}`);
  const host = requireHost('info', values.host, ctx.env);
  const facts = await withSession(ctx, host, async (s) => s.facts);
  if (values.json) printJson(ctx.io, { host, ...facts });
  else ctx.io.out(formatFacts(host, facts));
  return 0;
}

export function formatFacts(host: string, f: HostFacts): string {
  const mount = (m: HostFacts['bpffs']) =>
    `${m.path} ${m.mounted ? 'mounted' : 'NOT mounted'}${m.mountedByAgent ? ' (mounted by the agent)' : ''}`;
  const b = f.bpftool;
  const features = b
    ? Object.entries(b.features)
        .map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`)
        .join(', ')
    : undefined;
  return keyValues([
    ['Host', `${host} (${f.hostname})`],
    ['Kernel', `${f.kernelRelease} ${f.arch}`],
    ['Agent', `${f.agentVersion} on node ${f.nodeVersion}`],
    ['bpftool', b ? `${b.version} at ${b.path}${b.libbpfVersion ? ` (libbpf ${b.libbpfVersion})` : ''}` : 'not found'],
    ['bpftool features', features],
    ['bpftrace', f.bpftrace ? `${f.bpftrace.version} at ${f.bpftrace.path}` : 'not found'],
    ['clang', f.clang ? `${f.clang.version} at ${f.clang.path}` : 'not found on the host (programs are compiled here)'],
    ['bpffs', mount(f.bpffs)],
    ['tracefs', mount(f.tracefs)],
    ['Kernel BTF', `${f.btf.path} ${f.btf.present ? 'present' : 'MISSING (no CO-RE, no vmlinux.h)'}`],
    [
      'Privileges',
      `uid ${f.privileges.uid}, euid ${f.privileges.euid}${f.privileges.root ? ' (root)' : ' (NOT root: loading programs will fail)'}`,
    ],
  ]);
}
