// The PacketFilter of a trace.start request, checked and turned into the bytes of `struct tracepkt_filter`
// (bpf/include/tracepkt.h), the one entry of the tracer's `tp_filter` map.
import { endianness } from 'node:os';
import type { PacketFilter } from '../../protocol/types';
import { badArgument } from '../core/errors';
import { addressBytes, filterAddressBytes } from './addresses';

/** Mirrors enum tracepkt_proto and the TRACEPKT_F_* flags of tracepkt.h. */
export const FILTER_PROTOCOL = { icmp: 1, icmp6: 58, tcp: 6, udp: 17 } as const;
export const FILTER_FLAG = { host: 0x01, src: 0x02, dst: 0x04, port: 0x08 } as const;
/** sizeof(struct tracepkt_filter). */
export const FILTER_SIZE = 64;
/** TRACEPKT_MAX_BYTES: the most packet bytes an event carries. */
export const MAX_PACKET_BYTES = 256;
export const DEFAULT_PACKET_BYTES = 128;

/** TraceStartParams.packetBytes, checked: an integer 0-256, 128 when absent. */
export function validatePacketBytes(value: unknown, argument = 'packetBytes'): number {
  if (value === undefined || value === null) return DEFAULT_PACKET_BYTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_PACKET_BYTES) {
    throw badArgument(argument, `"${String(value)}" is not a byte count from 0 to ${MAX_PACKET_BYTES}`);
  }
  return value;
}

/** A filter whose every field was checked; unknown keys are refused rather than silently ignored. */
export function validatePacketFilter(value: unknown, argument = 'packetFilter'): PacketFilter {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badArgument(argument, 'must be an object');
  const f = value as Record<string, unknown>;
  const known = new Set(['protocol', 'host', 'src', 'dst', 'port']);
  for (const k of Object.keys(f)) {
    if (!known.has(k)) throw badArgument(`${argument}.${k}`, `unknown filter field (known: ${[...known].join(', ')})`);
  }
  const out: PacketFilter = {};
  if (f.protocol !== undefined) {
    if (typeof f.protocol !== 'string' || !(f.protocol in FILTER_PROTOCOL)) {
      throw badArgument(`${argument}.protocol`, `"${String(f.protocol)}" is not one of icmp, icmp6, tcp, udp`);
    }
    out.protocol = f.protocol as PacketFilter['protocol'];
  }
  for (const k of ['host', 'src', 'dst'] as const) {
    if (f[k] === undefined) continue;
    if (typeof f[k] !== 'string' || !addressBytes(f[k] as string)) {
      throw badArgument(`${argument}.${k}`, `"${String(f[k])}" is not an IPv4 or IPv6 address`);
    }
    out[k] = f[k] as string;
  }
  if (f.port !== undefined) {
    if (typeof f.port !== 'number' || !Number.isInteger(f.port) || f.port < 1 || f.port > 65535) {
      throw badArgument(`${argument}.port`, `"${String(f.port)}" is not a port number (1-65535)`);
    }
    if (out.protocol === 'icmp' || out.protocol === 'icmp6') {
      throw badArgument(`${argument}.port`, `ports do not apply to ${out.protocol}`);
    }
    out.port = f.port;
  }
  const families = (['host', 'src', 'dst'] as const).filter((k) => out[k]).map((k) => addressBytes(out[k]!)!.family);
  const wantFamily = out.protocol === 'icmp' ? 4 : out.protocol === 'icmp6' ? 6 : undefined;
  if (wantFamily && families.some((fam) => fam !== wantFamily)) {
    throw badArgument(argument, `${out.protocol} packets never carry IPv${wantFamily === 4 ? 6 : 4} addresses`);
  }
  return out;
}

/** The bytes of struct tracepkt_filter for a validated filter, `enabled` set, `packetBytes` of each packet copied. */
export function encodePacketFilter(filter: PacketFilter, packetBytes = DEFAULT_PACKET_BYTES): Buffer {
  const b = Buffer.alloc(FILTER_SIZE);
  // snaplen is a host-order u16 (the BPF side compares it as a number, not as packet bytes)
  if (endianness() === 'LE') b.writeUInt16LE(packetBytes, 56);
  else b.writeUInt16BE(packetBytes, 56);
  b[0] = 1; // enabled
  b[1] = filter.protocol ? FILTER_PROTOCOL[filter.protocol] : 0;
  let flags = 0;
  const put = (key: 'host' | 'src' | 'dst', offset: number) => {
    const text = filter[key];
    if (text === undefined) return;
    filterAddressBytes(text)!.copy(b, offset);
    flags |= FILTER_FLAG[key];
  };
  put('host', 8);
  put('src', 24);
  put('dst', 40);
  if (filter.port !== undefined) {
    b.writeUInt16BE(filter.port, 4); // network order, as the BPF side compares it with the packet's bytes
    flags |= FILTER_FLAG.port;
  }
  b[2] = flags;
  return b;
}

/** `bpftool map update ... value hex ..` wants one two-digit hex word per byte. */
export function hexWords(b: Buffer): string[] {
  return [...b].map((x) => x.toString(16).padStart(2, '0'));
}
