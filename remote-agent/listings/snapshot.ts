// listings.snapshot: every listing of the editor's tree in one request. One bpftool process (batch.ts) lists the
// programs, maps, links, the agent's own namespace's network attachments and the cgroup tree; those results are
// placed as the runs in flight of the ordinary listings (singleFlight.ts), so net.list, pins.list and
// attachments.list, which need them too, are computed by their usual code from this one run. bpffs is walked once
// for the pin index (pinTable.ts): pinned files it cannot place are asked about by lines at the end of the same
// batch, or, when there are many (the first snapshot), the whole batch runs with -f. The labs take their
// hosts' interfaces from net.list's listing. Each part goes with its digest (leaveOutUnchanged): a part the client
// already holds (`have`) is left out of the reply, which spares moving and parsing ~470 KB with 1,000 programs.
import type { ListingsSnapshotParams, ListingsSnapshotReply } from '../../protocol/agent';
import type { AgentContext } from '../core/context';
import { labList } from '../lab/labs';
import { attachmentsList } from '../attach/list';
import { bpftoolBatch, type BatchResult } from './batch';
import { listLinks, listMaps, listPrograms, ownRun, pinIndex, type ListingVia } from './bpf';
import { cgroupList, cgroupTree } from './cgroup';
import { netAttachments, netList } from './net';
import { answerPinQuestions, askable, batchSafe } from './pinQuestions';
import { PIN_KINDS, pinCommand } from './pinTable';
import { pinsList } from './pins';
import { leaveOutUnchanged, SnapshotMemory } from './snapshotReply';

export { leaveOutUnchanged } from './snapshotReply';

const memories = new WeakMap<AgentContext, SnapshotMemory>();

/** `params` was checked against its schema (protocol/schemas.ts) by server.ts. */
export async function listingsSnapshot(ctx: AgentContext, params?: ListingsSnapshotParams | null): Promise<ListingsSnapshotReply> {
  const index = pinIndex(ctx);
  const scan = index.scan();
  const questions = index.unknown(scan, PIN_KINDS);
  const withPins = !askable(questions);
  const asked = withPins ? [] : questions;
  const commands = [
    ['prog', 'show'],
    ['map', 'show'],
    ['link', 'show'],
    ['net', 'show'],
  ];
  // last: bpftool stops a batch at its first failure, and a host's cgroup tree fails the most often
  const cgroupRoot = ctx.cgroupRoot && batchSafe(ctx.cgroupRoot) ? ctx.cgroupRoot : null;
  if (cgroupRoot) commands.push(['cgroup', 'tree', cgroupRoot]);
  const listed = commands.length;
  // after the listings: a line asking about the wrong kind fails and stops the batch (pinQuestions.ts)
  commands.push(...asked.map(pinCommand));
  const batch = bpftoolBatch(ctx, commands, withPins ? ['-f'] : []).catch((e: Error) => commands.map((): BatchResult => e));
  const placed = asked.length
    ? batch.then((r) => answerPinQuestions(ctx, index, asked, r.slice(listed))).catch(() => undefined)
    : Promise.resolve();
  /** Command i's output from the batch (with pins it serves a caller without too); else a run of its own. */
  const entry = async (i: number, pins = withPins): Promise<string | unknown[]> => {
    const r = !pins || withPins ? (await batch)[i] : undefined;
    return Array.isArray(r) ? r : ownRun(ctx, commands[i])(pins);
  };
  const via = (i: number): ListingVia => ({ source: (pins) => entry(i, pins), scan, full: withPins, placed });

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
  let memory = memories.get(ctx);
  if (!memory) memories.set(ctx, (memory = new SnapshotMemory()));
  return leaveOutUnchanged({ programs: p, maps: m, net, cgroups, pins, labs: l, attachments }, errors, params?.have ?? {}, {
    deltas: params?.deltas === true,
    memory,
  });
}
