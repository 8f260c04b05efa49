/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The verdict capture wrapper (docs/verdict-capture.md). extension/core/capture/instrument.ts turns the user's
 * entry function into a static noinline subprogram and appends, after the user's last line:
 *
 *     #include "netdebug_capture.h"
 *     NETDEBUG_CAPTURE_XDP("xdp", xdp_drop_ping, end_user_xdp_drop_ping)
 *
 * which defines an entry of the same section and name that calls the user's function unchanged and reports every
 * packet matching the filter with the verdict it got and its first bytes (as the program left them), through the
 * perf event array `ndcap_events` that `bpftool -j map event_pipe` reads.
 *
 * Batching: each perf sample costs the kernel a wakeup of the reader (bpftool asks for one per sample) and the
 * reader a read and a write. A packet that comes less than NDCAP_BATCH_AFTER_NS after the previous sample of its
 * CPU is appended to that CPU's buffer (`ndcap_batch`) instead, and the buffer goes out as one sample when it is
 * full or its first record is NDCAP_BATCH_AFTER_NS old. A sample is therefore one or more records back to back,
 * each padded to 8 bytes. Sparse traffic (a ping) still goes out at once; the tail of a burst waits in the buffer
 * for the next packet of its CPU, or for the agent, which reads what is left from the map when the capture stops.
 *
 * Filler: bpftool prints JSON (one decimal number a byte, no newline) into stdio's buffer, which goes to the agent
 * only when full (a pipe's: 4 KiB). That makes a full-speed stream cheap to read (one write a 4 KiB, where the hex
 * text's line buffering made one write a 16 bytes), but a lone record would wait there. So a sample sent because
 * its CPU's traffic is sparse (a lone record, a batch flushed for its age) is followed by a filler sample:
 * NDCAP_FILLER_BYTES of 0xff ("255," four characters each) behind a header with timestamp 0, which pushes
 * everything before it out of the buffer; the agent skips it. Full batches need none: more output follows.
 *
 * No global variables here: the user's .rodata/.bss/.data must keep exactly their layout, so the instrumented object
 * can reuse the plain object's maps, globals included. The knobs of the capture live in the map `ndcap_config`.
 *
 * Layouts are mirrored by remote-agent/capture/layout.ts: change one side, change the other.
 */
#ifndef NETDEBUG_CAPTURE_H
#define NETDEBUG_CAPTURE_H

#include <bpf/bpf_helpers.h>

/* Filter flags (ndcap_config.flags), the same values as tracepkt.h's TRACEPKT_F_*. */
#define NDCAP_F_HOST 0x01
#define NDCAP_F_SRC  0x02
#define NDCAP_F_DST  0x04
#define NDCAP_F_PORT 0x08

/*
 * Key 0 of `ndcap_config`, written by the agent before the swap: struct tracepkt_filter's layout (tracepkt.h), so
 * remote-agent/packetPath/filterEncoding.ts writes it, the snap length included.
 */
struct ndcap_config {
	__u8 enabled;    /*  0  0 = record nothing (count only) */
	__u8 protocol;   /*  1  IPPROTO_*; 0 = any packet (with no address/port term: ARP and the rest too) */
	__u8 flags;      /*  2  NDCAP_F_* */
	__u8 _pad0;      /*  3 */
	__u16 port;      /*  4  network order */
	__u16 _pad1;     /*  6 */
	__u8 host[16];   /*  8  IPv4 as ::ffff:a.b.c.d */
	__u8 src[16];    /* 24 */
	__u8 dst[16];    /* 40 */
	__u16 snaplen;   /* 56  bytes of each packet to record, 0..NDCAP_MAX_SNAPLEN (host order) */
	__u8 _pad2[6];   /* 58 */
};                       /* 64 */

/* Counters (per CPU, key 0): the agent sums them; lost = matched - what the reader received. */
#define NDCAP_VERDICT_SLOTS 16
struct ndcap_stats {
	__u64 seen;      /*   0  packets the program ran on */
	__u64 matched;   /*   8  of those, packets the filter kept */
	__u64 failed;    /*  16  records bpf_perf_event_output refused (buffer full): lost in the kernel */
	__u64 _pad;      /*  24 */
	__u64 verdicts[NDCAP_VERDICT_SLOTS]; /* 32  matched packets by verdict + 1 (TC_ACT_UNSPEC = -1 is slot 0) */
};                       /* 160 */

/* The header of each record; `cap_len` packet bytes follow it, then zeros up to a multiple of 8 bytes. */
struct ndcap_event {
	__u64 timestamp_ns; /*  0  bpf_ktime_get_ns() before the user's function ran (0: the filler sample) */
	__u32 ifindex;      /*  8  the interface the program runs on */
	__u32 len;          /* 12  the packet's length as the program left it (XDP: with fragments; tc: skb->len) */
	__u32 cap_len;      /* 16  bytes that follow */
	__s32 verdict;      /* 20  what the user's function returned */
	__u32 rx_queue;     /* 24  XDP: rx queue index; tc: skb->queue_mapping */
	__u32 _pad;         /* 28 */
};                          /* 32 */

#define NDCAP_MAX_SNAPLEN 4096
#define NDCAP_EVENT_SIZE 32
/* Records with more bytes than this go out alone (the buffer copy is bounded for the verifier). */
#define NDCAP_BATCH_MAX_CAP 256
/* Bytes of records a CPU's buffer holds: one perf sample when flushed (the perf buffer of bpftool is 64 KiB a CPU). */
#define NDCAP_BATCH_BYTES 4096
/* A packet this soon after its CPU's previous sample is batched; a batch this old is flushed by the next packet. */
#define NDCAP_BATCH_AFTER_NS 1000000ULL

/* The filler sample (see the top): a 32-byte header with timestamp 0, then 0xff bytes; > 4096 characters as JSON. */
#define NDCAP_FILLER_BYTES 1056

/* Per CPU (key 0): records waiting to go out as one sample. Mirrored by remote-agent/capture/layout.ts. */
struct ndcap_batch {
	__u32 used;          /*  0  bytes of data[] filled (whole records) */
	__u32 count;         /*  4  records in data[] */
	__u64 first_ns;      /*  8  timestamp of the oldest record waiting */
	__u64 last_sent_ns;  /* 16  when this CPU last sent a sample */
	__u32 filler_ready;  /* 24  filler[] holds the filler sample */
	__u32 _pad;          /* 28 */
	__u8 data[NDCAP_BATCH_BYTES]; /* 32 */
	__u8 filler[NDCAP_FILLER_BYTES]; /* 4128 */
};
/* Bytes looked at for the filter: Ethernet + one VLAN tag + an IPv6 header. */
#define NDCAP_HDR_WINDOW 58

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ndcap_config);
} ndcap_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ndcap_stats);
} ndcap_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ndcap_batch);
} ndcap_batch SEC(".maps");

/* Perf event array, not a ring buffer: `bpftool map event_pipe` can read only this kind. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} ndcap_events SEC(".maps");

static __always_inline int ndcap_addr_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u64 *)a == *(const __u64 *)b && *(const __u64 *)(a + 8) == *(const __u64 *)(b + 8);
}

static __always_inline int ndcap_addresses(const struct ndcap_config *c, const __u8 *s, const __u8 *d)
{
	if ((c->flags & NDCAP_F_HOST) && !ndcap_addr_eq(c->host, s) && !ndcap_addr_eq(c->host, d))
		return 0;
	if ((c->flags & NDCAP_F_SRC) && !ndcap_addr_eq(c->src, s))
		return 0;
	if ((c->flags & NDCAP_F_DST) && !ndcap_addr_eq(c->dst, d))
		return 0;
	return 1;
}

/*
 * Does the L3 packet at h[off] (off a constant after inlining: 14 or 18) match? `ports` holds the first 4 bytes of
 * the L4 header (0 when they could not be read). Returns 0 or 1.
 */
static __always_inline int ndcap_match_l3(const struct ndcap_config *c, const __u8 *h, __u32 off, __u16 ethertype,
					  __u32 *l4off, __u8 *proto)
{
	__u8 s[16] = {}, d[16] = {};
	if (ethertype == 0x0800) {
		if ((h[off] >> 4) != 4)
			return 0;
		*proto = h[off + 9];
		*l4off = off + (h[off] & 0x0f) * 4;
		/* the protocol first: a packet it excludes costs no address copies */
		if (c->protocol && c->protocol != *proto)
			return 0;
		if (!(c->flags & (NDCAP_F_HOST | NDCAP_F_SRC | NDCAP_F_DST)))
			return 1;
		s[10] = s[11] = d[10] = d[11] = 0xff;
		__builtin_memcpy(s + 12, h + off + 12, 4);
		__builtin_memcpy(d + 12, h + off + 16, 4);
	} else if (ethertype == 0x86DD) {
		if ((h[off] >> 4) != 6)
			return 0;
		*proto = h[off + 6];
		*l4off = off + 40;
		if (c->protocol && c->protocol != *proto)
			return 0;
		if (!(c->flags & (NDCAP_F_HOST | NDCAP_F_SRC | NDCAP_F_DST)))
			return 1;
		__builtin_memcpy(s, h + off + 8, 16);
		__builtin_memcpy(d, h + off + 24, 16);
	} else {
		return 0;
	}
	return ndcap_addresses(c, s, d);
}

/* A filter with no term (protocol 0, no flags) records every packet, IP or not. */
static __always_inline int ndcap_filter_empty(const struct ndcap_config *c)
{
	return !c->protocol && !c->flags;
}

#define NDCAP_ETHERTYPE(h, i) ((__u16)(((__u16)(h)[i] << 8) | (h)[(i) + 1]))

/*
 * Defines ndcap_match_SUFFIX(ctx, c, len): the filter on the packet as it arrives. The header window is read in
 * place when the packet's linear part holds it (a full-size segment: no helper call, no copy), else copied with
 * LOADFN (a short packet, an XDP frame in fragments).
 */
#define NDCAP_DEFINE_MATCH(SUFFIX, CTXTYPE, LOADFN)                                                    \
static __always_inline int ndcap_match_##SUFFIX(CTXTYPE *ctx, const struct ndcap_config *c, __u32 len) \
{                                                                                                  \
	__u8 buf[NDCAP_HDR_WINDOW] = {};                                                           \
	const __u8 *h = buf;                                                                       \
	const __u8 *data = (const __u8 *)(long)ctx->data;                                          \
	const __u8 *data_end = (const __u8 *)(long)ctx->data_end;                                  \
	__u32 l4off = 0;                                                                           \
	__u8 proto = 0;                                                                            \
	int ok;                                                                                    \
	if (ndcap_filter_empty(c))                                                                 \
		return 1;                                                                          \
	if (data + NDCAP_HDR_WINDOW <= data_end) {                                                 \
		h = data;                                                                          \
	} else {                                                                                   \
		__u64 n = len < NDCAP_HDR_WINDOW ? len : NDCAP_HDR_WINDOW;                         \
		/* the barrier keeps clang from folding the bound check into the min() the verifier cannot follow */ \
		asm volatile("" : "+r"(n));                                                        \
		if (n < 14 || n > NDCAP_HDR_WINDOW || LOADFN(ctx, 0, buf, n))                      \
			return 0;                                                                  \
	}                                                                                          \
	__u16 et = NDCAP_ETHERTYPE(h, 12);                                                         \
	if (et == 0x8100 || et == 0x88a8)                                                          \
		ok = ndcap_match_l3(c, h, 18, NDCAP_ETHERTYPE(h, 16), &l4off, &proto);             \
	else                                                                                       \
		ok = ndcap_match_l3(c, h, 14, et, &l4off, &proto);                                 \
	if (!ok)                                                                                   \
		return 0;                                                                          \
	if (c->flags & NDCAP_F_PORT) {                                                             \
		__u16 ports[2];                                                                    \
		if (proto != 6 && proto != 17)                                                     \
			return 0;                                                                  \
		if (l4off > 200 || l4off + 4 > len || LOADFN(ctx, l4off, ports, 4))                \
			return 0;                                                                  \
		if (ports[0] != c->port && ports[1] != c->port)                                    \
			return 0;                                                                  \
	}                                                                                          \
	return 1;                                                                                  \
}

static __always_inline struct ndcap_config *ndcap_get_config(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&ndcap_config, &zero);
}

/* `failed`: records of this packet's emit that the perf buffer refused (a flushed batch counts all of its own). */
static __always_inline void ndcap_count(int matched, __u32 failed, int verdict)
{
	__u32 zero = 0;
	struct ndcap_stats *st = bpf_map_lookup_elem(&ndcap_stats, &zero);
	if (!st)
		return;
	st->seen++;
	if (failed)
		st->failed += failed;
	if (!matched)
		return;
	st->matched++;
	__u32 slot = (__u32)(verdict + 1);
	if (slot < NDCAP_VERDICT_SLOTS)
		st->verdicts[slot]++;
}

/*
 * Sends the filler sample (see the top) after a sample that no other output may follow soon. The buffer is filled
 * once per CPU; a refused filler loses no record (it only delays the agent's view until more output comes).
 */
static __always_inline void ndcap_filler(void *ctx, struct ndcap_batch *b)
{
	if (!b->filler_ready) {
		__u64 *w = (__u64 *)b->filler;
		for (int i = 0; i < NDCAP_FILLER_BYTES / 8; i++)
			w[i] = ~0ULL;
		struct ndcap_event *f = (struct ndcap_event *)b->filler;
		f->timestamp_ns = 0;
		f->ifindex = 0;
		f->len = 0;
		f->cap_len = NDCAP_FILLER_BYTES - NDCAP_EVENT_SIZE;
		f->verdict = 0;
		f->rx_queue = 0;
		f->_pad = 0;
		b->filler_ready = 1;
	}
	bpf_perf_event_output(ctx, &ndcap_events, BPF_F_CURRENT_CPU, b->filler, NDCAP_FILLER_BYTES);
}

/* Sends the CPU's waiting records as one sample; returns how many the perf buffer refused. */
static __always_inline __u32 ndcap_flush(void *ctx, struct ndcap_batch *b, __u64 now)
{
	__u64 size = b->used;
	__u32 n = b->count;
	asm volatile("" : "+r"(size));
	if (!size || size > NDCAP_BATCH_BYTES)
		return 0;
	long err = bpf_perf_event_output(ctx, &ndcap_events, BPF_F_CURRENT_CPU, b->data, size);
	b->used = 0;
	b->count = 0;
	b->last_sent_ns = now;
	return err ? n : 0;
}

/*
 * Sends the header and the first bytes of the packet: alone (the perf output helper appends the bytes from ctx)
 * when the CPU sent nothing for a while, else through the CPU's batch. LOADFN copies packet bytes for the batch.
 * Returns how many records were refused by the perf buffer (this packet's, or a flushed batch's).
 */
#define NDCAP_DEFINE_EMIT(SUFFIX, CTXTYPE, LOADFN)                                                      \
static __always_inline __u32 ndcap_emit_##SUFFIX(CTXTYPE *ctx, const struct ndcap_config *c, __u64 ts,  \
						 __u32 ifindex, __u32 len, __u32 queue, int verdict)     \
{                                                                                                     \
	struct ndcap_event ev = {};                                                                   \
	__u32 zero = 0, failed = 0;                                                                   \
	__u64 now = ts; /* the entry time: one helper call less */                                    \
	__u64 cap = c->snaplen;                                                                       \
	if (cap > len)                                                                                \
		cap = len;                                                                            \
	if (cap > NDCAP_MAX_SNAPLEN)                                                                  \
		cap = NDCAP_MAX_SNAPLEN;                                                              \
	ev.timestamp_ns = ts;                                                                         \
	ev.ifindex = ifindex;                                                                         \
	ev.len = len;                                                                                 \
	ev.cap_len = cap;                                                                             \
	ev.verdict = verdict;                                                                         \
	ev.rx_queue = queue;                                                                          \
	struct ndcap_batch *b = bpf_map_lookup_elem(&ndcap_batch, &zero);                             \
	if (!b || cap > NDCAP_BATCH_MAX_CAP || (!b->used && now - b->last_sent_ns > NDCAP_BATCH_AFTER_NS)) { \
		if (b && !b->used)                                                                    \
			b->last_sent_ns = now;                                                        \
		failed = bpf_perf_event_output(ctx, &ndcap_events, BPF_F_CURRENT_CPU | (cap << 32), &ev, sizeof(ev)) ? 1 : 0; \
		/* a lone record: sparse traffic, so push it out of bpftool's buffer now */           \
		if (b && !b->used)                                                                    \
			ndcap_filler(ctx, b);                                                         \
		return failed;                                                                        \
	}                                                                                             \
	__u64 rec = (NDCAP_EVENT_SIZE + cap + 7) & ~7ULL;                                             \
	if (b->used + rec > NDCAP_BATCH_BYTES)                                                        \
		failed += ndcap_flush(ctx, b, now);                                                   \
	__u64 off = b->used;                                                                          \
	asm volatile("" : "+r"(off));                                                                 \
	if (off > NDCAP_BATCH_BYTES - NDCAP_EVENT_SIZE - NDCAP_BATCH_MAX_CAP - 8)                     \
		return failed + 1;                                                                    \
	if (!b->used)                                                                                 \
		b->first_ns = now;                                                                    \
	__builtin_memcpy(b->data + off, &ev, sizeof(ev));                                             \
	asm volatile("" : "+r"(cap));                                                                 \
	if (cap > 0 && cap <= NDCAP_BATCH_MAX_CAP && LOADFN(ctx, 0, b->data + off + NDCAP_EVENT_SIZE, cap)) \
		return failed + 1;                                                                    \
	b->used = off + rec;                                                                          \
	b->count++;                                                                                   \
	/* full enough that the next record might not fit: out it goes, more output follows */       \
	if (b->used > NDCAP_BATCH_BYTES - NDCAP_EVENT_SIZE - NDCAP_BATCH_MAX_CAP - 8) {               \
		failed += ndcap_flush(ctx, b, now);                                                   \
	} else if (now - b->first_ns > NDCAP_BATCH_AFTER_NS) {                                        \
		/* waiting too long: the traffic is sparse, so no output may follow soon */           \
		failed += ndcap_flush(ctx, b, now);                                                   \
		ndcap_filler(ctx, b);                                                                 \
	}                                                                                             \
	return failed;                                                                                \
}

NDCAP_DEFINE_MATCH(xdp, struct xdp_md, bpf_xdp_load_bytes)
NDCAP_DEFINE_MATCH(skb, struct __sk_buff, bpf_skb_load_bytes)
NDCAP_DEFINE_EMIT(xdp, struct xdp_md, bpf_xdp_load_bytes)
NDCAP_DEFINE_EMIT(skb, struct __sk_buff, bpf_skb_load_bytes)

/*
 * The entries. The filter looks at the packet as it arrives (the time is taken after it, before the user's function:
 * an excluded packet costs no clock read); the length and bytes are read after the user's function
 * returned (it may have grown, shrunk or rewritten the packet: that is what goes on with the verdict, and the perf
 * helper must not be asked for more bytes than are there).
 */
#define NETDEBUG_CAPTURE_XDP(SECNAME, NAME, INNER)                                                   \
SEC(SECNAME) int NAME(struct xdp_md *ctx)                                                         \
{                                                                                                 \
	__u32 len = bpf_xdp_get_buff_len(ctx);                                                    \
	__u32 ifindex = ctx->ingress_ifindex, queue = ctx->rx_queue_index;                        \
	struct ndcap_config *c = ndcap_get_config();                                              \
	int matched = c && c->enabled && ndcap_match_xdp(ctx, c, len);                            \
	/* still before the user's function; a packet the filter excludes costs no clock read */  \
	__u64 ts = matched ? bpf_ktime_get_ns() : 0;                                              \
	int verdict = INNER(ctx);                                                                 \
	__u32 failed = 0;                                                                         \
	if (matched && c)                                                                         \
		failed = ndcap_emit_xdp(ctx, c, ts, ifindex, bpf_xdp_get_buff_len(ctx), queue, verdict); \
	ndcap_count(matched, failed, verdict);                                                    \
	return verdict;                                                                           \
}

#define NETDEBUG_CAPTURE_TC(SECNAME, NAME, INNER)                                                    \
SEC(SECNAME) int NAME(struct __sk_buff *ctx)                                                      \
{                                                                                                 \
	__u32 len = ctx->len;                                                                     \
	__u32 ifindex = ctx->ifindex, queue = ctx->queue_mapping;                                 \
	struct ndcap_config *c = ndcap_get_config();                                              \
	int matched = c && c->enabled && ndcap_match_skb(ctx, c, len);                            \
	__u64 ts = matched ? bpf_ktime_get_ns() : 0;                                              \
	int verdict = INNER(ctx);                                                                 \
	__u32 failed = 0;                                                                         \
	if (matched && c)                                                                         \
		failed = ndcap_emit_skb(ctx, c, ts, ifindex, ctx->len, queue, verdict);           \
	ndcap_count(matched, failed, verdict);                                                    \
	return verdict;                                                                           \
}

#endif
