// SPDX-License-Identifier: GPL-2.0
/*
 * sockmap_redir: short-circuits localhost TCP through a SOCKHASH (the third seed lab).
 *
 * - SEC("sockops") `sockops_track`, attached to a cgroup (sock_ops): when a TCP connection of a process in that
 *   cgroup becomes established over 127.0.0.0/8 (both the connecting and the accepting side get a callback), the
 *   socket goes into `sock_hash` under its own 4-tuple.
 * - SEC("sk_msg") `skmsg_redirect`, attached to `sock_hash` (msg_verdict): every sendmsg on a socket in the map
 *   is handed straight to the ingress queue of the peer socket, found under the mirrored 4-tuple, so the bytes
 *   never go down the stack: tcpdump on lo sees the handshake and the FIN, no data segments.
 *   A message whose peer is not in the map passes normally (SK_PASS either way, never a drop).
 *
 * The values are __u64: a SOCKHASH accepts 4- or 8-byte values, but only with 8 does a map dump read back the
 * socket cookies instead of errors (docs/KERNEL-FACTS.md). IPv4 only: ::1 traffic passes untouched.
 * Map `redir_stats` (key 0): sockets added and messages redirected, for a map dump.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netdebug_net.h"
#include "sockmap_key.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 65535);
	__type(key, struct sock_key);
	__type(value, __u64);
} sock_hash SEC(".maps");

struct redir_stats {
	__u64 sockets;
	__u64 redirected;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct redir_stats);
} redir_stats SEC(".maps");

/* 127.0.0.0/8, tested on the first octet, which is the lowest byte of the network-order address. */
static __always_inline int is_loopback4(__u32 addr_be)
{
	return (addr_be & 0xff) == 127;
}

static __always_inline struct redir_stats *stats(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&redir_stats, &key);
}

SEC("sockops")
int sockops_track(struct bpf_sock_ops *skops)
{
	struct sock_key key = {};
	struct redir_stats *s;

	if (skops->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB && skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	if (skops->family != AF_INET || !is_loopback4(skops->local_ip4) || !is_loopback4(skops->remote_ip4))
		return 1;

	key.local_ip4 = skops->local_ip4;
	key.remote_ip4 = skops->remote_ip4;
	key.local_port = skops->local_port;
	key.remote_port = bpf_ntohl(skops->remote_port);
	if (bpf_sock_hash_update(skops, &sock_hash, &key, BPF_NOEXIST) == 0) {
		s = stats();
		if (s)
			__sync_fetch_and_add(&s->sockets, 1);
	}
	return 1;
}

SEC("sk_msg")
int skmsg_redirect(struct sk_msg_md *msg)
{
	/* The peer socket's key: its local end is our remote end and the other way round. */
	struct sock_key peer = {
		.local_ip4 = msg->remote_ip4,
		.remote_ip4 = msg->local_ip4,
		.local_port = bpf_ntohl(msg->remote_port),
		.remote_port = msg->local_port,
	};
	struct redir_stats *s;

	if (msg->family != AF_INET)
		return SK_PASS;
	if (bpf_msg_redirect_hash(msg, &sock_hash, &peer, BPF_F_INGRESS) == SK_PASS) {
		s = stats();
		if (s)
			__sync_fetch_and_add(&s->redirected, 1);
	}
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
