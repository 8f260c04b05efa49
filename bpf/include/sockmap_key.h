/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key of the SOCKHASH that sockmap_redir.bpf.c fills from sock_ops and looks up from sk_msg. Both program
 * types see the same socket from the same side, so the key is built the same way in both: addresses as the
 * kernel stores them (network order), ports converted to host order (sock_ops/sk_msg give local_port in host
 * order and remote_port in network order in the upper half of a u32 on little-endian; bpf_ntohl puts it right).
 */
#ifndef SOCKMAP_KEY_H
#define SOCKMAP_KEY_H

struct sock_key {
	__u32 local_ip4;
	__u32 remote_ip4;
	__u32 local_port;
	__u32 remote_port;
};

#endif /* SOCKMAP_KEY_H */
