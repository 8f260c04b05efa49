// Pin paths for the listings without paying bpftool's bpffs walk on every call. `bpftool -f` opens every pinned
// file on every run (about 2x the cost of the listing itself with 2,000 pins). The pins only change when something
// is pinned or unpinned, which changes a bpffs directory: so the agent keeps the id -> pins table of the last `-f`
// run together with a fingerprint of every bpffs directory (path, mtime in ns, entry names), taken BEFORE that run.
// A call whose fingerprint matches runs the cheap listing (without -f) and reuses the table; any change in bpffs,
// or a remembered id the kernel no longer has, makes it run `-f` again. The listing itself is always fresh.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
  const state: DirState = {
    mtimeNs,
    readAtNs,
    digest: createHash('sha1').update(names.join('\0')).digest('hex'),
    subdirs: entries
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name))
      .sort(),
  };
  dirCache.set(dir, state);
  return state;
}

/**
 * A fingerprint of every directory of every mounted bpffs: each directory's path, mtime and entry names. Entries
 * are read again only for directories whose mtime moved (or was recent when last read), so an unchanged bpffs
 * costs one stat per directory instead of reading every pin's name.
 */
export function bpffsFingerprint(mounts: string[] = bpfMounts()): string {
  const h = createHash('sha1');
  const walk = (dir: string) => {
    const st = dirState(dir);
    if (!st) {
      h.update(`${dir}\0gone\0`);
      return;
    }
    h.update(`${dir}\0${st.mtimeNs}\0${st.digest}\0`);
    for (const sub of st.subdirs) walk(sub);
  };
  for (const m of mounts) walk(m);
  return h.digest('hex');
}

function bpfMounts(): string[] {
  try {
    return mountPointsOfType(readFileSync('/proc/mounts', 'utf8'), 'bpf');
  } catch {
    return ['/sys/fs/bpf'];
  }
}

interface Pinned {
  id: number;
  pinned: string[];
}

export class PinTable {
  private fingerprint: string | null = null;
  private pins = new Map<number, string[]>();

  constructor(private readonly fingerprintOf: () => string = () => bpffsFingerprint()) {}

  /** Whether a listing now would need bpftool's own pin walk (-f): bpffs changed since the table was built. */
  needsFull(fingerprint: string): boolean {
    return this.fingerprint !== fingerprint;
  }

  /**
   * Lists with pins: `cheap()` (no -f) when bpffs is unchanged since the table was built, else `full()` (-f),
   * which rebuilds the table.
   */
  async list<T extends Pinned>(cheap: () => Promise<T[]>, full: () => Promise<T[]>, before = this.fingerprintOf()): Promise<T[]> {
    if (this.fingerprint === before) {
      const items = await cheap();
      const ids = new Set(items.map((i) => i.id));
      if ([...this.pins.keys()].every((id) => ids.has(id))) {
        for (const i of items) i.pinned = [...(this.pins.get(i.id) ?? [])];
        return items;
      }
    }
    const items = await full();
    this.pins = new Map(items.filter((i) => i.pinned.length).map((i) => [i.id, [...i.pinned]]));
    this.fingerprint = before;
    return items;
  }
}
