// `ebpf-netdebug list programs|maps|net|links|attachments --host H`: the kernel's view, rebuilt from bpftool on
// every call, as aligned tables (or --json).
import type { Attachment, BpfLink, BpfMap, BpfProgram, LoadedObject } from '../../../protocol/types';
import type { NetListResult } from '../../../protocol/agent';
import { commonOptions, hostOptions, oneOf, parseCommand, requireHost } from '../args';
import { usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { printJson, table } from '../output';

const WHAT = ['programs', 'maps', 'net', 'links', 'attachments', 'objects'] as const;

export async function listCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [whatArg, ...rest] = argv;
  const what = oneOf('list', whatArg, WHAT);
  if (!what) throw usageError(`list: what? expected one of ${WHAT.join(', ')}`);
  const { values, positionals } = parseCommand(`list ${what}`, rest, { ...commonOptions, ...hostOptions, netns: { type: 'string' } });
  if (positionals.length) throw usageError(`list ${what}: unexpected argument ${positionals[0]}`);
  if (values.netns !== undefined && what !== 'net') throw usageError(`list ${what}: --netns applies to list net only`);
  const host = requireHost(`list ${what}`, values.host, ctx.env);
  const data = await withSession(ctx, host, async (s) => {
    switch (what) {
      case 'programs':
        return s.client.listPrograms();
      case 'maps':
        return s.client.listMaps();
      case 'links':
        return s.client.listLinks();
      case 'objects':
        return s.client.objectList();
      case 'attachments':
        return withProgramNames(await s.client.attachmentsList(), await s.client.listPrograms());
      case 'net': {
        const r = await s.client.netList(values.netns ? { netns: values.netns } : {});
        const progs = await s.client.listPrograms();
        return { namespaces: r.namespaces.map((ns) => ({ ...ns, attachments: withProgramNames(ns.attachments, progs) })) };
      }
    }
  });
  if (values.json) {
    printJson(ctx.io, data);
    return 0;
  }
  switch (what) {
    case 'programs':
      ctx.io.out(programsTable(data as BpfProgram[]));
      break;
    case 'maps':
      ctx.io.out(mapsTable(data as BpfMap[]));
      break;
    case 'links':
      ctx.io.out(linksTable(data as BpfLink[]));
      break;
    case 'attachments':
      ctx.io.out(attachmentsTable(data as Attachment[]));
      break;
    case 'net':
      ctx.io.out(netTables(data as NetListResult));
      break;
    case 'objects':
      ctx.io.out(objectsTable(data as LoadedObject[]));
      break;
  }
  return 0;
}

const pins = (p: string[]) => p.join(', ');

/** bpftool's net show gives program ids only; the name is what a user recognises. */
function withProgramNames<T extends { progId?: number; progName?: string }>(items: T[], progs: BpfProgram[]): T[] {
  const names = new Map(progs.map((p) => [p.id, p.name]));
  return items.map((a) => (a.progName || a.progId === undefined ? a : { ...a, progName: names.get(a.progId) }));
}

export function programsTable(ps: BpfProgram[]): string {
  return table(
    ['ID', 'TYPE', 'NAME', 'TAG', 'XLATED', 'MAPS', 'PINNED'],
    ps.map((p) => [p.id, p.type, p.name, p.tag, p.bytesXlated, p.mapIds.join(','), pins(p.pinned)]),
  );
}

export function mapsTable(ms: BpfMap[]): string {
  return table(
    ['ID', 'TYPE', 'NAME', 'KEY', 'VALUE', 'MAX_ENTRIES', 'PINNED'],
    ms.map((m) => [m.id, m.type, m.name, m.keySize, m.valueSize, m.maxEntries, pins(m.pinned)]),
  );
}

export function linksTable(ls: BpfLink[]): string {
  return table(
    ['ID', 'TYPE', 'PROG', 'PINNED'],
    ls.map((l) => [l.id, l.type, l.progId, pins(l.pinned)]),
  );
}

export function attachmentsTable(as: Attachment[]): string {
  return table(
    ['ID', 'KIND', 'PROG', 'NAME', 'WHERE', 'MODE'],
    as.map((a) => [a.id, a.kind, a.progId, a.progName, where(a), a.mode ?? a.direction ?? a.attachType]),
  );
}

function where(a: Attachment): string {
  if (a.dev) return `${a.netns ?? 'root'}/${a.dev}`;
  return a.cgroup ?? a.map ?? '';
}

export function objectsTable(os: LoadedObject[]): string {
  return table(
    ['NAME', 'PROGRAMS', 'MAPS', 'DIR'],
    os.map((o) => [o.name, o.programs.map((p) => `${p.name}(${p.id})`).join(' '), o.maps.map((m) => m.name).join(' '), o.dir]),
  );
}

export function netTables(r: NetListResult): string {
  const ifaces = r.namespaces.flatMap((ns) =>
    ns.interfaces.map((i) => [ns.name, i.ifindex, i.name, i.kind, i.operState, i.addresses.join(' ')]),
  );
  const atts = r.namespaces.flatMap((ns) =>
    ns.attachments.map((a) => [ns.name, a.dev, a.kind, a.mode ?? a.direction, a.progId, a.progName, a.linkId]),
  );
  return (
    `Interfaces:\n${table(['NETNS', 'IFINDEX', 'IFACE', 'KIND', 'STATE', 'ADDRESSES'], ifaces, { indent: '  ' })}\n` +
    `Attachments:\n${atts.length ? table(['NETNS', 'IFACE', 'KIND', 'MODE', 'PROG', 'NAME', 'LINK'], atts, { indent: '  ' }) : '  (none)\n'}`
  );
}
