// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF peers, consumed the way libbpf documents: ring_buffer__new() and
 * ring_buffer__poll() (epoll inside) for the BPF ring buffer;
 * perf_buffer__new() and perf_buffer__poll() for the perf buffer, with
 * libbpf's default of a wake-up per sample.  The producer is
 * producer.bpf.c, run by the producer thread with BPF_PROG_TEST_RUN: one
 * system call per batch, the records emitted from kernel context.
 *
 * The program is loaded once and never attached: test_run patches no
 * kernel code, so nothing here touches what docs/probe.md warns about.
 * Both buffers are 4 MiB, as the zcring rings are (the perf buffer per
 * CPU).  Perf samples carry a 16-bit size, so 65536-byte payloads do not
 * fit: that case reports null.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "producer.h"
#include "producer.skel.h"

static struct producer_bpf *skel;

struct bpfbuf {
	struct ring_buffer *rb;
	struct perf_buffer *pb;
	uint64_t refused;	/* the program's count when the run began */
};

static int bpf_load_once(void)
{
	if (skel)
		return 0;
	skel = producer_bpf__open_and_load();
	if (!skel)
		return errno ? -errno : -EINVAL;
	return 0;
}

static int rb_record(void *ctx, void *data, size_t size)
{
	struct bench_run *r = ctx;

	bench_work(data, size);
	if (r->latency)
		bench_sample(r, data);
	r->consumed++;
	return 0;
}

static void pb_record(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	rb_record(ctx, data, size);
}

/* The program retries, so the kernel's lost count is only refusals. */
static void pb_lost(void *ctx, int cpu, __u64 cnt)
{
	(void)ctx;
	(void)cpu;
	(void)cnt;
}

static int bb_setup(struct bench_run *r, bool perf)
{
	struct bpfbuf *bb = calloc(1, sizeof(*bb));
	int err = bpf_load_once();

	if (!bb)
		return -ENOMEM;
	if (err)
		return err;
	r->priv = bb;
	bb->refused = skel->bss->refused;
	if (perf)
		bb->pb = perf_buffer__new(bpf_map__fd(skel->maps.pb),
					  BENCH_BPF_RING_SIZE / getpagesize(),
					  pb_record, pb_lost, r, NULL);
	else
		bb->rb = ring_buffer__new(bpf_map__fd(skel->maps.rb),
					  rb_record, r, NULL);
	if (!bb->pb && !bb->rb)
		return errno ? -errno : -EINVAL;
	return 0;
}

static int ringbuf_setup(struct bench_run *r)
{
	return bb_setup(r, false);
}

static int perfbuf_setup(struct bench_run *r)
{
	return bb_setup(r, true);
}

static void bb_teardown(struct bench_run *r)
{
	struct bpfbuf *bb = r->priv;

	r->drops = skel->bss->refused - bb->refused;
	ring_buffer__free(bb->rb);
	perf_buffer__free(bb->pb);
	free(bb);
}

static void bb_produce(struct bench_run *r, bool perf)
{
	__u64 args[4] = { 0, r->payload, perf, 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args,
		    .ctx_size_in = sizeof(args));
	int fd = bpf_program__fd(skel->progs.produce);
	uint64_t left, t0;

	while (bench_producing(r)) {
		if (r->latency)
			bench_pace(r);
		t0 = bench_now_ns();
		for (left = r->batch; left; left -= opts.retval) {
			args[0] = left;
			args[3] = r->latency ? bench_now_ns() : 0;
			if (bpf_prog_test_run_opts(fd, &opts))
				return;
			atomic_fetch_add(&r->produced, opts.retval);
			/* Full: the consumer has the other CPU. */
			if (!opts.retval)
				sched_yield();
		}
		bench_busy(r, t0);
	}
}

static void ringbuf_produce(struct bench_run *r, int id)
{
	(void)id;
	bb_produce(r, false);
}

static void perfbuf_produce(struct bench_run *r, int id)
{
	(void)id;
	bb_produce(r, true);
}

static int bb_consume(struct bench_run *r)
{
	struct bpfbuf *bb = r->priv;
	int n;

	while (!bench_finished(r)) {
		/* A timeout, to see the producers finish on an empty buffer. */
		n = bb->rb ? ring_buffer__poll(bb->rb, 20) :
			     perf_buffer__poll(bb->pb, 20);
		if (n < 0 && n != -EINTR)
			return n;
	}
	return 0;
}

const struct bench_transport bench_bpf_ringbuf = {
	.name = "bpf-ringbuf",
	.min_payload = 8, .max_payload = BENCH_BPF_MAX_PAYLOAD,
	.has_latency = true,
	.setup = ringbuf_setup, .produce = ringbuf_produce,
	.consume = bb_consume, .teardown = bb_teardown,
};

/* A perf sample has a 16-bit size: its 8-byte header, 4 bytes of raw size. */
const struct bench_transport bench_bpf_perfbuf = {
	.name = "bpf-perfbuf",
	.min_payload = 8, .max_payload = 65535 - 16,
	.has_latency = true,
	.setup = perfbuf_setup, .produce = perfbuf_produce,
	.consume = bb_consume, .teardown = bb_teardown,
};
