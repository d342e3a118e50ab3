// SPDX-License-Identifier: GPL-2.0
/*
 * zcring-bench: stream records from a producer to a consumer through each
 * transport in turn, and print one JSON line per case on stdout, prefixed
 * "BENCH ", with the median of the repetitions and their min and max.
 * Progress goes to stderr.  testvm/guest-bench.sh runs it in the
 * test VM; docs/performance.md explains the method.
 *
 * Producers run on CPU 0, the consumer on CPU 1: the VM has two vCPUs, so
 * with two producers both share CPU 0 and the consumer keeps a CPU alone,
 * as it does with one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define PRODUCER_CPU 0
#define CONSUMER_CPU 1

volatile uint64_t bench_sink;

static const struct bench_transport *transports[] = {
	&bench_zcring_spin, &bench_zcring_spin_single, &bench_zcring_epoll,
	&bench_zcring_read,
	&bench_bpf_ringbuf, &bench_bpf_perfbuf, &bench_pipe, &bench_unix,
};
#define NTRANSPORTS (sizeof(transports) / sizeof(transports[0]))

struct options {
	double duration;
	int reps;
	uint32_t sizes[16];
	int nsizes;
	int producers[BENCH_MAX_PRODUCERS];
	int nproducers;
	bool want[NTRANSPORTS];
	bool membw;
};

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void bench_sample(struct bench_run *r, const void *data)
{
	uint64_t ts;

	memcpy(&ts, data, sizeof(ts));
	if (r->nsamples < BENCH_MAX_SAMPLES)
		r->samples[r->nsamples++] = bench_now_ns() - ts;
}

void bench_pace(struct bench_run *r)
{
	usleep(r->pace_us);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* On a one-CPU machine the figures still come, unpinned. */
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "bench: cannot pin to CPU %d: %s\n", cpu,
			strerror(errno));
}

struct producer_arg {
	struct bench_run *r;
	int id;
};

static void *producer_main(void *p)
{
	struct producer_arg *a = p;
	struct bench_run *r = a->r;

	pin(PRODUCER_CPU);
	r->t->produce(r, a->id);
	atomic_fetch_add(&r->done, 1);
	if (r->t->wake)
		r->t->wake(r);
	return NULL;
}

/*
 * Records per producer system call: about 256 KiB a batch, at most 256
 * records, at least one; the same for every transport.
 */
static uint32_t batch_for(uint32_t payload)
{
	uint32_t b = (256U << 10) / payload;

	return b < 1 ? 1 : b > 256 ? 256 : b;
}

/* One run: 0 and the records per second (or the samples), or -errno. */
static int run_once(struct bench_run *r, double duration, double *rate,
		    double *busy)
{
	struct producer_arg args[BENCH_MAX_PRODUCERS];
	pthread_t th[BENCH_MAX_PRODUCERS];
	uint64_t t0, t1;
	int i, err;

	err = r->t->setup(r);
	if (err)
		return err;
	pin(CONSUMER_CPU);
	t0 = bench_now_ns();
	r->deadline = t0 + (uint64_t)(duration * 1e9);
	for (i = 0; i < r->producers; i++) {
		args[i] = (struct producer_arg){ r, i };
		pthread_create(&th[i], NULL, producer_main, &args[i]);
	}
	err = r->t->consume(r);
	t1 = bench_now_ns();
	for (i = 0; i < r->producers; i++)
		pthread_join(th[i], NULL);
	r->t->teardown(r);
	*rate = r->consumed * 1e9 / (double)(t1 - t0);
	*busy = atomic_load(&r->busy_ns) / ((double)(t1 - t0) * r->producers);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n sorted values: the middle one, or the mean of two. */
static double median(const double *v, int n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_null_or(const char *key, bool have, double v)
{
	if (have)
		printf(",\"%s\":%.0f", key, v);
	else
		printf(",\"%s\":null", key);
}

static void run_case(const struct options *o, const struct bench_transport *t,
		     int producers, uint32_t payload)
{
	double rate[64] = { 0 }, busy[64] = { 0 }, empty[64] = { 0 };
	double p50[64], p99[64];
	double lat_rate, lat_busy;
	uint64_t drops = 0;
	int rep, reps = o->reps, nlat = 0;
	bool supported = payload >= t->min_payload && payload <= t->max_payload;

	for (rep = 0; supported && rep < reps; rep++) {
		struct bench_run r = { .t = t, .payload = payload,
				       .batch = batch_for(payload),
				       .producers = producers };
		int err = run_once(&r, o->duration, &rate[rep], &busy[rep]);

		if (err) {
			fprintf(stderr, "bench: %s %u B: %s\n", t->name,
				payload, strerror(-err));
			exit(1);
		}
		drops += r.drops;
		empty[rep] = r.polls ? (double)r.empty_polls / r.polls : -1;
		fprintf(stderr, "bench: %s producers %d payload %u rep %d: %.0f records/s, producers busy %.0f%%",
			t->name, producers, payload, rep + 1, rate[rep],
			busy[rep] * 100);
		if (empty[rep] >= 0)
			fprintf(stderr, ", empty polls %.0f%%",
				empty[rep] * 100);
		fprintf(stderr, "\n");
		if (!t->has_latency || producers != 1)
			continue;
		/* Latency: paced single records, one producer, timestamped. */
		r = (struct bench_run){ .t = t, .payload = payload, .batch = 1,
					.producers = 1, .latency = true,
					.pace_us = 500 };
		r.samples = calloc(BENCH_MAX_SAMPLES, sizeof(*r.samples));
		if (!r.samples || run_once(&r, o->duration, &lat_rate, &lat_busy) ||
		    !r.nsamples) {
			fprintf(stderr, "bench: %s latency run failed\n", t->name);
			exit(1);
		}
		qsort(r.samples, r.nsamples, sizeof(*r.samples), cmp_u64);
		p50[nlat] = r.samples[r.nsamples / 2];
		p99[nlat] = r.samples[r.nsamples * 99 / 100];
		fprintf(stderr, "bench: %s payload %u rep %d latency: %llu samples, p50 %.0f ns, p99 %.0f ns\n",
			t->name, payload, rep + 1,
			(unsigned long long)r.nsamples, p50[nlat], p99[nlat]);
		nlat++;
		free(r.samples);
	}
	if (!supported)
		fprintf(stderr, "bench: %s cannot carry %u-byte records: null\n",
			t->name, payload);
	qsort(rate, supported ? reps : 0, sizeof(double), cmp_double);
	qsort(busy, supported ? reps : 0, sizeof(double), cmp_double);
	qsort(empty, supported ? reps : 0, sizeof(double), cmp_double);
	qsort(p50, nlat, sizeof(double), cmp_double);
	qsort(p99, nlat, sizeof(double), cmp_double);
	printf("BENCH {\"transport\":\"%s\",\"producers\":%d,\"payload\":%u",
	       t->name, producers, payload);
	print_null_or("records_per_s", supported, median(rate, reps));
	print_null_or("records_per_s_min", supported, rate[0]);
	print_null_or("records_per_s_max", supported, rate[reps - 1]);
	print_null_or("bytes_per_s", supported, median(rate, reps) * payload);
	print_null_or("bytes_per_s_min", supported, rate[0] * payload);
	print_null_or("bytes_per_s_max", supported,
		      rate[reps - 1] * payload);
	print_null_or("p50_ns", nlat, nlat ? median(p50, nlat) : 0);
	print_null_or("p99_ns", nlat, nlat ? median(p99, nlat) : 0);
	print_null_or("p99_ns_min", nlat, nlat ? p99[0] : 0);
	print_null_or("p99_ns_max", nlat, nlat ? p99[nlat - 1] : 0);
	print_null_or("drops", supported, drops);
	/* A fraction: the median share of time spent producing. */
	if (supported)
		printf(",\"producer_busy\":%.3f", median(busy, reps));
	else
		printf(",\"producer_busy\":null");
	/* Busy-polling consumers: the share of polls that found nothing. */
	if (supported && empty[0] >= 0)
		printf(",\"consumer_empty_polls\":%.3f", median(empty, reps));
	else
		printf(",\"consumer_empty_polls\":null");
	printf(",\"reps\":%d}\n", supported ? reps : 0);
	fflush(stdout);
}

/*
 * Single-core read bandwidth: a sum loop over a buffer far past the
 * caches, unrolled so that the loop is not the limit.  Then the consumer's
 * own work, bench_work() on the same buffer in 64 KiB payloads: how fast
 * the consumer could go if records cost nothing to move.
 */
#define MEMBW_BYTES (256UL << 20)
static void membw_pass(const uint64_t *buf, bool work)
{
	size_t i, n = MEMBW_BYTES / sizeof(*buf);

	if (work) {
		for (i = 0; i < n; i += BENCH_MAX_PAYLOAD / sizeof(*buf))
			bench_work(buf + i, BENCH_MAX_PAYLOAD);
		return;
	}
	for (i = 0; i < n; i += 8)
		bench_sink += buf[i] + buf[i + 1] + buf[i + 2] + buf[i + 3] +
			      buf[i + 4] + buf[i + 5] + buf[i + 6] + buf[i + 7];
}

static void membw_rates(const struct options *o, const uint64_t *buf,
			bool work, double *rate)
{
	uint64_t t0, t1, passes;
	int rep;

	for (rep = 0; rep < o->reps; rep++) {
		t0 = bench_now_ns();
		t1 = t0;
		for (passes = 0; !passes || t1 - t0 < o->duration * 1e9;
		     passes++) {
			membw_pass(buf, work);
			t1 = bench_now_ns();
		}
		rate[rep] = passes * (double)MEMBW_BYTES * 1e9 / (t1 - t0);
		fprintf(stderr, "bench: membw %s rep %d: %.0f bytes/s\n",
			work ? "consumer work" : "sum", rep + 1, rate[rep]);
	}
	qsort(rate, o->reps, sizeof(double), cmp_double);
}

static void run_membw(const struct options *o)
{
	uint64_t *buf = malloc(MEMBW_BYTES);
	double rate[64], work[64];
	size_t i;

	if (!buf) {
		fprintf(stderr, "bench: membw: out of memory\n");
		exit(1);
	}
	for (i = 0; i < MEMBW_BYTES / sizeof(*buf); i++)
		buf[i] = i;
	pin(CONSUMER_CPU);
	membw_rates(o, buf, false, rate);
	membw_rates(o, buf, true, work);
	free(buf);
	printf("BENCH {\"transport\":\"membw\",\"producers\":0,\"payload\":null,\"records_per_s\":null,\"bytes_per_s\":%.0f,\"bytes_per_s_min\":%.0f,\"bytes_per_s_max\":%.0f,\"work_bytes_per_s\":%.0f,\"p50_ns\":null,\"p99_ns\":null,\"drops\":null,\"reps\":%d}\n",
	       median(rate, o->reps), rate[0], rate[o->reps - 1],
	       median(work, o->reps), o->reps);
	fflush(stdout);
}

/* The usage, with the transports' names: written once, in main(). */
static char usage_text[512];
static struct command bench_cmd = { .usage = usage_text };

static void make_usage(void)
{
	size_t i, n;

	n = snprintf(usage_text, sizeof(usage_text),
		     "usage: zcring-bench [--duration S] [--reps N] [--sizes 8,64,...]\n"
		     "                    [--producers 1,2] [--transports NAME,...]\n"
		     "transports: membw");
	for (i = 0; i < NTRANSPORTS && n < sizeof(usage_text); i++)
		n += snprintf(usage_text + n, sizeof(usage_text) - n, " %s",
			      transports[i]->name);
	if (n < sizeof(usage_text))
		snprintf(usage_text + n, sizeof(usage_text) - n, "\n");
}

/* 0, or the usage error's exit status. */
static int parse_transports(struct options *o, char *list)
{
	char *name, *save;
	size_t i;

	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		if (!strcmp(name, "membw")) {
			o->membw = true;
			continue;
		}
		for (i = 0; i < NTRANSPORTS; i++)
			if (!strcmp(name, transports[i]->name))
				break;
		if (i == NTRANSPORTS)
			return usage_error(&bench_cmd, "unknown transport '%s'",
					   name);
		o->want[i] = true;
	}
	return 0;
}

/* Up to @max numbers from @lo to @hi, comma-separated: how many, or -1. */
static int parse_list(const char *opt, char *list, uint32_t *out, int max,
		      uint32_t lo, uint32_t hi)
{
	unsigned long long v;
	char *tok, *save;
	int n = 0;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (parse_u64(tok, &v) || v < lo || v > hi || n == max) {
			usage_error(&bench_cmd,
				    "invalid --%s '%s': at most %d of %u to %u",
				    opt, tok, max, lo, hi);
			return -1;
		}
		out[n++] = v;
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "reps", required_argument, NULL, 'r' },
		{ "sizes", required_argument, NULL, 's' },
		{ "producers", required_argument, NULL, 'p' },
		{ "transports", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct options o = { .duration = 1, .reps = 3,
			     .sizes = { 8, 64, 512, 4096, 65536 }, .nsizes = 5,
			     .producers = { 1 }, .nproducers = 1 };
	uint32_t prods[BENCH_MAX_PRODUCERS];
	unsigned long long reps;
	int c, p, s, status = 0;
	bool any = false;
	char *end;
	size_t i;

	cli_prog = "zcring-bench";
	make_usage();
	while ((c = next_option(&bench_cmd, argc, argv, ":h", longopts,
				&status)) != -1) {
		switch (c) {
		case 'd':
			o.duration = strtod(optarg, &end);
			if (*end || !(o.duration > 0))
				return usage_error(&bench_cmd,
						   "invalid --duration '%s'",
						   optarg);
			break;
		case 'r':
			if (parse_u64(optarg, &reps) || reps < 1 || reps > 64)
				return usage_error(&bench_cmd,
						   "invalid --reps '%s': 1 to 64",
						   optarg);
			o.reps = reps;
			break;
		case 's':
			o.nsizes = parse_list("sizes", optarg, o.sizes, 16, 8,
					      BENCH_MAX_PAYLOAD);
			if (o.nsizes < 1)
				return EXIT_USAGE;
			break;
		case 'p':
			o.nproducers = parse_list("producers", optarg, prods,
						  BENCH_MAX_PRODUCERS, 1,
						  BENCH_MAX_PRODUCERS);
			if (o.nproducers < 1)
				return EXIT_USAGE;
			for (p = 0; p < o.nproducers; p++)
				o.producers[p] = prods[p];
			break;
		case 't':
			if (parse_transports(&o, optarg))
				return EXIT_USAGE;
			any = true;
			break;
		default:
			return status;
		}
	}
	if (!positional(&bench_cmd, argc, argv, 0, "", &status))
		return status;
	if (!any) {
		o.membw = true;
		for (i = 0; i < NTRANSPORTS; i++)
			o.want[i] = true;
	}
	if (o.membw)
		run_membw(&o);
	for (p = 0; p < o.nproducers; p++)
		for (i = 0; i < NTRANSPORTS; i++)
			for (s = 0; o.want[i] && s < o.nsizes; s++)
				run_case(&o, transports[i], o.producers[p],
					 o.sizes[s]);
	return 0;
}
