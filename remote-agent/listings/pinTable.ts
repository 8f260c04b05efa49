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

/** A fingerprint of every directory of every mounted bpffs. */
export function bpffsFingerprint(mounts: string[] = bpfMounts()): string {
  const h = createHash('sha1');
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
      h.update(`${dir}\0${statSync(dir, { bigint: true }).mtimeNs}\0`);
    } catch {
      h.update(`${dir}\0gone\0`);
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      h.update(`${e.name}\0`);
      if (e.isDirectory()) walk(join(dir, e.name));
    }
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

  /**
   * Lists with pins: `cheap()` (no -f) when bpffs is unchanged since the table was built, else `full()` (-f),
   * which rebuilds the table.
   */
  async list<T extends Pinned>(cheap: () => Promise<T[]>, full: () => Promise<T[]>): Promise<T[]> {
    const before = this.fingerprintOf();
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
