// A packet's path as the client shows it: the tracer's hop events (protocol PacketPathEvent) grouped per packet.
// Plain data, so the CLI prints it as JSON as is and a webview can take it by postMessage.
import type { PacketPathEvent } from '../../../protocol/types';

export interface PacketHop {
  netnsInode: number;
  /** `root`, a /run/netns name or `pid:N (comm)`, when the host could name the namespace. */
  netnsName?: string;
  ifname: string;
  ifindex: number;
  tracepoint: PacketPathEvent['tracepoint'];
  timestampNs: number;
  /** Nanoseconds since this packet's first hop. */
  sinceFirstNs: number;
  /** The kernel buffer that carried the packet here (it changes when the stack copies or rebuilds it). */
  skb: string;
  ttl?: number;
}

export interface PacketPath {
  /** What makes two events the same packet (see grouping.ts). */
  key: string;
  /** "request" / "reply" for ICMP echo, the TCP flags ("SYN", "SYN|ACK"), an ICMP message name, or "udp". */
  label: string;
  /** Ties a request to its reply: "#17146.001" (ICMP echo id.seq), or the TCP/UDP flow "10.0.0.1:4000 > 10.0.0.2:80". */
  exchange: string;
  family: 4 | 6;
  protocol: string;
  src: string;
  dst: string;
  icmp?: PacketPathEvent['icmp'];
  tcp?: PacketPathEvent['tcp'];
  udp?: PacketPathEvent['udp'];
  /** Time of the first hop (CLOCK_MONOTONIC of the host, ns). */
  firstNs: number;
  /** In time order. */
  hops: PacketHop[];
}
