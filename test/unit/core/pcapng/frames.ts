// Real packet bytes for the pcapng tests: an IPv4 ICMP echo request, with or without its Ethernet header, with the
// checksums right so tshark's dissectors have nothing to warn about.

function checksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) + (i + 1 < b.length ? b[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** IPv4 header + ICMP echo request with `payload` bytes of data. */
export function icmpEchoIpv4(src: string, dst: string, id: number, seq: number, payload = 56, ttl = 64): Buffer {
  const icmp = Buffer.alloc(8 + payload);
  icmp.writeUInt8(8, 0); // echo request
  icmp.writeUInt16BE(id, 4);
  icmp.writeUInt16BE(seq, 6);
  for (let i = 0; i < payload; i++) icmp[8 + i] = (0x10 + i) & 0xff;
  icmp.writeUInt16BE(checksum(icmp), 2);
  const ip = Buffer.alloc(20);
  ip.writeUInt8(0x45, 0);
  ip.writeUInt16BE(20 + icmp.length, 2);
  ip.writeUInt16BE(seq, 4); // identification
  ip.writeUInt16BE(0x4000, 6); // DF
  ip.writeUInt8(ttl, 8);
  ip.writeUInt8(1, 9); // ICMP
  Buffer.from(src.split('.').map(Number)).copy(ip, 12);
  Buffer.from(dst.split('.').map(Number)).copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  return Buffer.concat([ip, icmp]);
}

/** `ipPacket` behind an Ethernet header (locally administered MACs, ethertype IPv4). */
export function ethernet(ipPacket: Buffer): Buffer {
  const eth = Buffer.from('02000000000202000000000108 00'.replace(/ /g, ''), 'hex');
  return Buffer.concat([eth, ipPacket]);
}
