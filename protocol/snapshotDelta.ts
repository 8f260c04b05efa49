// listings.snapshot's deltas (SnapshotDelta in agent.ts): a part seen as a list, the edits that turn one version of
// a list into the next, and applying them. The agent finds the edits on the items' JSON text
// (remote-agent/listings/snapshotReply.ts); the client applies them to the copy it holds
// (extension/core/snapshotCopies.ts). After one program was loaded among 1,000 the programs part's edit is one
// item, where the whole part was ~230 KB of JSON to send, parse and hold.
import type { SnapshotSplice } from './agent';

/** A part as a list: the part itself when it is an array, or the array of an object's only key (net: namespaces). */
export interface PartList {
  key?: string;
  list: unknown[];
}

export function partList(value: unknown): PartList | undefined {
  if (Array.isArray(value)) return { list: value };
  if (!value || typeof value !== 'object') return undefined;
  const keys = Object.keys(value);
  const list = keys.length === 1 ? (value as Record<string, unknown>)[keys[0]] : undefined;
  return Array.isArray(list) ? { key: keys[0], list } : undefined;
}

/** The part `of` describes, with `list` as its list. */
export function withList(of: PartList, list: unknown[]): unknown {
  return of.key === undefined ? list : { [of.key]: list };
}

/** An edit: [start in base, items deleted there, start in the new list, items inserted from there]. */
export type ListEdit = [number, number, number, number];

/**
 * The edits that turn `base` into `next` (items compared as their JSON text), in ascending base positions. Items
 * kept are those of a common prefix and suffix and, between them, the ones both lists hold, in order: an item
 * loaded or unloaded, or changed (its text differs), is one small edit; a reordering costs more edits but stays right.
 */
export function listEdits(base: readonly string[], next: readonly string[]): ListEdit[] {
  const min = Math.min(base.length, next.length);
  let pre = 0;
  while (pre < min && base[pre] === next[pre]) pre++;
  let suf = 0;
  while (suf < min - pre && base[base.length - 1 - suf] === next[next.length - 1 - suf]) suf++;
  const baseEnd = base.length - suf;
  const nextEnd = next.length - suf;
  const edits: ListEdit[] = [];
  if (pre === baseEnd && pre === nextEnd) return edits;
  const inNext = new Set(next.slice(pre, nextEnd));
  const inBase = new Set(base.slice(pre, baseEnd));
  let i = pre;
  let j = pre;
  while (i < baseEnd || j < nextEnd) {
    if (i < baseEnd && j < nextEnd && base[i] === next[j]) {
      i++;
      j++;
      continue;
    }
    const i0 = i;
    const j0 = j;
    while (i < baseEnd && !inNext.has(base[i])) i++; // gone
    while (j < nextEnd && !inBase.has(next[j])) j++; // new
    if (i === i0 && j === j0) {
      // both are elsewhere in the other list (moved): replace one by the other
      if (i < baseEnd) i++;
      if (j < nextEnd) j++;
    }
    const last = edits.at(-1);
    if (last && last[0] + last[1] === i0 && last[2] + last[3] === j0) {
      last[1] += i - i0;
      last[3] += j - j0;
    } else edits.push([i0, i - i0, j0, j - j0]);
  }
  return edits;
}

/** `base` with the splices applied; throws on splices out of order or out of range (a reply not meant for it). */
export function applySplices(base: readonly unknown[], splices: readonly SnapshotSplice[]): unknown[] {
  const out: unknown[] = [];
  let at = 0;
  for (const s of splices) {
    const [start, deleteCount, items] = (Array.isArray(s) ? s : []) as unknown[];
    if (
      typeof start !== 'number' ||
      typeof deleteCount !== 'number' ||
      !Number.isInteger(start) ||
      !Number.isInteger(deleteCount) ||
      !Array.isArray(items) ||
      start < at ||
      deleteCount < 0 ||
      start + deleteCount > base.length
    )
      throw new Error(`a splice out of order or range: ${JSON.stringify(s).slice(0, 100)}`);
    for (let k = at; k < start; k++) out.push(base[k]);
    out.push(...items);
    at = start + deleteCount;
  }
  for (let k = at; k < base.length; k++) out.push(base[k]);
  return out;
}
