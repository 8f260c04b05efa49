// Pin paths for the listings without paying bpftool's bpffs walk (-f) on every call. `bpftool -f` opens every
// pinned file on every run (about 2x the cost of the listing itself with 2,000 pins), and a refresh after any pin
// or unpin (a load, an attach) paid it. So the agent keeps its own index of bpffs: every pinned file (path and
// inode number) and what it is (programs, maps or links, and the id). A pin or unpin always changes its directory's
// mtime, so the walk re-reads only directories whose mtime moved, stat'ing their files; a file with the index's
// path and inode is the same pinned object (every pin is a new inode). Files the index cannot place are asked about
// one by one (`bpftool KIND show pinned PATH`, lines of the listing's own bpftool batch: a load adds a few, not
// 2,000); the first listing, or one that finds many new files, runs -f and fills the index from its answer. The
// walk is taken BEFORE the listing runs, and the listing itself is always fresh: a pin made meanwhile shows at the
// next refresh, a pin removed meanwhile is dropped then (its directory's mtime moved).
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mountPointsOfType } from '../host/mounts';

/**
 * How old a directory's mtime must have been when we read it for an unchanged mtime to prove unchanged entries.
 * bpffs stamps with the coarse clock (one tick: 4 ms at HZ=250), so two changes within one tick can share an mtime;
 * a directory read while its mtime was recent is read again next time (as git does with "racily clean" files).
 */
const RACY_NS = 50_000_000n;

interface DirState {
  mtimeNs: bigint;
  /** The wall clock when the entries were read. */
  readAtNs: bigint;
  /** sha1 of the sorted entry names. */
  digest: string;
  subdirs: string[];
  /** The regular files (pins; bpftool -f skips symlinks too): path -> inode number. */
  files: Map<string, number>;
}
const dirCache = new Map<string, DirState>();

/** The directory's entries, from the cache while its mtime is unchanged and was not racy when read. */
function dirState(dir: string): DirState | undefined {
  let mtimeNs: bigint;
  try {
    mtimeNs = statSync(dir, { bigint: true }).mtimeNs;
  } catch {
    dirCache.delete(dir);
    return undefined;
  }
  const hit = dirCache.get(dir);
  if (hit && hit.mtimeNs === mtimeNs && hit.readAtNs - mtimeNs > RACY_NS) return hit;
  const readAtNs = BigInt(Date.now()) * 1_000_000n;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    dirCache.delete(dir);
    return undefined;
  }
  const names = entries.map((e) => e.name).sort();
  const files = new Map<string, number>();
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(dir, e.name);
    try {
      files.set(path, lstatSync(path).ino);
    } catch {
      /* unpinned meanwhile: the directory's mtime moved, it is read again next time */
    }
  }
  const state: DirState = {
    mtimeNs,
    readAtNs,
    digest: createHash('sha1').update(names.join('\0')).digest('hex'),
    subdirs: entries
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name))
      .sort(),
    files,
  };
  dirCache.set(dir, state);
  return state;
}

function walkBpffs(mounts: string[], visit: (dir: string, st: DirState | undefined) => void): void {
  const walk = (dir: string) => {
    const st = dirState(dir);
    visit(dir, st);
    if (st) for (const sub of st.subdirs) walk(sub);
  };
  for (const m of mounts) walk(m);
}

/**
 * A fingerprint of every directory of every mounted bpffs: each directory's path, mtime and entry names. Entries
 * are read again only for directories whose mtime moved (or was recent when last read), so an unchanged bpffs
 * costs one stat per directory instead of reading every pin's name.
 */
export function bpffsFingerprint(mounts: string[] = bpfMounts()): string {
  const h = createHash('sha1');
  walkBpffs(mounts, (dir, st) => h.update(st ? `${dir}\0${st.mtimeNs}\0${st.digest}\0` : `${dir}\0gone\0`));
  return h.digest('hex');
}

let lastPins: { states: (DirState | undefined)[]; pins: Map<string, number> } | undefined;

/**
 * Every pinned file of every mounted bpffs now: path -> inode number (the same cached walk). The same Map as the
 * last call when no directory was read again, so the pin index can reuse what it worked out for it.
 */
export function bpffsPins(mounts: string[] = bpfMounts()): PinScan {
  const states: (DirState | undefined)[] = [];
  walkBpffs(mounts, (_dir, st) => states.push(st));
  if (lastPins && lastPins.states.length === states.length && states.every((st, i) => st === lastPins!.states[i])) return lastPins.pins;
  const pins = new Map<string, number>();
  for (const st of states) if (st) for (const [path, ino] of st.files) pins.set(path, ino);
  lastPins = { states, pins };
  return pins;
}

function bpfMounts(): string[] {
  try {
    return mountPointsOfType(readFileSync('/proc/mounts', 'utf8'), 'bpf');
  } catch {
    return ['/sys/fs/bpf'];
  }
}

export type PinKind = 'programs' | 'maps' | 'links';
export const PIN_KINDS: readonly PinKind[] = ['programs', 'maps', 'links'];
/** bpftool's object word per kind: `prog show pinned PATH`. */
const OBJECT_WORD: Record<PinKind, string> = { programs: 'prog', maps: 'map', links: 'link' };

/** A walk of bpffs: pinned file path -> inode number. */
export type PinScan = ReadonlyMap<string, number>;

interface PinRecord {
  ino: number;
  /** What the file is; null: not an object bpftool shows (bpffs' own files such as progs.debug, or gone). */
  kind?: PinKind | null;
  id?: number;
  /** Kinds it is known not to be (a -f listing of that kind did not name it). */
  not: PinKind[];
}

/** A pinned file the index cannot place, and the kind to ask bpftool about first. */
export interface PinQuestion {
  path: string;
  ino: number;
  ask: PinKind;
}

/** Items of a listing: the index sets `pinned`. */
interface Pinned {
  id: number;
  pinned: string[];
}

/** The bpftool command that asks about one pinned file. */
export function pinCommand(q: PinQuestion): string[] {
  return [OBJECT_WORD[q.ask], 'show', 'pinned', q.path];
}

/** What the index makes of one walk, per kind: are all files placed, and the pins of each id (sorted). */
interface PinView {
  scan: PinScan;
  version: number;
  kinds: Map<PinKind, { complete: boolean; byId: Map<number, string[]> }>;
}

export class PinIndex {
  private readonly records = new Map<string, PinRecord>();
  /** Moves whenever a record changes: a view of an older version is worked out again. */
  private version = 0;
  private view: PinView | undefined;

  constructor(private readonly scanOf: () => PinScan = () => bpffsPins()) {}

  /** bpffs now (cheap while unchanged: one stat per directory). */
  scan(): PinScan {
    return this.scanOf();
  }

  private current(path: string, ino: number): PinRecord {
    this.version++;
    let r = this.records.get(path);
    if (!r || r.ino !== ino) this.records.set(path, (r = { ino, not: [] }));
    return r;
  }

  private placed(r: PinRecord | undefined, ino: number, kind: PinKind): boolean {
    return !!r && r.ino === ino && (r.kind !== undefined || r.not.includes(kind));
  }

  /** One pass over the walk for all kinds, kept while neither the walk nor a record changes (a refresh's 3 listings). */
  private viewOf(scan: PinScan): PinView {
    if (this.view?.scan === scan && this.view.version === this.version) return this.view;
    // forget the files no longer pinned
    for (const path of this.records.keys()) if (!scan.has(path)) this.records.delete(path);
    const kinds = new Map(PIN_KINDS.map((k) => [k, { complete: true, byId: new Map<number, string[]>() }]));
    for (const [path, ino] of scan) {
      const r = this.records.get(path);
      for (const [kind, v] of kinds) if (v.complete && !this.placed(r, ino, kind)) v.complete = false;
      if (r?.ino !== ino || !r.kind || r.id === undefined) continue;
      const byId = kinds.get(r.kind)!.byId;
      const list = byId.get(r.id);
      if (list) list.push(path);
      else byId.set(r.id, [path]);
    }
    for (const v of kinds.values()) for (const list of v.byId.values()) list.sort();
    return (this.view = { scan, version: this.version, kinds });
  }

  /**
   * The files of `scan` the index cannot place for any of `kinds`, each with the kind to ask first: the kind of
   * its placed neighbours (a directory usually holds one kind), else its directory's name's (an object's `maps/`),
   * else the first of `kinds` it is not known not to be.
   */
  unknown(scan: PinScan, kinds: readonly PinKind[]): PinQuestion[] {
    const view = this.viewOf(scan);
    if (kinds.every((k) => view.kinds.get(k)!.complete)) return [];
    const out: PinQuestion[] = [];
    const dirKind = new Map<string, PinKind>();
    for (const [path, ino] of scan) {
      const r = this.records.get(path);
      if (r?.ino === ino && r.kind) dirKind.set(dirOf(path), r.kind);
    }
    for (const [path, ino] of scan) {
      const r = this.records.get(path);
      if (kinds.every((k) => this.placed(r, ino, k))) continue;
      const not = r?.ino === ino ? r.not : [];
      const near = dirKind.get(dirOf(path)) ?? NAMED_DIRS[dirOf(path).slice(dirOf(path).lastIndexOf('/') + 1)];
      const ask = near && !not.includes(near) ? near : (kinds.find((k) => !not.includes(k)) ?? kinds[0]);
      out.push({ path, ino, ask });
    }
    return out;
  }

  /**
   * bpftool's answer to `pinCommand(q)`: the object, or the error. Returns the next question about that file when
   * the answer names another kind ("incorrect object type: map"); otherwise the file is placed.
   */
  learnOne(q: PinQuestion, answer: unknown): PinQuestion | undefined {
    const r = this.current(q.path, q.ino);
    if (answer instanceof Error) {
      const other = /incorrect object type: (prog|map|link)\b/.exec(answer.message)?.[1];
      const kind = PIN_KINDS.find((k) => OBJECT_WORD[k] === other);
      if (kind && kind !== q.ask && !r.not.includes(kind)) {
        r.not.push(q.ask);
        return { ...q, ask: kind };
      }
      // gone since the walk, or a file no kind's show opens (bpffs' own): what -f skips too
      r.kind = null;
      return undefined;
    }
    const id = (answer as { id?: unknown } | null)?.id;
    if (typeof id === 'number') {
      r.kind = q.ask;
      r.id = id;
    } else r.kind = null;
    return undefined;
  }

  /** After a listing of `kind` with bpftool -f that started after `scan` was taken: places every file for `kind`. */
  learnFull(scan: PinScan, kind: PinKind, items: Pinned[]): void {
    const idOf = new Map<string, number>();
    for (const i of items) for (const p of i.pinned) idOf.set(p, i.id);
    for (const [path, ino] of scan) {
      const r = this.current(path, ino);
      const id = idOf.get(path);
      if (id !== undefined) {
        r.kind = kind;
        r.id = id;
      } else {
        if (r.kind === kind) r.kind = undefined;
        if (!r.not.includes(kind)) r.not.push(kind);
      }
    }
  }

  /**
   * Sets each item's `pinned` (sorted) from the index: false when a file of `scan` is not placed for `kind` (the
   * caller lists with -f). A file placed as an id the listing lacks was unpinned after the walk: it is forgotten.
   */
  place(scan: PinScan, kind: PinKind, items: Pinned[]): boolean {
    const view = this.viewOf(scan).kinds.get(kind)!;
    if (!view.complete) return false;
    const ids = new Set<number>();
    for (const i of items) {
      ids.add(i.id);
      const pins = view.byId.get(i.id);
      i.pinned = pins ? [...pins] : [];
    }
    for (const [id, paths] of view.byId) {
      if (ids.has(id)) continue;
      for (const p of paths) this.records.delete(p);
      this.version++;
    }
    return true;
  }
}

/** Directory names that say what they hold (objects pin their maps in NAME/maps/, links in NAME/links/). */
const NAMED_DIRS: Record<string, PinKind | undefined> = { maps: 'maps', links: 'links', progs: 'programs' };

export function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}
