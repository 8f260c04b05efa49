// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_drop_ping: drops ICMP / ICMPv6 echo messages arriving on an interface and counts what it dropped.
 *
 * Knob `drop_replies` (const volatile, set before load by patching .rodata, or at build time with
 * -DDROP_REPLIES=1): 0 (the default) drops echo REQUESTS, so the host the program sits on stops answering
 * pings: attach it on the target's interface and every pinger sees 100% loss. 1 drops echo REPLIES instead,
 * so it sits on the pinger's own interface and makes that host deaf to answers (the seed lab's variant).
 *
 * Map `drop_stats`: one entry (key 0) with the packets and bytes dropped, read with `bpftool map dump`; the
 * scenario test checks it equals the number of pings sent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netdebug_net.h"

#ifndef DROP_REPLIES
#define DROP_REPLIES 0
#endif

const volatile __u8 drop_replies = DROP_REPLIES;

struct drop_stats {
	__u64 packets;
	__u64 bytes;
};

/* A plain array with atomic adds (not per-CPU), so a map dump shows the total in one number. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drop_stats);
} drop_stats SEC(".maps");

/* The ICMP type byte is the first byte of both the ICMP and the ICMPv6 header. */
static __always_inline int is_targeted_echo(const struct netdebug_l4 *l4, __u8 type)
{
	if (l4->family == AF_INET && l4->protocol == IPPROTO_ICMP)
		return type == (drop_replies ? ICMP_ECHOREPLY : ICMP_ECHO);
	if (l4->family == AF_INET6 && l4->protocol == IPPROTO_ICMPV6)
		return type == (drop_replies ? ICMPV6_ECHO_REPLY : ICMPV6_ECHO_REQUEST);
	return 0;
}

SEC("xdp")
int xdp_drop_ping(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct netdebug_l4 l4;
	__u8 *type;
	__u32 key = 0;
	struct drop_stats *stats;

	if (!netdebug_parse_l3(data, data_end, &l4))
		return XDP_PASS;
	type = l4.l4;
	if ((void *)(type + 1) > data_end)
		return XDP_PASS;
	if (!is_targeted_echo(&l4, *type))
		return XDP_PASS;

	stats = bpf_map_lookup_elem(&drop_stats, &key);
	if (stats) {
		__sync_fetch_and_add(&stats->packets, 1);
		__sync_fetch_and_add(&stats->bytes, data_end - data);
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
