// SPDX-License-Identifier: GPL-2.0
/*
 * tc_tcp_psh: on tc egress, sets the PSH flag on about one in `every_n` TCP segments that carry none of
 * SYN/FIN/RST/PSH (the second seed article's way of reproducing a bug that hit only PSH segments). On the side
 * that receives a stream, those are the pure ACKs, on which the kernel never sets PSH, so a tcpdump on the peer
 * shows [P.] on about 1/every_n of them; the stream itself is unaffected.
 *
 * "About one in N" is every N-th eligible segment counted per CPU: deterministic per CPU (no random streaks),
 * lock-free (no atomic fetch, which clang -mcpu=v1 cannot emit), and still ~1/N overall.
 *
 * Knob `every_n` (const volatile; -DEVERY_N=N at build time; default 10). 0 counts without marking.
 * Map `psh_stats` (per-CPU, key 0): segments seen eligible and segments marked.
 * Returns TC_ACT_OK always: the program mangles, it never drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netdebug_net.h"

#ifndef EVERY_N
#define EVERY_N 10
#endif

const volatile __u32 every_n = EVERY_N;

struct psh_stats {
	__u64 eligible;
	__u64 marked;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct psh_stats);
} psh_stats SEC(".maps");

/* Ethernet + IPv6 (40) or IPv4 with the longest options (60) + TCP without options (20). */
#define HEADERS_MAX (14 + 60 + 20)

SEC("tc")
int tc_tcp_psh(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct netdebug_l4 l4;
	struct tcphdr *tcp;
	__u8 *flags;
	__be16 old_word, new_word;
	__u32 key = 0;
	struct psh_stats *stats;

	/* Locally built segments keep their headers in the linear part, but a GSO/forwarded one may not. */
	if (data + HEADERS_MAX > data_end && skb->len > data_end - data) {
		bpf_skb_pull_data(skb, skb->len < HEADERS_MAX ? skb->len : HEADERS_MAX);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}
	if (!netdebug_parse_l3(data, data_end, &l4) || l4.protocol != IPPROTO_TCP)
		return TC_ACT_OK;
	tcp = l4.l4;
	if ((void *)(tcp + 1) > data_end)
		return TC_ACT_OK;
	flags = (__u8 *)tcp + TCP_FLAGS_BYTE_OFF;
	if (*flags & (TCP_FLAG_SYN | TCP_FLAG_FIN | TCP_FLAG_RST | TCP_FLAG_PSH))
		return TC_ACT_OK;

	stats = bpf_map_lookup_elem(&psh_stats, &key);
	if (!stats)
		return TC_ACT_OK;
	stats->eligible++;
	if (!every_n || stats->eligible % every_n)
		return TC_ACT_OK;
	stats->marked++;

	old_word = *(__be16 *)((__u8 *)tcp + TCP_FLAGS_WORD_OFF);
	*flags |= TCP_FLAG_PSH;
	new_word = *(__be16 *)((__u8 *)tcp + TCP_FLAGS_WORD_OFF);
	/*
	 * bpf_l4_csum_replace rather than arithmetic on tcp->check: for a CHECKSUM_PARTIAL skb (locally sent, as
	 * here) the field holds only the pseudo-header sum that the NIC or the stack completes later, and the
	 * helper knows to leave it alone; for a complete checksum it applies the same incremental update.
	 */
	bpf_l4_csum_replace(skb, (void *)&tcp->check - data, old_word, new_word, sizeof(new_word));
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
