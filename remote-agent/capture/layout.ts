// The byte layouts of bpf/include/netdebug_capture.h (struct ndcap_event, ndcap_config, ndcap_stats), read and
// written here: change one side, change the other. Integers are in the host's byte order (little endian on the
// hosts we support); the filter's addresses and port are in network order, as tracepkt's filter.
import type { PacketFilter } from '../../protocol/types';
import { encodePacketFilter, FILTER_SIZE } from '../packetPath/filterEncoding';

/** sizeof(struct ndcap_event): the header before the packet's bytes. */
export const EVENT_HEADER_SIZE = 32;
/** sizeof(struct ndcap_config): struct tracepkt_filter's layout. */
export const CONFIG_SIZE = 64;
/** NDCAP_MAX_SNAPLEN. */
export const MAX_SNAP_LENGTH = 4096;
export const DEFAULT_SNAP_LENGTH = 128;
/** NDCAP_VERDICT_SLOTS: matched packets by verdict + 1. */
export const VERDICT_SLOTS = 16;

export interface EventHeader {
  timestampNs: number;
  ifindex: number;
  len: number;
  capLen: number;
  verdict: number;
  queue: number;
}

export function decodeEventHeader(b: Buffer): EventHeader {
  return {
    // bpf_ktime_get_ns: nanoseconds since boot, exact in a double for ~104 days of uptime, close enough after
    timestampNs: Number(b.readBigUInt64LE(0)),
    ifindex: b.readUInt32LE(8),
    len: b.readUInt32LE(12),
    capLen: b.readUInt32LE(16),
    verdict: b.readInt32LE(20),
    queue: b.readUInt32LE(24),
  };
}

/** The config entry: exactly struct tracepkt_filter's bytes (enabled set, the snap length at offset 56). */
export function encodeConfig(filter: PacketFilter, snapLength: number): Buffer {
  const b = encodePacketFilter(filter, snapLength);
  if (b.length !== CONFIG_SIZE || FILTER_SIZE !== CONFIG_SIZE) throw new Error('ndcap_config and tracepkt_filter layouts diverged');
  return b;
}

export interface CaptureCounters {
  seen: number;
  matched: number;
  failed: number;
  /** Index = verdict + 1. */
  verdicts: number[];
}

type StatsValue = { seen?: number; matched?: number; failed?: number; verdicts?: number[] };
type StatsEntry = { values?: { value?: StatsValue | string[] }[]; formatted?: StatsEntry };

/**
 * Sums `bpftool -j map dump` of the per-CPU `ndcap_stats`: with BTF, each entry has the raw bytes and a `formatted`
 * copy with the fields by name.
 */
export function sumStats(json: string): CaptureCounters {
  const out: CaptureCounters = { seen: 0, matched: 0, failed: 0, verdicts: new Array<number>(VERDICT_SLOTS).fill(0) };
  const entries = JSON.parse(json) as StatsEntry[];
  for (const raw of entries) {
    const e = raw.formatted ?? raw;
    for (const v of e.values ?? []) {
      const s = v.value;
      if (!s || Array.isArray(s)) continue;
      out.seen += s.seen ?? 0;
      out.matched += s.matched ?? 0;
      out.failed += s.failed ?? 0;
      (s.verdicts ?? []).forEach((n, i) => {
        if (i < VERDICT_SLOTS) out.verdicts[i] += n;
      });
    }
  }
  return out;
}

/** struct ndcap_batch: `used` at 0, `count` at 4, the records from BATCH_DATA_OFFSET. */
export const BATCH_DATA_OFFSET = 32;
export const BATCH_BYTES = 4096;

type BatchValue = { used?: number; count?: number; data?: number[] };
type BatchEntry = { values?: { cpu?: number; value?: BatchValue | string[] }[]; formatted?: BatchEntry };

/**
 * The records still waiting in each CPU's batch buffer, from `bpftool -j map dump` of the per-CPU `ndcap_batch`
 * (read once the plain program is back, so nothing writes them any more): the bytes of whole records, per CPU.
 */
export function batchTails(json: string): Buffer[] {
  const out: Buffer[] = [];
  for (const raw of JSON.parse(json) as BatchEntry[]) {
    for (const v of raw.formatted?.values ?? raw.values ?? []) {
      const value = v.value;
      if (!value) continue;
      let bytes: Buffer;
      let used: number;
      if (Array.isArray(value)) {
        // without BTF: the raw bytes as "0x.." strings
        bytes = Buffer.from(value.map((x) => parseInt(x, 16)));
        used = bytes.readUInt32LE(0);
        bytes = bytes.subarray(BATCH_DATA_OFFSET);
      } else {
        used = value.used ?? 0;
        bytes = Buffer.from(value.data ?? []);
      }
      if (used > 0) out.push(bytes.subarray(0, Math.min(used, bytes.length, BATCH_BYTES)));
    }
  }
  return out;
}
