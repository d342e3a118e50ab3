// SPDX-License-Identifier: GPL-2.0
/*
 * zcring-bench's BPF producer: the peers' counterpart to the zcring
 * generator.  The producer thread runs it with BPF_PROG_TEST_RUN, one
 * system call per batch, and it emits the batch from kernel context into
 * the BPF ring buffer (bpf_ringbuf_output) or the perf buffer
 * (bpf_perf_event_output), copying each payload from a 64 KiB array map
 * value.  It stops at the first record refused for lack of space and
 * returns how many it emitted: the thread retries the rest, as the
 * generator with ZCRING_GEN_BLOCK waits, so no record is lost.
 *
 * A raw_tp program, so that both helpers are allowed and test_run gives it
 * our arguments as its context: args[0] records, args[1] payload bytes,
 * args[2] 1 for the perf buffer, args[3] a timestamp to put in the first
 * payload bytes (latency runs; 0: a sequence number).  A bounded loop
 * rather than bpf_loop(): the perf helper wants the context itself, which
 * a bpf_loop() callback only gets back through the stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "producer.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BENCH_BPF_RING_SIZE);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} pb SEC(".maps");

struct payload {
	__u8 data[BENCH_BPF_MAX_PAYLOAD];
};

/* A plain array: a per-CPU value is limited to 32 KiB. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct payload);
} payloads SEC(".maps");

/* Records refused for lack of space (and retried by the thread). */
__u64 refused;
__u64 seq;

SEC("raw_tp")
int produce(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 count = ctx->args[0], len = ctx->args[1];
	__u64 perf = ctx->args[2], stamp = ctx->args[3];
	struct payload *p;
	__u32 zero = 0, i;
	long err;

	p = bpf_map_lookup_elem(&payloads, &zero);
	if (!p || len < 8 || len > BENCH_BPF_MAX_PAYLOAD)
		return 0;
	for (i = 0; i < BENCH_BPF_MAX_BATCH && i < count; i++) {
		*(__u64 *)p->data = stamp ? stamp : seq++;
		if (perf)
			err = bpf_perf_event_output(ctx, &pb, BPF_F_CURRENT_CPU,
						    p->data, len);
		else
			err = bpf_ringbuf_output(&rb, p->data, len, 0);
		if (err) {
			__sync_fetch_and_add(&refused, 1);
			break;
		}
	}
	return i;
}
