// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_printk_ping: the "hello world" of the live trace. Passes every packet and writes one line per received
 * ICMP echo request or reply to /sys/kernel/tracing/trace_pipe, e.g.
 *     bpf_trace_printk: end-ping 10.0.0.1 > 10.0.0.2 echo-request id=4711 seq=3
 * The line starts with `end-ping` so a reader of the (global, shared) trace_pipe can tell it from others' lines;
 * id and seq identify the exact ping (a reader matches on its own ping's id).
 * Uses bpf_printk with more than three arguments, which needs bpf_trace_vprintk (kernel 5.16+).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netdebug_net.h"

SEC("xdp")
int xdp_printk_ping(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct netdebug_l4 l4;
	struct iphdr *ip;
	struct icmphdr *icmp;

	if (!netdebug_parse_l3(data, data_end, &l4) || l4.family != AF_INET || l4.protocol != IPPROTO_ICMP)
		return XDP_PASS;
	icmp = l4.l4;
	if ((void *)(icmp + 1) > data_end)
		return XDP_PASS;
	if (icmp->type != ICMP_ECHO && icmp->type != ICMP_ECHOREPLY)
		return XDP_PASS;
	ip = l4.l3;
	bpf_printk("end-ping %pI4 > %pI4 %s id=%u seq=%u", &ip->saddr, &ip->daddr,
		   icmp->type == ICMP_ECHO ? "echo-request" : "echo-reply",
		   bpf_ntohs(icmp->un.echo.id), bpf_ntohs(icmp->un.echo.sequence));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
