// A streaming pcapng writer: what Wireshark and tshark open, for the packet path (`trace -w`) and verdict captures.
//
// API
//   const w = new PcapngWriter(sink, { application: 'ebpf-netdebug 0.1' });
//       sink(chunk: Buffer) receives every block in order (the Section Header Block at once); its return value is
//       handed back by packet(), so a Writable's backpressure can be honoured: writerFor(stream) wires one.
//   const id = w.interfaceId({ name: 'eth0', namespace: 'end_lab_b', linkType: LINKTYPE.ETHERNET, snaplen: 128 });
//       One Interface Description Block per distinct (name, namespace, linkType, snaplen), written the first time
//       it is asked for; later calls return the same id. if_name = name, if_description = "netns <namespace>",
//       if_tsresol = 9 (nanoseconds). LINKTYPE.ETHERNET when the bytes start at the MAC header, LINKTYPE.RAW when
//       they start at the IP header.
//   w.packet({ interfaceId: id, timestampNs, data, originalLength, direction, verdict, comments }): boolean
//       One Enhanced Packet Block. timestampNs: nanoseconds since the Unix epoch (bigint, or a number when that is
//       exact enough). data: the captured bytes (cut to the interface's snaplen); originalLength: the packet's
//       length on the wire (default data.length, never less than what was captured). direction -> epb_flags
//       (inbound/outbound). verdict -> epb_verdict (option 7): { type: 'ebpf_xdp' | 'ebpf_tc', value: the program's
//       return code }. comments -> one opt_comment each (drop reason, hop...).
//   buildPcapng(interfaces, packets) -> Buffer: the same for a whole file in memory (packets name their
//       interface by index into `interfaces`).
// Bad input (an unknown interface id, a negative length, an option over 64 KiB) throws a RangeError naming it and
// writes nothing of that block.
import type { Writable } from 'node:stream';
import { enhancedPacketBlock, interfaceDescriptionBlock, sectionHeaderBlock, type LinkType } from './blocks';
import { OPT, directionFlags, stringOption, u32Option, u8Option, verdictOption, type PcapngOption, type VerdictType } from './options';

export interface PcapngInterface {
  /** The interface's name (if_name). */
  name: string;
  /** The network namespace's name as the user knows it (written as if_description "netns <namespace>"). */
  namespace?: string;
  linkType: LinkType;
  /** Most bytes kept of a packet; 0 = no limit. */
  snaplen?: number;
}

export interface PcapngPacket {
  interfaceId: number;
  /** Nanoseconds since the Unix epoch. */
  timestampNs: bigint | number;
  data: Uint8Array;
  originalLength?: number;
  direction?: 'inbound' | 'outbound';
  verdict?: { type: VerdictType; value: number | bigint };
  comments?: readonly string[];
}

export interface PcapngSectionInfo {
  /** shb_userappl */
  application?: string;
  /** shb_os */
  os?: string;
  /** shb_hardware */
  hardware?: string;
}

/** Receives the file's bytes block by block; `false` means "slow down" (a Writable's write() result). */
export type PcapngSink = (chunk: Buffer) => boolean | void;

export class PcapngWriter {
  private readonly ids = new Map<string, number>();
  private readonly snaplens: number[] = [];
  private written = 0;

  constructor(
    private readonly sink: PcapngSink,
    section: PcapngSectionInfo = {},
  ) {
    const opts: PcapngOption[] = [];
    if (section.hardware) opts.push(stringOption(OPT.shb_hardware, section.hardware));
    if (section.os) opts.push(stringOption(OPT.shb_os, section.os));
    if (section.application) opts.push(stringOption(OPT.shb_userappl, section.application));
    this.sink(sectionHeaderBlock(opts));
  }

  /** Enhanced Packet Blocks written so far. */
  get packets(): number {
    return this.written;
  }

  /** Interface Description Blocks written so far. */
  get interfaces(): number {
    return this.snaplens.length;
  }

  interfaceId(iface: PcapngInterface): number {
    const snaplen = iface.snaplen ?? 0;
    if (!iface.name) throw new RangeError('pcapng interface: empty name');
    if (!Number.isInteger(snaplen) || snaplen < 0 || snaplen > 0xffffffff) {
      throw new RangeError(`pcapng interface ${iface.name}: bad snaplen ${snaplen}`);
    }
    const key = JSON.stringify([iface.name, iface.namespace ?? null, iface.linkType, snaplen]);
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const opts: PcapngOption[] = [stringOption(OPT.if_name, iface.name)];
    if (iface.namespace) opts.push(stringOption(OPT.if_description, `netns ${iface.namespace}`));
    opts.push(u8Option(OPT.if_tsresol, 9));
    const blockBytes = interfaceDescriptionBlock(iface.linkType, snaplen, opts);
    const id = this.snaplens.length;
    this.ids.set(key, id);
    this.snaplens.push(snaplen);
    this.sink(blockBytes);
    return id;
  }

  packet(p: PcapngPacket): boolean {
    const snaplen = this.snaplens[p.interfaceId];
    if (snaplen === undefined) throw new RangeError(`pcapng packet: no interface ${p.interfaceId} (ask interfaceId() first)`);
    const data = snaplen > 0 && p.data.length > snaplen ? p.data.subarray(0, snaplen) : p.data;
    const originalLength = p.originalLength ?? p.data.length;
    if (!Number.isInteger(originalLength) || originalLength < data.length || originalLength > 0xffffffff) {
      throw new RangeError(`pcapng packet: original length ${originalLength} is less than the ${data.length} bytes captured`);
    }
    const ts = typeof p.timestampNs === 'bigint' ? p.timestampNs : BigInt(Math.round(p.timestampNs));
    if (ts < 0n) throw new RangeError(`pcapng packet: negative timestamp ${ts}`);
    const opts: PcapngOption[] = [];
    for (const c of p.comments ?? []) opts.push(stringOption(OPT.comment, c));
    if (p.direction) opts.push(u32Option(OPT.epb_flags, directionFlags(p.direction)));
    if (p.verdict) opts.push(verdictOption(p.verdict.type, p.verdict.value));
    const blockBytes = enhancedPacketBlock(p.interfaceId, ts, data, originalLength, opts);
    this.written++;
    return this.sink(blockBytes) !== false;
  }
}

/** A writer onto a Writable; packet() returns false when the stream wants a 'drain' before more. */
export function writerFor(stream: Writable, section?: PcapngSectionInfo): PcapngWriter {
  return new PcapngWriter((chunk) => stream.write(chunk), section);
}

/** A whole file in memory. `packets[i].interfaceId` indexes `interfaces`. */
export function buildPcapng(interfaces: readonly PcapngInterface[], packets: Iterable<PcapngPacket>, section?: PcapngSectionInfo): Buffer {
  const chunks: Buffer[] = [];
  const w = new PcapngWriter((c) => {
    chunks.push(c);
  }, section);
  const ids = interfaces.map((i) => w.interfaceId(i));
  for (const p of packets) {
    const id = ids[p.interfaceId];
    if (id === undefined) throw new RangeError(`pcapng packet: no interface ${p.interfaceId} among ${interfaces.length}`);
    w.packet({ ...p, interfaceId: id });
  }
  return Buffer.concat(chunks);
}
