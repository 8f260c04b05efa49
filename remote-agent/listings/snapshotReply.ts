// listings.snapshot's reply from its parts: each part's digest (sha1 of its JSON), the parts the client already
// holds left out, and, for a client that applies deltas, a changed part as the edits to the copy it holds when the
// agent still remembers that copy's items (the last few versions of each part, by digest). Each item is serialized
// once: its JSON text is what is compared, remembered and digested (the part's JSON is its items' text joined, the
// same bytes as JSON.stringify of the part), and what the reply's frame carries (protocol/jsonText.ts).
import { createHash } from 'node:crypto';
import {
  SNAPSHOT_PARTS,
  type ListingsSnapshotParts,
  type ListingsSnapshotReply,
  type SnapshotDelta,
  type SnapshotPart,
} from '../../protocol/agent';
import { JsonPieces, withJsonText } from '../../protocol/jsonText';
import { listEdits, partList, type PartList } from '../../protocol/snapshotDelta';

/** Versions of each part remembered: the client's copy is the last reply's, or one before when replies crossed. */
const VERSIONS = 3;

/** The items' JSON text of recent versions of each part, by digest. */
export class SnapshotMemory {
  private readonly parts = new Map<SnapshotPart, { digest: string; items: string[] }[]>();

  /** Keeps `items` as the newest version; a version already held keeps its own copy (the new strings die young). */
  remember(part: SnapshotPart, digest: string, items: string[]): void {
    const old = this.parts.get(part) ?? [];
    const same = old.find((v) => v.digest === digest);
    const list = old.filter((v) => v !== same);
    list.push(same ?? { digest, items });
    if (list.length > VERSIONS) list.shift();
    this.parts.set(part, list);
  }

  items(part: SnapshotPart, digest: string): string[] | undefined {
    return this.parts.get(part)?.find((v) => v.digest === digest)?.items;
  }
}

/**
 * sha1 of the JSON of a part whose list's items are `items` (JSON text): the bytes of JSON.stringify of the part,
 * fed item by item (joining 1,000 items into one string first cost 5 ms, more than the hash).
 */
function listDigest(key: string | undefined, items: string[]): string {
  const h = createHash('sha1').update(key === undefined ? '[' : `{${JSON.stringify(key)}:[`);
  items.forEach((item, i) => {
    if (i) h.update(',');
    h.update(item);
  });
  return h.update(key === undefined ? ']' : ']}').digest('hex');
}

/** Name listings (`errors` keys) of the parts whose own listing may fail: network is the part `net`. */
const errorKey = (part: SnapshotPart) => (part === 'net' ? 'network' : part);

export interface ReplyOptions {
  /** The client applies deltas (params.deltas). */
  deltas?: boolean;
  /** This agent's memory of parts sent (needed for deltas). */
  memory?: SnapshotMemory;
}

/**
 * Digests every part that did not fail and leaves out those whose digest the client already has; with `deltas`,
 * sends a changed part the client has an older copy of as the edits to it. A failed part has no digest and is
 * always sent whole, so a client never keeps an empty copy as current.
 */
export function leaveOutUnchanged(
  parts: ListingsSnapshotParts,
  errors: Record<string, string>,
  have: Partial<Record<SnapshotPart, string>>,
  opts: ReplyOptions = {},
): ListingsSnapshotReply {
  const reply: ListingsSnapshotReply = { errors, digests: {}, unchanged: [] };
  const deltas: Partial<Record<SnapshotPart, SnapshotDelta>> = {};
  /** The items' JSON text of the list parts sent whole. */
  const texts = new Map<string, { of: PartList; items: string[] }>();
  for (const part of SNAPSHOT_PARTS) {
    const value = parts[part];
    if (errors[errorKey(part)] === undefined) {
      const of = partList(value);
      const items = of?.list.map((i) => JSON.stringify(i));
      const digest = items && of ? listDigest(of.key, items) : createHash('sha1').update(JSON.stringify(value)).digest('hex');
      reply.digests[part] = digest;
      const held = have[part];
      const base = items && held && held !== digest && opts.deltas ? opts.memory?.items(part, held) : undefined;
      if (items) opts.memory?.remember(part, digest, items);
      if (held === digest) {
        reply.unchanged.push(part);
        continue;
      }
      const edits = base && items ? listEdits(base, items) : [];
      // a delta that would carry every item is no smaller than the part
      if (of && base && edits.reduce((n, e) => n + e[3], 0) < of.list.length) {
        deltas[part] = { base: held!, splices: edits.map(([at, gone, from, count]) => [at, gone, of.list.slice(from, from + count)]) };
        continue;
      }
      if (of && items) texts.set(part, { of, items });
    }
    (reply as unknown as Record<string, unknown>)[part] = value;
  }
  if (Object.keys(deltas).length) reply.deltas = deltas;
  return withJsonText(reply, replyText(reply, texts).pieces);
}

/** JSON.stringify(reply) as pieces, the parts in `texts` from their items' text (not serialized a second time). */
function replyText(reply: ListingsSnapshotReply, texts: ReadonlyMap<string, { of: PartList; items: string[] }>): JsonPieces {
  const out = new JsonPieces().raw('{');
  let first = true;
  for (const [key, value] of Object.entries(reply)) {
    if (value === undefined) continue;
    out.raw(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    const text = texts.get(key);
    if (text) out.list(text.items, text.of.key);
    else out.value(value);
  }
  return out.raw('}');
}
