/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcring-bench: what every transport shares.  One run is one transport,
 * one payload size and one or two producers, for a fixed time; the consumer
 * runs on the calling thread, the producers on threads of their own.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_PRODUCERS 2
#define BENCH_RING_SIZE (4U << 20)
#define BENCH_MAX_PAYLOAD 65536U
/* The consumer of a latency run keeps at most this many samples. */
#define BENCH_MAX_SAMPLES 100000

struct bench_run {
	const struct bench_transport *t;
	uint32_t payload;
	uint32_t batch;		/* records per producer system call */
	int producers;
	bool latency;		/* paced, timestamped records instead */
	uint32_t pace_us;	/* latency runs: gap between records */
	uint64_t deadline;	/* producers stop at this bench_now_ns() */
	atomic_int done;	/* producers that have stopped */
	atomic_uint_fast64_t produced;	/* records committed */
	/* ns the producers spent in their producing calls, waits included */
	atomic_uint_fast64_t busy_ns;
	uint64_t consumed;
	/* Busy-polling consumers: polls, and those that found nothing. */
	uint64_t polls, empty_polls;
	uint64_t drops;
	uint64_t *samples;	/* latency runs: ns, commit to callback */
	uint64_t nsamples;
	void *priv;		/* the transport's */
};

struct bench_transport {
	const char *name;
	/* The smallest payload the transport can carry, and the largest. */
	uint32_t min_payload, max_payload;
	bool has_latency;
	int (*setup)(struct bench_run *r);
	/* Producer id: loop until r->stop, counting into r->produced. */
	void (*produce)(struct bench_run *r, int id);
	/*
	 * Optional: called by each producer after it is counted done, to
	 * wake a consumer that may be blocked with nothing left to read.
	 * What it sends is not counted; the consumer may count it.
	 */
	void (*wake)(struct bench_run *r);
	/* Until every producer is done and every record consumed. */
	int (*consume)(struct bench_run *r);
	void (*teardown)(struct bench_run *r);
};

extern const struct bench_transport bench_zcring_spin,
	bench_zcring_spin_single, bench_zcring_epoll,
	bench_zcring_read, bench_pipe, bench_unix, bench_bpf_ringbuf,
	bench_bpf_perfbuf;

uint64_t bench_now_ns(void);

/*
 * The consumer's work on one payload, the same for every transport: the
 * first 8 bytes of a small one; every byte of one of 4096 bytes or more,
 * summed 8 bytes at a time and unrolled as the membw loop is, so that
 * large payloads are read from wherever they lie at the speed memory
 * allows.  Through a 4-aligned type because a perf sample's payload is
 * only 4-aligned (x86 loads it as fast).
 */
typedef uint64_t __attribute__((aligned(4), may_alias)) bench_u64;
extern volatile uint64_t bench_sink;
static inline void bench_work(const void *data, uint32_t len)
{
	const bench_u64 *w = data;
	uint64_t sum = 0;
	uint32_t i, n = len / 8;

	if (len < 4096) {
		sum = w[0];
	} else {
		for (i = 0; i + 8 <= n; i += 8)
			sum += w[i] + w[i + 1] + w[i + 2] + w[i + 3] +
			       w[i + 4] + w[i + 5] + w[i + 6] + w[i + 7];
		for (; i < n; i++)
			sum += w[i];
	}
	bench_sink += sum;
}

/* Producers go on until the deadline. */
static inline bool bench_producing(struct bench_run *r)
{
	return bench_now_ns() < r->deadline;
}

/* Count the time since t0 as the producer's, in its producing call. */
static inline void bench_busy(struct bench_run *r, uint64_t t0)
{
	atomic_fetch_add(&r->busy_ns, bench_now_ns() - t0);
}

/* Every producer has stopped and every record it made is consumed. */
static inline bool bench_finished(struct bench_run *r)
{
	return atomic_load(&r->done) == r->producers &&
	       r->consumed >= atomic_load(&r->produced);
}

/* A latency sample from a payload whose first 8 bytes are a timestamp. */
void bench_sample(struct bench_run *r, const void *data);
/* Latency runs: wait out the gap between two records. */
void bench_pace(struct bench_run *r);

#endif /* BENCH_H */
