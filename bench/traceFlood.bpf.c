// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmarks' trace_pipe flood (bench/traceFlood.ts): one bpf_printk line per run, driven by the kernel's
 * test run with `repeat`, so the kernel writes lines at its own speed (~0.5 us each here) with no system call
 * per line. A tc program, not XDP: an XDP test run swaps the XDP dispatcher twice per call, which waits for RCU
 * (20-60 ms a call here). The 4 bytes after the 14-byte Ethernet header of the test packet are the run's marker,
 * so a reader of the (shared) trace_pipe tells a run's lines from everybody else's; `count` numbers the lines.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 count = 0;

SEC("tc")
int trace_flood(struct __sk_buff *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *marker = data + 14;

	if ((void *)(marker + 1) > data_end)
		return 0;
	bpf_printk("end-tfl %u %llu padding-to-about-one-hundred-bytes-like-a-printk-line", *marker,
		   __sync_fetch_and_add(&count, 1));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
