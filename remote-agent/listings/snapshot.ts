// listings.snapshot: every listing of the editor's tree in one request. One bpftool process (batch.ts) lists the
// programs, maps, links, the agent's own namespace's network attachments and the cgroup tree; those results are
// placed as the runs in flight of the ordinary listings (singleFlight.ts), so net.list, pins.list and
// attachments.list, which need them too, are computed by their usual code from this one run. bpffs is
// fingerprinted once for all three pin tables: when it changed, the whole batch runs with -f. The labs take their
// hosts' interfaces from net.list's listing. Each part goes with its digest (leaveOutUnchanged): a part the client
// already holds (`have`) is left out of the reply, which spares moving and parsing ~470 KB with 1,000 programs.
import { createHash } from 'node:crypto';
import {
  SNAPSHOT_PARTS,
  type ListingsSnapshotParams,
  type ListingsSnapshotParts,
  type ListingsSnapshotReply,
  type SnapshotPart,
} from '../../protocol/agent';
import type { AgentContext } from '../core/context';
import { labList } from '../lab/labs';
import { attachmentsList } from '../attach/list';
import { bpftoolBatch, type BatchResult } from './batch';
import { listLinks, listMaps, listPrograms, ownRun, pinTable, type ListingVia } from './bpf';
import { cgroupList, cgroupTree } from './cgroup';
import { netAttachments, netList } from './net';
import { bpffsFingerprint } from './pinTable';
import { pinsList } from './pins';

/** A path bpftool's batch line splitter keeps as one argument. */
const batchSafe = (s: string) => /^[^\s"'\\#]+$/.test(s);

/** `params` was checked against its schema (protocol/schemas.ts) by server.ts. */
export async function listingsSnapshot(ctx: AgentContext, params?: ListingsSnapshotParams | null): Promise<ListingsSnapshotReply> {
  const fingerprint = bpffsFingerprint();
  const withPins = (['programs', 'maps', 'links'] as const).some((k) => pinTable(k, ctx).needsFull(fingerprint));
  const commands = [
    ['prog', 'show'],
    ['map', 'show'],
    ['link', 'show'],
    ['net', 'show'],
  ];
  // last: bpftool stops a batch at its first failure, and a host's cgroup tree fails the most often
  const cgroupRoot = ctx.cgroupRoot && batchSafe(ctx.cgroupRoot) ? ctx.cgroupRoot : null;
  if (cgroupRoot) commands.push(['cgroup', 'tree', cgroupRoot]);
  const batch = bpftoolBatch(ctx, commands, withPins ? ['-f'] : []).catch((e: Error) => commands.map((): BatchResult => e));
  /** Command i's output from the batch (with pins it serves a caller without too); else a run of its own. */
  const entry = async (i: number, pins = withPins): Promise<string | unknown[]> => {
    const r = !pins || withPins ? (await batch)[i] : undefined;
    return Array.isArray(r) ? r : ownRun(ctx, commands[i])(pins);
  };
  const via = (i: number): ListingVia => ({ source: (pins) => entry(i, pins), fingerprint });

  const errors: Record<string, string> = {};
  const part = async <T>(name: string, p: () => Promise<T>, empty: T): Promise<T> => {
    try {
      return await p();
    } catch (e) {
      errors[name] = e instanceof Error ? e.message : String(e);
      return empty;
    }
  };
  // The batch's answers become the runs in flight the other listings join.
  const programs = part('programs', () => listPrograms(ctx, true, via(0)), []);
  const maps = part('maps', () => listMaps(ctx, true, via(1)), []);
  void listLinks(ctx, true, via(2)).catch(() => undefined);
  void netAttachments(ctx, 'root', true, () => entry(3)).catch(() => undefined);
  if (cgroupRoot) void cgroupTree(ctx, cgroupRoot, true, () => entry(4)).catch(() => undefined);
  const network = part('network', () => netList(ctx, {}), { namespaces: [] });
  // The labs' hosts are named namespaces: their interfaces come from net.list's listing, not an ip run from the
  // agent per host (every namespace has lo, so an empty list means ip failed there: labList runs ip itself).
  const labs = part(
    'labs',
    async () => {
      const known = new Map((await network).namespaces.filter((n) => n.interfaces.length).map((n) => [n.name, n.interfaces]));
      return labList(ctx, (ns) => known.get(ns));
    },
    [],
  );
  const [p, m, net, cgroups, pins, l, attachments] = await Promise.all([
    programs,
    maps,
    network,
    part('cgroups', () => cgroupList(ctx, {}, true), []),
    part('pins', () => pinsList(ctx), []),
    labs,
    part('attachments', () => attachmentsList(ctx), []),
  ]);
  return leaveOutUnchanged({ programs: p, maps: m, net, cgroups, pins, labs: l, attachments }, errors, params?.have ?? {});
}

/** Name listings (`errors` keys) of the parts whose own listing may fail: network is the part `net`. */
const errorKey = (part: SnapshotPart) => (part === 'net' ? 'network' : part);

/**
 * Digests every part that did not fail (sha1 of its JSON: the same bytes JSON-RPC sends, as JSON.stringify is
 * deterministic for the objects the listings build) and leaves out those whose digest the client already has. A
 * failed part has no digest and is always sent, so a client never keeps an empty copy as current.
 */
export function leaveOutUnchanged(
  parts: ListingsSnapshotParts,
  errors: Record<string, string>,
  have: Partial<Record<SnapshotPart, string>>,
): ListingsSnapshotReply {
  const reply: ListingsSnapshotReply = { errors, digests: {}, unchanged: [] };
  for (const part of SNAPSHOT_PARTS) {
    if (errors[errorKey(part)] === undefined) {
      const digest = createHash('sha1').update(JSON.stringify(parts[part])).digest('hex');
      reply.digests[part] = digest;
      if (have[part] === digest) {
        reply.unchanged.push(part);
        continue;
      }
    }
    (reply as unknown as Record<string, unknown>)[part] = parts[part];
  }
  return reply;
}
