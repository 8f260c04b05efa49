// The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers TCP, UDP and ICMPv6 sum over: what a run's
// output is checked against (a program that changes a TTL must fix the IP header checksum, or the packet is lost).

/** The one's-complement sum of 16-bit big-endian words, not yet inverted. */
export function onesSum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length % 2) sum += bytes[bytes.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The checksum to store: the inverted sum (computed with the checksum field zeroed). */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return ~onesSum(bytes, initial) & 0xffff;
}

/** Sum of the pseudo-header: source, destination, protocol and the L4 length. */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let sum = onesSum(src) + onesSum(dst) + protocol;
  if (src.length === 16) sum += (length >>> 16) + (length & 0xffff);
  else sum += length;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}
