// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_manglepong: gives every received ICMP echo reply ("pong") a random TTL in [1, ttl], where ttl is the TTL
 * the reply arrived with, or the knob `max_ttl` when that is set and smaller. The IP header checksum is fixed
 * incrementally over the 16-bit word that holds TTL and protocol, so the replies are still accepted: `ping`
 * shows them all, each with a different ttl= (the first seed article's demonstration).
 *
 * Knob `max_ttl` (const volatile; -DMAX_TTL=N at build time): 0 (default) = bounded by the received TTL only.
 * Map `mangle_stats` (key 0): replies rewritten, for a map dump.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netdebug_net.h"

#ifndef MAX_TTL
#define MAX_TTL 0
#endif

const volatile __u8 max_ttl = MAX_TTL;

struct mangle_stats {
	__u64 replies;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mangle_stats);
} mangle_stats SEC(".maps");

SEC("xdp")
int xdp_manglepong(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct netdebug_l4 l4;
	struct iphdr *ip;
	struct icmphdr *icmp;
	__be16 *ttl_proto;
	__be16 old_word;
	__u32 bound, key = 0;
	struct mangle_stats *stats;

	if (!netdebug_parse_l3(data, data_end, &l4) || l4.family != AF_INET || l4.protocol != IPPROTO_ICMP)
		return XDP_PASS;
	icmp = l4.l4;
	if ((void *)(icmp + 1) > data_end || icmp->type != ICMP_ECHOREPLY)
		return XDP_PASS;
	ip = l4.l3;
	bound = ip->ttl;
	if (max_ttl && max_ttl < bound)
		bound = max_ttl;
	/* A TTL of 0 cannot be lowered into [1, 0]; leave such a reply alone. */
	if (!bound)
		return XDP_PASS;

	/* ttl and protocol are adjacent bytes: the checksum sees them as one 16-bit word. */
	ttl_proto = (__be16 *)&ip->ttl;
	old_word = *ttl_proto;
	ip->ttl = bpf_get_prandom_u32() % bound + 1;
	netdebug_csum_replace2(&ip->check, old_word, *ttl_proto);

	stats = bpf_map_lookup_elem(&mangle_stats, &key);
	if (stats)
		__sync_fetch_and_add(&stats->replies, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
