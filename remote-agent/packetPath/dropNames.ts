// Names for what skb:kfree_skb reports: the drop reason's number -> its name in this kernel's `enum
// skb_drop_reason` (read from the kernel's own BTF, so a kernel that adds or renumbers reasons is named right; no
// table is compiled in), and the location address -> the kernel function it lies in (/proc/kallsyms).
import { readFileSync } from 'node:fs';
import type { PacketDrop } from '../../protocol/types';
import { run, type Runner } from '../core/runner';

export const REASON_PREFIX = 'SKB_DROP_REASON_';

/**
 * The enumerators of `enum skb_drop_reason` in the output of `bpftool btf dump file /sys/kernel/btf/vmlinux format
 * raw -j` (17 MB here): only that enum's `values` array is parsed, not the whole document.
 */
export function dropReasonsFromBtfJson(json: string): Map<number, string> {
  const names = new Map<number, string>();
  const at = json.search(/"kind":"ENUM(64)?","name":"skb_drop_reason"/);
  if (at < 0) return names;
  const start = json.indexOf('"values":[', at);
  const end = start < 0 ? -1 : json.indexOf(']', start);
  if (end < 0) return names;
  const values = JSON.parse(json.slice(start + '"values":'.length, end + 1)) as { name: string; val: number }[];
  for (const v of values) names.set(Number(v.val), v.name);
  return names;
}

interface Symbols {
  addrs: bigint[];
  names: string[];
}

/** Text symbols of /proc/kallsyms, sorted by address (addresses all 0 when the reader may not see them). */
export function parseKallsyms(text: string): Symbols {
  const rows: [bigint, string][] = [];
  for (const line of text.split('\n')) {
    const sp1 = line.indexOf(' ');
    const type = line[sp1 + 1];
    if (type !== 't' && type !== 'T') continue;
    const rest = line.slice(sp1 + 3);
    const tab = rest.indexOf('\t');
    const name = tab < 0 ? rest : rest.slice(0, tab);
    const addr = BigInt(`0x${line.slice(0, sp1)}`);
    if (addr !== 0n) rows.push([addr, name]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { addrs: rows.map((r) => r[0]), names: rows.map((r) => r[1]) };
}

/** The function `addr` lies in and how far into it, or undefined below the first symbol. */
export function symbolAt(s: Symbols, addr: bigint): { name: string; offset: bigint } | undefined {
  let lo = 0;
  let hi = s.addrs.length - 1;
  if (hi < 0 || addr < s.addrs[0]) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.addrs[mid] <= addr) lo = mid;
    else hi = mid - 1;
  }
  return { name: s.names[lo], offset: addr - s.addrs[lo] };
}

/** A function further than this from its nearest symbol means the symbol table is out of date (a module loaded). */
const PLAUSIBLE_FUNCTION_SIZE = 0x10000n;

export class DropNamer {
  private symbols: Symbols | undefined;
  private symbolsReadAt = 0;
  private readonly locations = new Map<bigint, string>();

  constructor(
    /** Reason number -> enumerator name (with its SKB_DROP_REASON_ prefix); empty when the BTF was not readable. */
    private readonly reasons: Map<number, string>,
    private readonly readKallsyms: () => string = () => readFileSync('/proc/kallsyms', 'utf8'),
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the reason names from the kernel's BTF through bpftool; without them reasons are shown as numbers. */
  static async load(bpftool: string | undefined, runner: Runner = run): Promise<DropNamer> {
    let reasons = new Map<number, string>();
    if (bpftool) {
      const r = await runner([bpftool, 'btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw', '-j'], {
        allowFailure: true,
        timeoutMs: 30_000,
        maxBuffer: 256 << 20,
      }).catch(() => undefined);
      if (r?.stdout) {
        try {
          reasons = dropReasonsFromBtfJson(r.stdout);
        } catch {
          /* unreadable: numbers it is */
        }
      }
    }
    return new DropNamer(reasons);
  }

  /** The number of an enumerator (SKB_CONSUMED), when the BTF was read and has it. */
  valueOf(name: string): number | undefined {
    for (const [v, n] of this.reasons) if (n === name) return v;
    return undefined;
  }

  /** What a kfree_skb event reports, named. `hasReason`: the kernel's tracepoint has the reason field. */
  drop(reason: number, location: bigint, hasReason: boolean): PacketDrop {
    const d: PacketDrop = { location: this.location(location) };
    if (hasReason) {
      const name = this.reasons.get(reason);
      d.reason = name ? name.replace(REASON_PREFIX, '') : `reason ${reason}`;
    }
    return d;
  }

  location(addr: bigint): string {
    const known = this.locations.get(addr);
    if (known) return known;
    let hit = this.lookup(addr);
    // A module loaded after the table was read (nf_tables with the first nft rule) lies past the old last symbol:
    // read the table again, at most once a second.
    if ((!hit || hit.offset > PLAUSIBLE_FUNCTION_SIZE) && this.now() - this.symbolsReadAt > 1000) {
      this.symbols = undefined;
      hit = this.lookup(addr);
    }
    if (!hit || hit.offset > PLAUSIBLE_FUNCTION_SIZE) return `0x${addr.toString(16)}`;
    this.locations.set(addr, hit.name);
    return hit.name;
  }

  private lookup(addr: bigint): { name: string; offset: bigint } | undefined {
    if (!this.symbols) {
      this.symbolsReadAt = this.now();
      try {
        this.symbols = parseKallsyms(this.readKallsyms());
      } catch {
        this.symbols = { addrs: [], names: [] };
      }
    }
    return symbolAt(this.symbols, addr);
  }
}
