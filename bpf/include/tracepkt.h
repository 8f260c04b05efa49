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
	TRACEPKT_KFREE_SKB = 5, /* skb:kfree_skb: the packet was dropped here (reason, location) */
};

/* Most packet bytes an event carries (tracepkt_filter.snaplen is cut to this). */
#define TRACEPKT_MAX_BYTES 256

/* tracepkt_event.drop_flags */
#define TRACEPKT_DROP_HAS_REASON 0x01 /* this kernel's kfree_skb has the `reason` field */
#define TRACEPKT_DROP_CLONED     0x02 /* skb->cloned when freed: a copy went elsewhere first (a raw or packet socket) */

/* tracepkt_event.data_link: where data[] starts. */
#define TRACEPKT_DATA_L3  0 /* at the IP header (pcap LINKTYPE_RAW) */
#define TRACEPKT_DATA_ETH 1 /* at the Ethernet header (pcap LINKTYPE_ETHERNET) */

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
	__u16 snaplen;   /* 56  packet bytes to copy into each event, <= TRACEPKT_MAX_BYTES (0: none) */
	__u8 _pad2[6];   /* 58 */
};                       /* 64 bytes */

/*
 * One hop of one packet, sent through the perf event array `tp_events`: the fixed part (TRACEPKT_HEADER_SIZE
 * bytes), then `caplen` bytes of the packet. The record is only as long as that, so its length varies.
 */
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
	__u64 drop_location;            /*  96  kfree_skb: the kernel address that dropped it; else 0 */
	__u32 drop_reason;              /* 104  kfree_skb: enum skb_drop_reason of this kernel; else 0 */
	__u32 wire_len;                 /* 108  the packet's length counted from data[0] */
	__u16 caplen;                   /* 112  bytes in data[] */
	__u8 data_link;                 /* 114  TRACEPKT_DATA_* */
	__u8 drop_flags;                /* 115  TRACEPKT_DROP_* */
	__u32 _pad2;                    /* 116 */
	__u8 data[TRACEPKT_MAX_BYTES];  /* 120  the packet's first bytes */
};

#define TRACEPKT_HEADER_SIZE 120

#endif
