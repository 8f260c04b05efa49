// `ebpf-netdebug diff --host A --host B [--no-contents] [--netns-scope own|all]`: what differs between two hosts (programs, attachments, maps
// matched by name, tag and attach point; map contents by key), core/fleet/hostDiff.ts. Both hosts are read in
// parallel. Exit status like diff(1): 0 the same, 1 different (or a failure), 2 wrong usage. --json: one document
// `{a, b, programs, attachments, maps, contents, identical}`.
import { diffSnapshots, dumpContents, formatHostDiff, mapsToCompare, snapshotHost } from '../../core/fleet/hostDiff';
import { Fleet } from '../../core/fleet/fleet';
import { commonOptions, oneOf, parseCommand } from '../args';
import { CliError, usageError } from '../cliError';
import { CLI_VERSION } from '../hostSession';
import type { CliContext } from '../io';
import { printJson } from '../output';

export async function diffCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('diff', argv, {
    ...commonOptions,
    host: { type: 'string', short: 'H', multiple: true },
    'no-contents': { type: 'boolean' },
    'netns-scope': { type: 'string' },
  });
  const netnsScope = oneOf('--netns-scope', values['netns-scope'], ['own', 'all'] as const) ?? 'all';
  if (positionals.length) throw usageError(`diff: unexpected argument ${positionals[0]}`);
  const hosts = (values.host ?? []).map((h) => h.trim());
  if (hosts.length !== 2 || hosts.some((h) => !h)) throw usageError(`diff: give two hosts: --host A --host B (got ${hosts.length})`);
  if (hosts[0] === hosts[1]) throw usageError(`diff: --host ${hosts[0]} is given twice`);
  const remoteBase = ctx.env.EBPF_NETDEBUG_REMOTE_BASE;
  const { fleet, failures } = await Fleet.open(
    hosts.map((h) => ({ name: h, spec: h })),
    ctx.openSession,
    {
      clientName: 'ebpf-netdebug-cli',
      clientVersion: CLI_VERSION,
      ...(remoteBase ? { deploy: { remoteBase } } : {}),
    },
  );
  try {
    if (failures.length) throw new CliError(`diff: ${failures.map((f) => `${f.host}: ${f.error.message}`).join('; ')}`);
    const [sa, sb] = await Promise.all(fleet.members.map((m) => snapshotHost(m.host.name, m.session.client, { netnsScope })));
    if (!values['no-contents']) {
      const pairs = mapsToCompare(sa, sb);
      await Promise.all([
        dumpContents(
          fleet.members[0].session.client,
          pairs.map(([x]) => x),
          sa.contents,
        ),
        dumpContents(
          fleet.members[1].session.client,
          pairs.map(([, y]) => y),
          sb.contents,
        ),
      ]);
    }
    const d = diffSnapshots(sa, sb);
    if (values.json) printJson(ctx.io, d);
    else ctx.io.out(formatHostDiff(d));
    return d.identical ? 0 : 1;
  } finally {
    await fleet.close();
  }
}
