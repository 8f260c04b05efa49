// kfree_skb events that are the normal end of a delivered packet, not a drop (docs/packet-path.md "Drops").
//
// An ICMP echo reply to `ping` run as root (iputils reads on a raw socket) ends, on kernel 6.18, in
// kfree_skb_reason(skb, SKB_DROP_REASON_NO_SOCKET) called from ping_rcv(), although ping got it:
//   net/ipv4/ip_input.c ip_protocol_deliver_rcu(): raw_local_deliver(skb, protocol) first hands every matching raw
//     socket a clone (net/ipv4/raw.c raw_v4_input(): skb_clone() then raw_rcv()), then calls the protocol's
//     handler with the original, icmp_rcv();
//   net/ipv4/icmp.c icmp_rcv(): an ICMP_ECHOREPLY goes to ping_rcv() (net/ipv4/ping.c), which looks for a ping
//     (SOCK_DGRAM ICMP) socket only; finding none it frees the original with SKB_DROP_REASON_NO_SOCKET. IPv6 is the
//     same: raw6_local_deliver() clones for raw sockets, icmpv6_rcv() hands ICMPV6_ECHO_REPLY to ping_rcv().
// For a protocol without a handler the kernel itself says consume_skb() when a raw socket took a clone
// (ip_protocol_deliver_rcu's `raw` branch); for ICMP the handler runs anyway and calls it a drop. skb_clone() sets
// `cloned` on the original, which the tracer reads at the free (TRACEPKT_DROP_CLONED): an echo reply freed as
// NO_SOCKET in ping_rcv after a clone was taken was delivered to a raw socket, and is treated like consume_skb:
// left out. Without a clone (nobody listening: ping gone, or a reply nobody asked for) it stays a drop. A packet
// socket (tcpdump on the receiving device) also takes clones, so with one running, an unwanted echo reply is left
// out too: the price of having no kprobe on raw_rcv to ask directly.
import type { PacketPathEvent } from '../../protocol/types';

const ECHO_REPLY: Record<string, number> = { icmp: 0, icmp6: 129 };

export function deliveredEchoReply(ev: PacketPathEvent): boolean {
  return (
    ev.drop?.reason === 'NO_SOCKET' &&
    ev.drop.location === 'ping_rcv' &&
    ev.icmp !== undefined &&
    ECHO_REPLY[ev.protocol] !== undefined &&
    ev.icmp.type === ECHO_REPLY[ev.protocol]
  );
}
