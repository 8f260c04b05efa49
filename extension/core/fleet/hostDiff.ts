// Compares two hosts: why one drops what another passes. Programs and maps are matched by type and name (the ids
// differ from host to host and mean nothing across them); a program's tag (the hash of its instructions) says
// whether it is the same code. Attachments are matched by attach point (kind, namespace, interface, direction;
// cgroup path; sockmap; object), and compared by the program there (name and tag). Map contents are compared key by
// key for maps matched one-to-one on both sides.
import type { MapEntry } from '../../../protocol/agent';
import type { Attachment, BpfMap, BpfProgram, DiffAttachment, HostDiff } from '../../../protocol/types';

export type { HostDiff } from '../../../protocol/types';
import type { AgentClient } from '../agentClient';

export interface HostSnapshot {
  host: string;
  programs: BpfProgram[];
  maps: BpfMap[];
  attachments: Attachment[];
  /** Map contents by map id (only the maps asked for). */
  contents: Map<number, { entries: MapEntry[]; truncated: boolean }>;
}

/** Map types whose contents mean something to compare (not perf buffers, program arrays, sockets...). */
const COMPARABLE_MAPS = new Set(['hash', 'array', 'lru_hash', 'percpu_hash', 'percpu_array', 'lru_percpu_hash', 'lpm_trie']);
export const CONTENT_LIMITS = { maps: 64, entries: 4096 };

const progKey = (p: Pick<BpfProgram, 'type' | 'name'>) => `${p.type} ${p.name}`;
const mapKey = (m: Pick<BpfMap, 'type' | 'name'>) => `${m.type} ${m.name}`;

/** Where an attachment sits, without the parts that differ between hosts for the same place (program ids). */
export function attachPoint(a: Attachment): string {
  switch (a.kind) {
    case 'xdp':
      return `xdp ${a.netns ?? 'root'}/${a.dev}`;
    case 'tc':
    case 'tcx':
      return `${a.kind} ${a.netns ?? 'root'}/${a.dev} ${a.direction}`;
    case 'cgroup':
      return `cgroup ${a.attachType} ${a.cgroup}`;
    case 'sk_msg':
      return `sk_msg ${a.attachType} ${a.map}`;
    case 'tracepoints':
      return a.id;
  }
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
}

/**
 * Reads what the diff needs from one host (map contents come later, for the maps both sides have: dumpContents).
 * `netnsScope: 'own'` keeps only interface attachments in the agent's own namespace (`root` as the agent names it):
 * namespace hosts sharing one kernel otherwise see each other's interfaces under /run/netns names.
 */
export async function snapshotHost(host: string, client: AgentClient, opts: { netnsScope?: 'own' | 'all' } = {}): Promise<HostSnapshot> {
  const [programs, maps, all] = await Promise.all([client.listPrograms(), client.listMaps(), client.attachmentsList()]);
  const attachments = opts.netnsScope === 'own' ? all.filter((a) => !a.dev || (a.netns ?? 'root') === 'root') : all;
  return { host, programs, maps, attachments, contents: new Map() };
}

/** Maps worth dumping on both sides: matched one-to-one by type and name, of a comparable type, not too big. */
export function mapsToCompare(a: HostSnapshot, b: HostSnapshot): [BpfMap, BpfMap][] {
  const ga = groupBy(a.maps, mapKey);
  const gb = groupBy(b.maps, mapKey);
  const out: [BpfMap, BpfMap][] = [];
  for (const [k, ma] of ga) {
    const mb = gb.get(k);
    if (ma.length !== 1 || mb?.length !== 1) continue;
    if (
      !COMPARABLE_MAPS.has(ma[0].type) ||
      ma[0].keySize !== mb[0].keySize ||
      ma[0].valueSize !== mb[0].valueSize ||
      ma[0].maxEntries !== mb[0].maxEntries
    )
      continue;
    if (ma[0].maxEntries > CONTENT_LIMITS.entries * 4) continue;
    out.push([ma[0], mb[0]]);
  }
  return out.slice(0, CONTENT_LIMITS.maps);
}

export async function dumpContents(client: AgentClient, maps: BpfMap[], into: HostSnapshot['contents']): Promise<void> {
  for (const m of maps) {
    const r = await client.mapDump({ map: `id:${m.id}`, limit: CONTENT_LIMITS.entries }).catch(() => undefined);
    if (r) into.set(m.id, r);
  }
}

const hex = (x: string[] | undefined, v: unknown) => (x ? x.join(' ') : JSON.stringify(v));

function diffContents(
  name: string,
  a: { entries: MapEntry[]; truncated: boolean },
  b: { entries: MapEntry[]; truncated: boolean },
): HostDiff['contents'][number] | undefined {
  const ka = new Map(a.entries.map((e) => [hex(e.keyHex, e.key), hex(e.valueHex, e.value)]));
  const kb = new Map(b.entries.map((e) => [hex(e.keyHex, e.key), hex(e.valueHex, e.value)]));
  const onlyA = [...ka.keys()].filter((k) => !kb.has(k));
  const onlyB = [...kb.keys()].filter((k) => !ka.has(k));
  const differ = [...ka].filter(([k, v]) => kb.has(k) && kb.get(k) !== v).map(([k, v]) => ({ key: k, a: v, b: kb.get(k)! }));
  if (!onlyA.length && !onlyB.length && !differ.length) return undefined;
  return { map: name, onlyA, onlyB, differ, truncated: a.truncated || b.truncated };
}

export function diffSnapshots(a: HostSnapshot, b: HostSnapshot): HostDiff {
  const pa = groupBy(a.programs, progKey);
  const pb = groupBy(b.programs, progKey);
  const programs: HostDiff['programs'] = { onlyA: [], onlyB: [], differ: [], same: 0 };
  for (const [k, xs] of pa) {
    const ys = pb.get(k);
    if (!ys) {
      programs.onlyA.push(...xs);
      continue;
    }
    const ta = xs
      .map((p) => p.tag)
      .sort()
      .join();
    const tb = ys
      .map((p) => p.tag)
      .sort()
      .join();
    if (ta === tb) programs.same++;
    else programs.differ.push({ key: k, a: xs, b: ys });
  }
  for (const [k, ys] of pb) if (!pa.has(k)) programs.onlyB.push(...ys);

  const tagOf = (s: HostSnapshot) => new Map(s.programs.map((p) => [p.id, p.tag]));
  const withTag = (s: HostSnapshot) => {
    const tags = tagOf(s);
    const names = new Map(s.programs.map((p) => [p.id, p.name]));
    return s.attachments.map((x) => ({
      ...x,
      point: attachPoint(x),
      progName: x.progName ?? (x.progId !== undefined ? names.get(x.progId) : undefined),
      tag: x.progId !== undefined ? tags.get(x.progId) : undefined,
    }));
  };
  const aa = new Map(withTag(a).map((x) => [attachPoint(x), x]));
  const ab = new Map(withTag(b).map((x) => [attachPoint(x), x]));
  const attachments: HostDiff['attachments'] = { onlyA: [], onlyB: [], differ: [], same: 0 };
  for (const [pt, x] of aa) {
    const y = ab.get(pt);
    if (!y) attachments.onlyA.push(x);
    else if (x.progName !== y.progName || x.tag !== y.tag || x.mode !== y.mode) attachments.differ.push({ point: pt, a: x, b: y });
    else attachments.same++;
  }
  for (const [pt, y] of ab) if (!aa.has(pt)) attachments.onlyB.push(y);

  const ma = groupBy(a.maps, mapKey);
  const mb = groupBy(b.maps, mapKey);
  const maps: HostDiff['maps'] = { onlyA: [], onlyB: [], differ: [], same: 0 };
  for (const [k, xs] of ma) {
    const ys = mb.get(k);
    if (!ys) {
      maps.onlyA.push(...xs);
      continue;
    }
    const shape = (m: BpfMap) => `key ${m.keySize} B, value ${m.valueSize} B, max ${m.maxEntries}`;
    if (xs.length === 1 && ys.length === 1 && shape(xs[0]) !== shape(ys[0]))
      maps.differ.push({ key: k, a: xs[0], b: ys[0], what: `${shape(xs[0])} vs ${shape(ys[0])}` });
    else maps.same++;
  }
  for (const [k, ys] of mb) if (!ma.has(k)) maps.onlyB.push(...ys);

  const contents: HostDiff['contents'] = [];
  for (const [x, y] of mapsToCompare(a, b)) {
    const ca = a.contents.get(x.id);
    const cb = b.contents.get(y.id);
    if (!ca || !cb) continue;
    const d = diffContents(mapKey(x), ca, cb);
    if (d) contents.push(d);
  }
  const identical =
    !programs.onlyA.length &&
    !programs.onlyB.length &&
    !programs.differ.length &&
    !attachments.onlyA.length &&
    !attachments.onlyB.length &&
    !attachments.differ.length &&
    !maps.onlyA.length &&
    !maps.onlyB.length &&
    !maps.differ.length &&
    !contents.length;
  return { a: a.host, b: b.host, programs, attachments, maps, contents, identical };
}

/** The text of `ebpf-netdebug diff`. */
export function formatHostDiff(d: HostDiff): string {
  const out: string[] = [`diff ${d.a} (A) vs ${d.b} (B)`];
  const prog = (p: BpfProgram) => `${p.type} ${p.name} tag ${p.tag} (prog ${p.id})`;
  const att = (x: DiffAttachment) =>
    `${attachPoint(x)}: ${x.progName ?? '?'}${x.tag ? ` tag ${x.tag}` : ''}${x.progId !== undefined ? ` (prog ${x.progId})` : ''}${x.mode ? ` ${x.mode}` : ''}`;
  const map = (m: BpfMap) => `${m.type} ${m.name} (map ${m.id})`;
  out.push('', `Programs (matched by type and name; the tag is the code): ${d.programs.same} same`);
  for (const p of d.programs.onlyA) out.push(`  only on A  ${prog(p)}`);
  for (const p of d.programs.onlyB) out.push(`  only on B  ${prog(p)}`);
  for (const x of d.programs.differ)
    out.push(`  differ     ${x.key}: A tag ${x.a.map((p) => p.tag).join(',')}, B tag ${x.b.map((p) => p.tag).join(',')}`);
  out.push('', `Attachments (matched by attach point): ${d.attachments.same} same`);
  for (const x of d.attachments.onlyA) out.push(`  only on A  ${att(x)}`);
  for (const x of d.attachments.onlyB) out.push(`  only on B  ${att(x)}`);
  for (const x of d.attachments.differ) out.push(`  differ     ${x.point}: A ${att(x.a).split(': ')[1]}; B ${att(x.b).split(': ')[1]}`);
  out.push('', `Maps (matched by type and name): ${d.maps.same} same`);
  for (const m of d.maps.onlyA) out.push(`  only on A  ${map(m)}`);
  for (const m of d.maps.onlyB) out.push(`  only on B  ${map(m)}`);
  for (const x of d.maps.differ) out.push(`  differ     ${x.key}: ${x.what}`);
  out.push('', `Map contents (by key): ${d.contents.length ? `${d.contents.length} map(s) differ` : 'no differences'}`);
  for (const c of d.contents) {
    out.push(`  ${c.map}${c.truncated ? ' (truncated dump)' : ''}`);
    for (const k of c.onlyA) out.push(`    only on A  key ${k}`);
    for (const k of c.onlyB) out.push(`    only on B  key ${k}`);
    for (const x of c.differ) out.push(`    differ     key ${x.key}: A ${x.a}; B ${x.b}`);
  }
  out.push('', d.identical ? 'the hosts are the same' : 'the hosts differ');
  return `${out.join('\n')}\n`;
}
