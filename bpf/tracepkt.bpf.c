// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * tracepkt: the packet path tracer ("mtr for L2"). Four tracepoints that, between them, see a packet once per
 * interface it crosses (net_dev_queue on the way out, netif_rx / netif_receive_skb_entry / napi_gro_receive_entry
 * on the way in) report which network namespace and interface the packet is on, with its addresses and
 * ICMP id/seq or TCP/UDP ports and its first bytes, for packets that match the filter in `tp_filter`.
 * A fifth, skb:kfree_skb, reports where a packet was dropped and why (the kernel's enum skb_drop_reason value and
 * the caller's address; the agent names both). Freeing a packet that was used (delivered, sent) goes through
 * skb:consume_skb instead, the normal end of a path, which is not followed; where a kernel routes it through
 * kfree_skb with reason SKB_CONSUMED, that is not reported as a drop either.
 * The event and filter layouts live in include/tracepkt.h, mirrored by remote-agent/packetPath/eventLayout.ts.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "tracepkt.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
/* skb->mac_header / network_header hold this when unset. */
#define HEADER_UNSET 0xffff

/* One filter, set by the agent through the pinned map; a map rather than `const volatile` knobs so that one
 * object (embedded in the agent) serves every filter without recompiling. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tracepkt_filter);
} tp_filter SEC(".maps");

/* Where an event is built: it is too large for the BPF stack with the packet bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tracepkt_event);
} tp_scratch SEC(".maps");

/* Perf event array, not a ring buffer: `bpftool map event_pipe` can read only this kind. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} tp_events SEC(".maps");

/* Two 16-byte addresses are equal: compared as two 64-bit words to keep the verifier's work small. */
static __always_inline bool addr_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u64 *)a == *(const __u64 *)b && *(const __u64 *)(a + 8) == *(const __u64 *)(b + 8);
}

/* IPv4 addresses are compared in their IPv4-mapped IPv6 form (::ffff:a.b.c.d), as the agent writes them. */
static __always_inline void map_v4(__u8 *out, __be32 addr)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &addr, 4);
}

static __always_inline bool filter_addresses(const struct tracepkt_filter *f, const __u8 *s, const __u8 *d)
{
	if ((f->flags & TRACEPKT_F_HOST) && !addr_eq(f->host, s) && !addr_eq(f->host, d))
		return false;
	if ((f->flags & TRACEPKT_F_SRC) && !addr_eq(f->src, s))
		return false;
	if ((f->flags & TRACEPKT_F_DST) && !addr_eq(f->dst, d))
		return false;
	return true;
}

/* What kfree_skb adds to an event; zeros for the other tracepoints. */
struct drop_info {
	__u64 location;
	__u32 reason;
	__u8 flags;
};

/*
 * Reads the packet behind `skb` and sends an event when it matches. The L3 header is found from the link-layer
 * header (skb->head + mac_header + the device's hard_header_len) because on the receive tracepoints
 * network_header is not yet set by the stack; devices without a link-layer header fall back to network_header.
 * A dropped skb may have no device (dropped before one was chosen, e.g. in the OUTPUT chain): then the network
 * header is used and the namespace is the socket's.
 */
static __always_inline int trace_skb(void *ctx, struct sk_buff *skb, __u8 point, const struct drop_info *drop)
{
	__u32 zero = 0;
	struct tracepkt_filter *f = bpf_map_lookup_elem(&tp_filter, &zero);
	if (!f || !f->enabled || !skb)
		return 0;

	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 mac = BPF_CORE_READ(skb, mac_header);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__be16 ethertype = BPF_CORE_READ(skb, protocol);
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (!head || (!dev && !drop))
		return 0;
	__u16 hh_len = dev ? BPF_CORE_READ(dev, hard_header_len) : 0;

	unsigned char *l3;
	if (mac != HEADER_UNSET && hh_len > 0 && hh_len <= 64)
		l3 = head + mac + hh_len;
	else if (nh != HEADER_UNSET)
		l3 = head + nh;
	else
		return 0;

	struct tracepkt_event *ev = bpf_map_lookup_elem(&tp_scratch, &zero);
	if (!ev)
		return 0;
	__builtin_memset(ev, 0, TRACEPKT_HEADER_SIZE);
	__u8 proto;
	unsigned char *l4;
	if (ethertype == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), l3) || ip.version != 4)
			return 0;
		ev->family = 4;
		proto = ip.protocol;
		ev->ip_id = ip.id;
		ev->ttl = ip.ttl;
		__builtin_memcpy(ev->saddr, &ip.saddr, 4);
		__builtin_memcpy(ev->daddr, &ip.daddr, 4);
		l4 = l3 + ip.ihl * 4;
	} else if (ethertype == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), l3) || ip6.version != 6)
			return 0;
		ev->family = 6;
		/* No walk through extension headers: a packet whose first next-header is not L4 is not reported. */
		proto = ip6.nexthdr;
		ev->ttl = ip6.hop_limit;
		__builtin_memcpy(ev->saddr, &ip6.saddr, 16);
		__builtin_memcpy(ev->daddr, &ip6.daddr, 16);
		l4 = l3 + sizeof(ip6);
	} else {
		return 0;
	}

	if (proto != IPPROTO_ICMP_ && proto != IPPROTO_ICMPV6_ && proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_)
		return 0;
	if (f->protocol && f->protocol != proto)
		return 0;

	if (f->flags & (TRACEPKT_F_HOST | TRACEPKT_F_SRC | TRACEPKT_F_DST)) {
		__u8 s[16], d[16];
		if (ev->family == 4) {
			__be32 a, b;
			__builtin_memcpy(&a, ev->saddr, 4);
			__builtin_memcpy(&b, ev->daddr, 4);
			map_v4(s, a);
			map_v4(d, b);
		} else {
			__builtin_memcpy(s, ev->saddr, 16);
			__builtin_memcpy(d, ev->daddr, 16);
		}
		if (!filter_addresses(f, s, d))
			return 0;
	}

	ev->protocol = proto;
	if (proto == IPPROTO_ICMP_ || proto == IPPROTO_ICMPV6_) {
		if (f->flags & TRACEPKT_F_PORT)
			return 0;
		/* type, code, checksum, then id and sequence for echo messages */
		__u8 icmp[8];
		if (bpf_probe_read_kernel(icmp, sizeof(icmp), l4))
			return 0;
		ev->icmp_type = icmp[0];
		ev->icmp_code = icmp[1];
		__builtin_memcpy(&ev->sport_or_icmp_id, icmp + 4, 2);
		__builtin_memcpy(&ev->dport_or_icmp_seq, icmp + 6, 2);
	} else {
		/* TCP: ports, seq, ack, data offset, flags; UDP uses only the ports. */
		__u8 l4h[14];
		if (bpf_probe_read_kernel(l4h, proto == IPPROTO_TCP_ ? 14 : 4, l4))
			return 0;
		__builtin_memcpy(&ev->sport_or_icmp_id, l4h, 2);
		__builtin_memcpy(&ev->dport_or_icmp_seq, l4h + 2, 2);
		if ((f->flags & TRACEPKT_F_PORT) && ev->sport_or_icmp_id != f->port && ev->dport_or_icmp_seq != f->port)
			return 0;
		if (proto == IPPROTO_TCP_) {
			__builtin_memcpy(&ev->tcp_seq, l4h + 4, 4);
			__builtin_memcpy(&ev->tcp_ack, l4h + 8, 4);
			ev->tcp_flags = l4h[13];
		}
	}

	/*
	 * The packet's first bytes, from the Ethernet header when there is one (a 14-byte link-layer header before
	 * l3), else from the IP header; no further than the linear data ends (skb->tail), so no byte past the packet
	 * is copied. wire_len counts from the same first byte: skb->len counts from skb->data.
	 */
	unsigned char *start = l3;
	if (mac != HEADER_UNSET && hh_len == 14) {
		start = head + mac;
		ev->data_link = TRACEPKT_DATA_ETH;
	}
	__s64 start_off = start - head;
	__s64 data_off = BPF_CORE_READ(skb, data) - head;
	__s64 tail_off = BPF_CORE_READ(skb, tail);
	__s64 wire = (__s64)BPF_CORE_READ(skb, len) + data_off - start_off;
	__s64 avail = tail_off - start_off;
	/* 64-bit on purpose: a 32-bit n is zero-extended into a copy, the verifier bounds the copy and not the
	 * register passed as the read's size, and refuses the load. */
	__u64 n = f->snaplen;
	if (avail < 0)
		avail = 0;
	if (n > (__u64)avail)
		n = avail;
	/* and the barriers keep clang from passing a copy taken before the clamp */
	barrier_var(n);
	if (n > TRACEPKT_MAX_BYTES)
		n = TRACEPKT_MAX_BYTES;
	barrier_var(n);
	if (n && bpf_probe_read_kernel(ev->data, n, start))
		n = 0;
	ev->caplen = n;
	ev->wire_len = wire < (__s64)n ? n : wire;

	if (drop) {
		ev->drop_location = drop->location;
		ev->drop_reason = drop->reason;
		ev->drop_flags = drop->flags;
	}
	ev->timestamp_ns = bpf_ktime_get_ns();
	ev->skb = (__u64)skb;
	ev->tracepoint = point;
	if (dev) {
		ev->ifindex = BPF_CORE_READ(dev, ifindex);
		ev->netns_inode = BPF_CORE_READ(dev, nd_net.net, ns.inum);
		bpf_core_read_str(ev->ifname, sizeof(ev->ifname), &dev->name);
	} else {
		ev->netns_inode = BPF_CORE_READ(skb, sk, __sk_common.skc_net.net, ns.inum);
	}
	bpf_perf_event_output(ctx, &tp_events, BPF_F_CURRENT_CPU, ev, TRACEPKT_HEADER_SIZE + n);
	return 0;
}

SEC("tracepoint/net/net_dev_queue")
int tp_net_dev_queue(struct trace_event_raw_net_dev_template *ctx)
{
	return trace_skb(ctx, (struct sk_buff *)ctx->skbaddr, TRACEPKT_NET_DEV_QUEUE, 0);
}

SEC("tracepoint/net/netif_rx")
int tp_netif_rx(struct trace_event_raw_net_dev_template *ctx)
{
	return trace_skb(ctx, (struct sk_buff *)ctx->skbaddr, TRACEPKT_NETIF_RX, 0);
}

SEC("tracepoint/net/netif_receive_skb_entry")
int tp_netif_receive_skb_entry(struct trace_event_raw_net_dev_rx_verbose_template *ctx)
{
	return trace_skb(ctx, (struct sk_buff *)ctx->skbaddr, TRACEPKT_NETIF_RECEIVE_SKB_ENTRY, 0);
}

SEC("tracepoint/net/napi_gro_receive_entry")
int tp_napi_gro_receive_entry(struct trace_event_raw_net_dev_rx_verbose_template *ctx)
{
	return trace_skb(ctx, (struct sk_buff *)ctx->skbaddr, TRACEPKT_NAPI_GRO_RECEIVE_ENTRY, 0);
}

/*
 * A dropped packet. The reason is read only where this kernel's tracepoint has the field (5.17 and later), and a
 * free of a used packet (SKB_CONSUMED, where a kernel still reports it here) is no drop. The filter is applied
 * by trace_skb before anything is sent, so a busy host's many drops of other packets cost a lookup each.
 */
SEC("tracepoint/skb/kfree_skb")
int tp_kfree_skb(struct trace_event_raw_kfree_skb *ctx)
{
	struct drop_info drop = { .location = (__u64)ctx->location };
	if (bpf_core_field_exists(ctx->reason)) {
		drop.reason = (__u32)ctx->reason;
		drop.flags = TRACEPKT_DROP_HAS_REASON;
		if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED) &&
		    drop.reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED))
			return 0;
	}
	/* a clone taken before the free (raw_local_deliver hands raw sockets clones) tells the agent the packet was
	 * delivered: see remote-agent/packetPath/deliveredFrees.ts */
	if (BPF_CORE_READ_BITFIELD_PROBED((struct sk_buff *)ctx->skbaddr, cloned))
		drop.flags |= TRACEPKT_DROP_CLONED;
	return trace_skb(ctx, (struct sk_buff *)ctx->skbaddr, TRACEPKT_KFREE_SKB, &drop);
}
