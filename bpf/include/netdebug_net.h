/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Protocol constants and small packet helpers shared by the programs in bpf/.
 * vmlinux.h carries the kernel's structs and enums but none of its #defines (ETH_P_IP, TC_ACT_OK, ICMP types,
 * TCP flag bits), so the few we need live here, under the kernel's own names, guarded against redefinition.
 */
#ifndef NETDEBUG_NET_H
#define NETDEBUG_NET_H

#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#ifndef ETH_P_IPV6
#define ETH_P_IPV6 0x86DD
#endif
#ifndef IPPROTO_ICMPV6
#define IPPROTO_ICMPV6 58
#endif

/* ICMP and ICMPv6 echo message types. */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8
#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY 129

/* tc (cls_bpf direct-action) verdicts. */
#ifndef TC_ACT_OK
#define TC_ACT_OK 0
#endif
#ifndef TC_ACT_SHOT
#define TC_ACT_SHOT 2
#endif

/* TCP flag bits inside the 13th byte of the TCP header. */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10

/* Offset of the byte holding the flags, and of the 16-bit word (data offset + flags) a checksum update covers. */
#define TCP_FLAGS_BYTE_OFF 13
#define TCP_FLAGS_WORD_OFF 12

#define AF_INET 2
#define AF_INET6 10

/*
 * One's-complement incremental checksum update (RFC 1624, eqn. 3): HC' = ~(~HC + ~m + m'), for a 16-bit word of
 * the header changing from `old` to `new`. Written out here because XDP has no csum_replace helper for the IP
 * header; both values are in network byte order, as is *sum.
 */
static __always_inline void netdebug_csum_replace2(__sum16 *sum, __be16 old, __be16 new)
{
	__u32 s = (__u16)~*sum;

	s += (__u16)~old;
	s += (__u16)new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	*sum = (__sum16)~s;
}

/* Where the layer-4 header of a packet starts, once the Ethernet and IP headers are known to be in bounds. */
struct netdebug_l4 {
	void *l3;      /* struct iphdr or struct ipv6hdr */
	void *l4;      /* first byte after the IP header (not yet bounds-checked beyond that byte's start) */
	__u8 family;   /* AF_INET or AF_INET6 */
	__u8 protocol; /* IPPROTO_* of the layer-4 header */
};

/*
 * Parses Ethernet + IPv4 (with options) or IPv6 (without extension headers: the programs here only look at
 * ICMP and TCP, which follow the fixed header in the traffic they are meant for). Works on XDP and tc contexts
 * alike since it only takes the packet bounds. Returns 0 when the packet is not one we understand.
 */
static __always_inline int netdebug_parse_l3(void *data, void *data_end, struct netdebug_l4 *out)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return 0;
		out->l3 = ip;
		out->l4 = (void *)ip + ip->ihl * 4;
		out->family = AF_INET;
		out->protocol = ip->protocol;
		return 1;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		out->l3 = ip6;
		out->l4 = ip6 + 1;
		out->family = AF_INET6;
		out->protocol = ip6->nexthdr;
		return 1;
	}
	return 0;
}

#endif /* NETDEBUG_NET_H */
