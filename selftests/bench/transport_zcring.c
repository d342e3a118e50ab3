// SPDX-License-Identifier: GPL-2.0
/*
 * The zcring transports.  The producer is the module's generator
 * (ZCRING_IOC_GENERATE with ZCRING_GEN_BLOCK, ZCRING_GEN_COPY and
 * ZCRING_GEN_BATCH): a batch of records written from kernel context per
 * system call, each a copy of one pattern, as the BPF producer copies its
 * buffer, reserved up to 32 at a time (zcring_reserve_batch()); it waits
 * for space when the ring is full, so nothing is dropped.  The consumers:
 *  - zcring-mmap-spin: zcring_consume() in a busy loop, no system call;
 *  - zcring-mmap-spin-single: the same, the generator reserving one record
 *    at a time, as the BPF producer does: the ring without batching;
 *  - zcring-mmap-epoll: zcring_set_poll() on a set of this one ring:
 *    epoll_wait(), then zcring_consume();
 *  - zcring-read: read(), one record per call, the copying path.
 *
 * Latency runs (zcring-mmap-epoll) cannot use the generator, whose
 * payload has no timestamp: the producer write()s one record at a time
 * whose first 8 bytes are CLOCK_MONOTONIC just before the call, so the
 * figure is from the producer's system call to the consumer's callback.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libzcring.h>

#include "bench.h"

#define RING "bench"

struct zc {
	struct zcring *ring;
	void *buf;		/* read() and write() */
};

static int zc_setup(struct bench_run *r)
{
	struct zc *zc = calloc(1, sizeof(*zc));
	int err;

	if (!zc)
		return -ENOMEM;
	zc->buf = malloc(BENCH_MAX_PAYLOAD);
	if (!zc->buf)
		return -ENOMEM;
	memset(zc->buf, 0x5a, BENCH_MAX_PAYLOAD);
	/* A ring left behind by an interrupted run is replaced. */
	zcring_destroy(RING);
	err = zcring_create(RING, BENCH_RING_SIZE, 0, 0);
	if (!err)
		err = zcring_open(RING, 0, &zc->ring);
	if (err)
		return err;
	r->priv = zc;
	return 0;
}

static void zc_teardown(struct bench_run *r)
{
	struct zc *zc = r->priv;

	r->drops = zcring_dropped_records(zc->ring);
	zcring_close(zc->ring);
	zcring_destroy(RING);
	free(zc->buf);
	free(zc);
}

static void zc_produce_flags(struct bench_run *r, __u32 flags)
{
	struct zc *zc = r->priv;
	__u64 committed;
	uint64_t ts, t0;

	while (bench_producing(r)) {
		if (r->latency) {
			bench_pace(r);
			ts = bench_now_ns();
			memcpy(zc->buf, &ts, sizeof(ts));
			if (write(zcring_fd(zc->ring), zc->buf, r->payload) > 0)
				atomic_fetch_add(&r->produced, 1);
			continue;
		}
		t0 = bench_now_ns();
		if (zcring_generate(zc->ring, r->batch, r->payload,
				    ZCRING_GEN_BLOCK | ZCRING_GEN_COPY | flags,
				    &committed, NULL))
			break;
		bench_busy(r, t0);
		atomic_fetch_add(&r->produced, committed);
	}
}

static void zc_produce(struct bench_run *r, int id)
{
	(void)id;
	zc_produce_flags(r, ZCRING_GEN_BATCH);
}

static void zc_produce_single(struct bench_run *r, int id)
{
	(void)id;
	zc_produce_flags(r, 0);
}

/* A record nobody counts, to wake a consumer blocked in read(). */
static void zc_wake(struct bench_run *r)
{
	struct zc *zc = r->priv;

	zcring_generate(zc->ring, 1, r->payload,
			ZCRING_GEN_BLOCK | ZCRING_GEN_COPY, NULL, NULL);
}

static int zc_record(void *ctx, const void *data, __u32 len)
{
	struct bench_run *r = ctx;

	bench_work(data, len);
	if (r->latency)
		bench_sample(r, data);
	return 0;
}

static int zc_consume_spin(struct bench_run *r)
{
	struct zc *zc = r->priv;
	int n;

	while (!bench_finished(r)) {
		n = zcring_consume(zc->ring, zc_record, r, 0);
		if (n < 0)
			return n;
		r->consumed += n;
		r->polls++;
		r->empty_polls += !n;
	}
	return 0;
}

/* A set of one ring: the epoll the library offers for blocking. */
static int zc_consume_epoll(struct bench_run *r)
{
	struct zc *zc = r->priv;
	struct zcring_set *set;
	int n = zcring_set_new(&set);

	if (n)
		return n;
	n = zcring_set_add(set, zc->ring, zc_record, r);
	while (!n && !bench_finished(r)) {
		/* A timeout, to see the producers finish on an empty ring. */
		n = zcring_set_poll(set, 20);
		if (n == -EINTR)
			n = 0;
		if (n > 0) {
			r->consumed += n;
			n = 0;
		}
	}
	zcring_set_free(set);
	return n;
}

static int zc_consume_read(struct bench_run *r)
{
	struct zc *zc = r->priv;
	ssize_t n;

	while (!bench_finished(r)) {
		n = read(zcring_fd(zc->ring), zc->buf, BENCH_MAX_PAYLOAD);
		if (n < 0)
			return -errno;
		bench_work(zc->buf, n);
		r->consumed++;
	}
	return 0;
}

/* ZCRING_GEN_COPY makes records of any size. */
#define ZC_MIN_PAYLOAD 1

const struct bench_transport bench_zcring_spin = {
	.name = "zcring-mmap-spin",
	.min_payload = ZC_MIN_PAYLOAD, .max_payload = BENCH_MAX_PAYLOAD,
	.setup = zc_setup, .produce = zc_produce,
	.consume = zc_consume_spin, .teardown = zc_teardown,
};

const struct bench_transport bench_zcring_spin_single = {
	.name = "zcring-mmap-spin-single",
	.min_payload = ZC_MIN_PAYLOAD, .max_payload = BENCH_MAX_PAYLOAD,
	.setup = zc_setup, .produce = zc_produce_single,
	.consume = zc_consume_spin, .teardown = zc_teardown,
};

const struct bench_transport bench_zcring_epoll = {
	.name = "zcring-mmap-epoll",
	.min_payload = ZC_MIN_PAYLOAD, .max_payload = BENCH_MAX_PAYLOAD,
	.has_latency = true,
	.setup = zc_setup, .produce = zc_produce,
	.consume = zc_consume_epoll, .teardown = zc_teardown,
};

const struct bench_transport bench_zcring_read = {
	.name = "zcring-read",
	.min_payload = ZC_MIN_PAYLOAD, .max_payload = BENCH_MAX_PAYLOAD,
	.setup = zc_setup, .produce = zc_produce, .wake = zc_wake,
	.consume = zc_consume_read, .teardown = zc_teardown,
};
