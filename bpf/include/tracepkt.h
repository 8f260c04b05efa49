/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Shared between bpf/tracepkt.bpf.c and its TypeScript decoder, remote-agent/packetPath/eventLayout.ts.
 * Every field has a fixed offset (comment on the right) and the structs are packed by hand (natural alignment,
 * explicit padding) so that the decoder can read them at those offsets: change one side, change the other.
 * Multi-byte integers are in the host's byte order (little endian on the hosts we support), addresses and ports
 * in network order exactly as they sit in the packet.
 */
#ifndef TRACEPKT_H
#define TRACEPKT_H

#define TRACEPKT_IFNAMSIZ 16

/* Which tracepoint saw the packet (tracepkt_event.tracepoint). */
enum tracepkt_point {
	TRACEPKT_NET_DEV_QUEUE = 1,
	TRACEPKT_NETIF_RECEIVE_SKB_ENTRY = 2,
	TRACEPKT_NETIF_RX = 3,
	TRACEPKT_NAPI_GRO_RECEIVE_ENTRY = 4,
};

/* Filter protocols (tracepkt_filter.protocol); 0 = any of them. */
enum tracepkt_proto {
	TRACEPKT_PROTO_ANY = 0,
	TRACEPKT_PROTO_ICMP = 1,
	TRACEPKT_PROTO_ICMP6 = 58,
	TRACEPKT_PROTO_TCP = 6,
	TRACEPKT_PROTO_UDP = 17,
};

/* tracepkt_filter.flags: which address fields are set. */
#define TRACEPKT_F_HOST 0x01
#define TRACEPKT_F_SRC  0x02
#define TRACEPKT_F_DST  0x04
#define TRACEPKT_F_PORT 0x08

/*
 * The filter, one entry (key 0) of the array map `tp_filter`, written by the agent after load. `enabled` stays 0
 * until then, so the programs emit nothing between autoattach and the moment the filter is set.
 * IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) so that one 16-byte compare serves both families.
 */
struct tracepkt_filter {
	__u8 enabled;    /*  0 */
	__u8 protocol;   /*  1  enum tracepkt_proto */
	__u8 flags;      /*  2  TRACEPKT_F_* */
	__u8 _pad0;      /*  3 */
	__u16 port;      /*  4  network order */
	__u16 _pad1;     /*  6 */
	__u8 host[16];   /*  8 */
	__u8 src[16];    /* 24 */
	__u8 dst[16];    /* 40 */
};                       /* 56 bytes */

/* One hop of one packet, sent through the perf event array `tp_events`. */
struct tracepkt_event {
	__u64 timestamp_ns;             /*   0  bpf_ktime_get_ns() */
	__u64 skb;                      /*   8  skb address, to follow one buffer */
	__u32 netns_inode;              /*  16  dev->nd_net.net->ns.inum */
	__u32 ifindex;                  /*  20 */
	char ifname[TRACEPKT_IFNAMSIZ]; /*  24 */
	__u8 tracepoint;                /*  40  enum tracepkt_point */
	__u8 family;                    /*  41  4 or 6 */
	__u8 protocol;                  /*  42  IPPROTO_* */
	__u8 icmp_type;                 /*  43 */
	__u8 icmp_code;                 /*  44 */
	__u8 tcp_flags;                 /*  45  FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80 */
	__u16 ip_id;                    /*  46  IPv4 identification, network order; 0 for IPv6 */
	__u16 sport_or_icmp_id;         /*  48  network order */
	__u16 dport_or_icmp_seq;        /*  50  network order */
	__u32 tcp_seq;                  /*  52  network order */
	__u32 tcp_ack;                  /*  56  network order */
	__u8 ttl;                       /*  60  IPv4 TTL or IPv6 hop limit */
	__u8 _pad[3];                   /*  61 */
	__u8 saddr[16];                 /*  64  IPv4 in the first 4 bytes */
	__u8 daddr[16];                 /*  80 */
};                                      /*  96 bytes */

#endif
