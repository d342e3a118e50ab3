// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * mkcorpus: write consume_fuzz's seed corpus, one file per case, into a
 * directory:
 *
 *	mkcorpus DIR
 *
 * Each seed is a ring written by the test producer (lib/tests/producer.c:
 * the kernel's protocol, on a memfd), perhaps tampered with as a broken
 * or hostile producer would, then put into the fuzzer's input format
 * (fuzz_input.h).  So the fuzzer starts from rings as producers really
 * leave them, not from noise that the first check refuses.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libzcring.h"
#include "producer.h"
#include "fuzz_input.h"

/* fuzz_hdr.paths for four rounds. */
#define PATHS(a, b, c, d) \
	((a) | (b) << FUZZ_PATH_BITS | (c) << 2 * FUZZ_PATH_BITS | \
	 (d) << 3 * FUZZ_PATH_BITS)
#define ALL_PATHS \
	PATHS(FUZZ_PATH_CONSUME, FUZZ_PATH_ITER, FUZZ_PATH_WAIT, FUZZ_PATH_SET)

struct seed {
	const char *name;
	unsigned int size_order;	/* the ring: a page << size_order */
	/* Write the ring, and set what the harness is to do with it. */
	void (*make)(struct tprod *p, struct fuzz_hdr *h);
};

static void die(const char *what)
{
	fprintf(stderr, "mkcorpus: %s\n", what);
	exit(1);
}

static void must(int err, const char *what)
{
	if (err)
		die(what);
}

/* Move an empty ring's positions, as if pos bytes had gone through it. */
static void start_at(struct tprod *p, __u64 pos)
{
	p->pos = pos;
	p->prod->producer_pos = pos;
	p->cons->consumer_pos = pos;
}

static void records(struct tprod *p, unsigned int n, __u32 len)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		must(tprod_write_fill(p, 0xa0 + i, len), "write");
}

static void discarded(struct tprod *p, __u32 len)
{
	void *payload;

	must(tprod_reserve(p, len, &payload), "reserve");
	memset(payload, 0xdd, len);
	tprod_discard(p, payload);
}

/* A record reserved and never committed: its header stays busy. */
static void busy(struct tprod *p, __u32 len)
{
	void *payload;

	must(tprod_reserve(p, len, &payload), "reserve");
}

/* ---- well-formed rings ---------------------------------------------- */

static void seed_empty(struct tprod *p, struct fuzz_hdr *h)
{
}

static void seed_records(struct tprod *p, struct fuzz_hdr *h)
{
	static const __u32 lens[] = { 1, 7, 8, 9, 100, 1000 };
	unsigned int i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		must(tprod_write_fill(p, i + 1, lens[i]), "write");
}

static void seed_gen(struct tprod *p, struct fuzz_hdr *h)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		must(tprod_write_gen(p, 40, i), "write");
}

/* A record across the end of the first copy, read on into the second. */
static void seed_wrap_seam(struct tprod *p, struct fuzz_hdr *h)
{
	start_at(p, p->size - 24);
	records(p, 1, 64);
	records(p, 1, 8);
}

/* A record that ends exactly at the end of the first copy. */
static void seed_wrap_exact(struct tprod *p, struct fuzz_hdr *h)
{
	start_at(p, p->size - 32);
	records(p, 1, 24);
	records(p, 1, 16);
}

/* Positions that run over 2^64 as records go by. */
static void seed_wrap_u64(struct tprod *p, struct fuzz_hdr *h)
{
	start_at(p, -(__u64)48);
	records(p, 3, 20);
}

/* One record as long as a record can be: the whole ring. */
static void seed_max_record(struct tprod *p, struct fuzz_hdr *h)
{
	start_at(p, p->size / 2);
	records(p, 1, p->size - sizeof(struct zcring_rec_hdr));
}

/* Full to the last byte; the record that did not fit is counted. */
static void seed_full(struct tprod *p, struct fuzz_hdr *h)
{
	while (tprod_write_fill(p, 0x11, 8) == 0)
		;
}

/* A ring of four pages, wrapping at its own end. */
static void seed_big_ring(struct tprod *p, struct fuzz_hdr *h)
{
	start_at(p, 3 * p->size - 40);
	records(p, 1, 100);
	records(p, 1, 50);
	records(p, 1, 8);
}

static void seed_discard(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	discarded(p, 30);
	records(p, 1, 16);
	discarded(p, 8);
}

static void seed_discard_only(struct tprod *p, struct fuzz_hdr *h)
{
	discarded(p, 8);
	discarded(p, 100);
	discarded(p, 1);
}

static void seed_discard_wrap(struct tprod *p, struct fuzz_hdr *h)
{
	start_at(p, p->size - 16);
	discarded(p, 40);
	records(p, 1, 8);
}

/* A busy record holds back the committed ones behind it. */
static void seed_busy(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	busy(p, 16);
	records(p, 1, 8);
}

static void seed_busy_first(struct tprod *p, struct fuzz_hdr *h)
{
	busy(p, 24);
	records(p, 2, 8);
}

static void seed_closed(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 3, 12);
	tprod_close(p);
}

static void seed_closed_empty(struct tprod *p, struct fuzz_hdr *h)
{
	tprod_close(p);
	h->paths = PATHS(FUZZ_PATH_WAIT, FUZZ_PATH_SET, FUZZ_PATH_SET,
			 FUZZ_PATH_CONSUME);
}

static void seed_closed_busy(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	busy(p, 8);
	tprod_close(p);
	h->paths = PATHS(FUZZ_PATH_WAIT, FUZZ_PATH_WAIT, FUZZ_PATH_SET,
			 FUZZ_PATH_SET);
}

/* A set that stops after each record, then finds the closed ring drained. */
static void seed_closed_set(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 2, 8);
	tprod_close(p);
	h->stop_at = 1;
	h->paths = PATHS(FUZZ_PATH_SET, FUZZ_PATH_SET, FUZZ_PATH_SET,
			 FUZZ_PATH_SET);
}

static void seed_dropped(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 2, 8);
	p->prod->dropped_records = 3;
	p->prod->dropped_bytes = 300;
	p->prod->flags = ZCRING_F_POPULATE;
}

/* ---- what the harness does with a good ring ------------------------- */

static void seed_max_one(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 5, 8);
	h->max_records = 1;
	h->paths = PATHS(FUZZ_PATH_CONSUME, FUZZ_PATH_CONSUME,
			 FUZZ_PATH_ITER, FUZZ_PATH_CONSUME);
}

static void seed_stop(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 4, 8);
	h->stop_at = 2;
}

/* The callback refuses the second record of every call: it comes again. */
static void seed_fail_consume(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 4, 8);
	h->stop_at = 2;
	h->opts = FUZZ_OPT_CB_FAIL;
	h->paths = PATHS(FUZZ_PATH_CONSUME, FUZZ_PATH_CONSUME,
			 FUZZ_PATH_SET, FUZZ_PATH_CONSUME);
}

static void seed_fail_iter(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 4, 8);
	h->stop_at = 1;
	h->opts = FUZZ_OPT_CB_FAIL;
	h->paths = PATHS(FUZZ_PATH_ITER, FUZZ_PATH_ITER, FUZZ_PATH_WAIT,
			 FUZZ_PATH_ITER);
}

static void seed_iter_end_each(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 3, 8);
	discarded(p, 8);
	records(p, 2, 8);
	h->opts = FUZZ_OPT_END_EACH;
	h->paths = PATHS(FUZZ_PATH_ITER, FUZZ_PATH_ITER, FUZZ_PATH_ITER,
			 FUZZ_PATH_ITER);
}

static void seed_nonblock(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 2, 8);
	h->opts = FUZZ_OPT_NONBLOCK;
}

static void seed_watermark(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 2, 8);
	p->cons->wake_watermark = p->size / 2;
}

/* Above the data size: zcring_set_watermark() refuses it. */
static void seed_watermark_over(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 2, 8);
	p->cons->wake_watermark = p->size + 1;
}

/* ---- broken and hostile rings --------------------------------------- */

static void seed_len_zero(struct tprod *p, struct fuzz_hdr *h)
{
	__u64 second = ZCRING_REC_SIZE(8);

	records(p, 3, 8);
	tprod_set_hdr_len(p, second, 0);
}

static void seed_len_huge(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 2, 8);
	tprod_set_hdr_len(p, 0, ZCRING_REC_LEN_MASK);
}

/* One byte longer than a record can be, in a ring said to be full. */
static void seed_len_over_ring(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	tprod_set_producer_pos(p, p->size);
	tprod_set_hdr_len(p, 0, p->size - sizeof(struct zcring_rec_hdr) + 1);
}

static void seed_len_past_producer(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 16);
	tprod_set_hdr_len(p, 0, 17);
}

/* A discarded record is skipped by its length: that is checked too. */
static void seed_discard_past_producer(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 16);
	tprod_set_hdr_len(p, 0, ZCRING_REC_DISCARD | 100);
}

/* Records consumed, then damage: those before it stay consumed. */
static void seed_damage_after(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 3, 8);
	records(p, 1, 8);
	tprod_set_hdr_len(p, 3 * ZCRING_REC_SIZE(8), p->size);
}

static void seed_producer_behind(struct tprod *p, struct fuzz_hdr *h)
{
	start_at(p, 1024);
	records(p, 1, 8);
	tprod_set_producer_pos(p, 1024 - 8);
}

static void seed_producer_far(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 2, 8);
	tprod_set_producer_pos(p, p->size + 8);
}

static void seed_producer_misaligned(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	tprod_set_producer_pos(p, p->pos + 4);
}

/* 4 bytes into a record, seq 8 would pass for a header's len. */
static void seed_consumer_misaligned(struct tprod *p, struct fuzz_hdr *h)
{
	p->seq = 8;
	records(p, 4, 8);
	p->cons->consumer_pos = 4;
}

/* ---- images zcring_open_fd() must refuse ---------------------------- */

static void seed_bad_abi(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	p->prod->abi_version = ZCRING_ABI_VERSION + 1;
}

static void seed_bad_data_size(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	p->prod->data_size = p->size + ZCRING_REC_ALIGN;
}

static void seed_short_image(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 1, 8);
	h->opts = FUZZ_OPT_SHORT_IMAGE;
}

/* A producer page that claims half the image: a smaller ring, opened. */
static void seed_smaller_ring(struct tprod *p, struct fuzz_hdr *h)
{
	records(p, 3, 8);
	p->prod->data_size = p->size / 2;
}

static const struct seed seeds[] = {
	{ "empty", 0, seed_empty },
	{ "records", 0, seed_records },
	{ "gen-records", 0, seed_gen },
	{ "wrap-seam", 0, seed_wrap_seam },
	{ "wrap-exact", 0, seed_wrap_exact },
	{ "wrap-u64", 0, seed_wrap_u64 },
	{ "max-record", 0, seed_max_record },
	{ "full", 0, seed_full },
	{ "big-ring", 2, seed_big_ring },
	{ "discard", 0, seed_discard },
	{ "discard-only", 0, seed_discard_only },
	{ "discard-wrap", 1, seed_discard_wrap },
	{ "busy", 0, seed_busy },
	{ "busy-first", 0, seed_busy_first },
	{ "closed", 0, seed_closed },
	{ "closed-empty", 0, seed_closed_empty },
	{ "closed-busy", 0, seed_closed_busy },
	{ "closed-set", 0, seed_closed_set },
	{ "dropped", 0, seed_dropped },
	{ "max-one", 0, seed_max_one },
	{ "stop", 0, seed_stop },
	{ "fail-consume", 0, seed_fail_consume },
	{ "fail-iter", 0, seed_fail_iter },
	{ "iter-end-each", 0, seed_iter_end_each },
	{ "nonblock", 0, seed_nonblock },
	{ "watermark", 0, seed_watermark },
	{ "watermark-over", 0, seed_watermark_over },
	{ "len-zero", 0, seed_len_zero },
	{ "len-huge", 0, seed_len_huge },
	{ "len-over-ring", 0, seed_len_over_ring },
	{ "len-past-producer", 0, seed_len_past_producer },
	{ "discard-past-producer", 0, seed_discard_past_producer },
	{ "damage-after-records", 0, seed_damage_after },
	{ "producer-behind", 0, seed_producer_behind },
	{ "producer-far-ahead", 0, seed_producer_far },
	{ "producer-misaligned", 0, seed_producer_misaligned },
	{ "consumer-misaligned", 0, seed_consumer_misaligned },
	{ "bad-abi", 0, seed_bad_abi },
	{ "bad-data-size", 0, seed_bad_data_size },
	{ "short-image", 0, seed_short_image },
	{ "smaller-ring", 1, seed_smaller_ring },
};

/*
 * The image's pages into the header, and its data from the consumer
 * position on, without the zeroes at the end (the harness puts them back).
 */
static void write_seed(const char *dir, const char *name,
		       const struct tprod *p, struct fuzz_hdr *h)
{
	const struct zcring_producer_page *prod = p->prod;
	const struct zcring_consumer_page *cons = p->cons;
	__u64 mask = p->size - 1, len, i;
	char path[4096];
	__u8 *data;
	FILE *f;

	data = malloc(p->size);
	if (!data)
		die("out of memory");
	for (i = 0; i < p->size; i++)
		data[i] = p->data[(cons->consumer_pos + i) & mask];
	for (len = p->size; len && !data[len - 1]; len--)
		;

	h->max_records = htole32(h->max_records);
	h->stop_at = htole32(h->stop_at);
	h->abi_version = htole32(prod->abi_version);
	h->flags = htole32(prod->flags);
	h->state = htole32(prod->state);
	h->data_size_xor = htole64(prod->data_size ^ p->size);
	h->producer_ahead = htole64(prod->producer_pos - cons->consumer_pos);
	h->dropped_records = htole64(prod->dropped_records);
	h->dropped_bytes = htole64(prod->dropped_bytes);
	h->consumer_pos = htole64(cons->consumer_pos);
	h->wake_watermark = htole64(cons->wake_watermark);

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(h, sizeof(*h), 1, f) != 1 ||
	    fwrite(data, 1, len, f) != len || fclose(f))
		die(path);
	free(data);
}

int main(int argc, char **argv)
{
	const struct seed *s;
	struct fuzz_hdr h;
	struct tprod p;
	long page;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	for (s = seeds; s < seeds + sizeof(seeds) / sizeof(seeds[0]); s++) {
		must(tprod_init(&p, (__u64)page << s->size_order), "memfd");
		memset(&h, 0, sizeof(h));
		h.size_order = s->size_order;
		h.paths = ALL_PATHS;
		h.rounds = FUZZ_MAX_ROUNDS - 1;
		s->make(&p, &h);
		write_seed(argv[1], s->name, &p, &h);
		tprod_fini(&p);
	}
	return 0;
}
