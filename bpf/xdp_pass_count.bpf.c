// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_pass_count: passes everything and counts received packets per IP protocol (ICMP, TCP, UDP, ...;
 * index 0 = not IP). A harmless first program to attach anywhere: `map dump` of `proto_count` answers
 * "what is arriving on this interface?" without changing the traffic.
 * Per-CPU values, so no contention between CPUs; a reader sums them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netdebug_net.h"

struct proto_count {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct proto_count);
} proto_count SEC(".maps");

SEC("xdp")
int xdp_pass_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct netdebug_l4 l4;
	__u32 key = 0;
	struct proto_count *c;

	if (netdebug_parse_l3(data, data_end, &l4))
		key = l4.protocol;
	c = bpf_map_lookup_elem(&proto_count, &key);
	if (c) {
		c->packets++;
		c->bytes += data_end - data;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
