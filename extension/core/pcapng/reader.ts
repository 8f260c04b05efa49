// Reads the packets of a pcapng file (the format tcpdump -w / tshark / Wireshark write, and our own writer next to
// this file): Section Header, Interface Description, Enhanced and Simple Packet blocks, either byte order, several
// sections. What `ebpf-netdebug run --pcapng FILE --index N` takes a packet from. A damaged file is a
// PcapngError saying where; blocks it does not know are skipped, as the format asks.

export interface PcapngPacket {
  /** 0-based, in file order. */
  index: number;
  interfaceId: number;
  /** The interface's link type (1 = Ethernet). */
  linkType: number;
  /** Captured bytes (maybe fewer than `originalLength` when the capture had a snap length). */
  data: Uint8Array;
  originalLength: number;
  /** Seconds since the epoch, when the block has a timestamp (with the interface's resolution applied). */
  timestamp?: number;
}

export class PcapngError extends Error {}

export const LINKTYPE_ETHERNET = 1;
const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const SPB = 0x00000003;
const EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

interface Iface {
  linkType: number;
  snapLen: number;
  tsDivisor: number;
}

export function readPcapng(file: Uint8Array): PcapngPacket[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const packets: PcapngPacket[] = [];
  let little = true;
  let ifaces: Iface[] = [];
  let off = 0;
  if (file.length < 12 || dv.getUint32(0, true) !== SHB) throw new PcapngError('not a pcapng file (no Section Header Block at the start)');
  while (off + 12 <= file.length) {
    const type = dv.getUint32(off, little);
    if (type === SHB) {
      const magic = dv.getUint32(off + 8, true);
      if (magic === BYTE_ORDER_MAGIC) little = true;
      else if (magic === 0x4d3c2b1a) little = false;
      else throw new PcapngError(`section header at byte ${off}: bad byte-order magic 0x${magic.toString(16)}`);
      ifaces = [];
    }
    const len = dv.getUint32(off + 4, little);
    if (len < 12 || len % 4 || off + len > file.length)
      throw new PcapngError(`block at byte ${off}: length ${len} runs past the end of the file (${file.length} bytes)`);
    if (dv.getUint32(off + len - 4, little) !== len) throw new PcapngError(`block at byte ${off}: trailing length does not match ${len}`);
    const body = off + 8;
    if (type === IDB) {
      ifaces.push({
        linkType: dv.getUint16(body, little),
        snapLen: dv.getUint32(body + 4, little),
        tsDivisor: tsResolution(dv, body + 8, off + len - 4, little),
      });
    } else if (type === EPB) {
      const id = dv.getUint32(body, little);
      const iface = ifaces[id];
      if (!iface) throw new PcapngError(`packet block at byte ${off}: interface ${id} was never described`);
      const ts = dv.getUint32(body + 4, little) * 2 ** 32 + dv.getUint32(body + 8, little);
      const capLen = dv.getUint32(body + 12, little);
      if (body + 20 + capLen > off + len - 4)
        throw new PcapngError(`packet block at byte ${off}: captured length ${capLen} exceeds the block`);
      packets.push({
        index: packets.length,
        interfaceId: id,
        linkType: iface.linkType,
        data: file.slice(body + 20, body + 20 + capLen),
        originalLength: dv.getUint32(body + 16, little),
        timestamp: ts / iface.tsDivisor,
      });
    } else if (type === SPB) {
      const iface = ifaces[0];
      if (!iface) throw new PcapngError(`simple packet block at byte ${off}: no interface was described`);
      const origLen = dv.getUint32(body, little);
      const capLen = Math.min(origLen, iface.snapLen || origLen, len - 16);
      packets.push({
        index: packets.length,
        interfaceId: 0,
        linkType: iface.linkType,
        data: file.slice(body + 4, body + 4 + capLen),
        originalLength: origLen,
      });
    }
    off += len;
  }
  if (off !== file.length) throw new PcapngError(`${file.length - off} bytes at the end are not a whole block`);
  return packets;
}

/** if_tsresol (option 9): 10^-n, or 2^-n when the top bit is set; microseconds by default. */
function tsResolution(dv: DataView, from: number, to: number, little: boolean): number {
  let o = from;
  while (o + 4 <= to) {
    const code = dv.getUint16(o, little);
    const len = dv.getUint16(o + 2, little);
    if (code === 0) break;
    if (code === 9 && len >= 1) {
      const v = dv.getUint8(o + 4);
      return v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    }
    o += 4 + Math.ceil(len / 4) * 4;
  }
  return 1e6;
}
