// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Consuming well-formed records from a file image: every size, wrapping,
 * discarded and busy records, the callback's say on stopping, batching of
 * the consumer position, and the generator payload format.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "producer.h"

#include "kselftest_harness.h"
#include "ring_fixture.h"

static int record_cb(void *ctx, const void *data, __u32 len)
{
	struct seen *s = ctx;
	unsigned int i = s->n++;

	if (!in_mapping(s->ring, data, len))
		s->out_of_map++;
	/* Batching: nothing is handed back while the pass runs. */
	if (s->p && tprod_consumer_pos(s->p) != s->start_pos)
		s->pos_moved++;
	if (i < MAX_SEEN) {
		s->len[i] = len;
		s->first[i] = *(const __u8 *)data;
		s->seq[i] = zcring_rec_seq(data);
	}
	if (s->stop_at && s->n == s->stop_at)
		return s->stop_ret;
	return 0;
}

/* Fill len bytes with a pattern that depends on tag and offset. */
static void pattern(__u8 *buf, __u32 len, __u32 tag)
{
	__u32 i;

	for (i = 0; i < len; i++)
		buf[i] = (__u8)(tag * 7 + i * 13);
}

static int pattern_ok(const __u8 *buf, __u32 len, __u32 tag)
{
	__u32 i;

	for (i = 0; i < len; i++)
		if (buf[i] != (__u8)(tag * 7 + i * 13))
			return 0;
	return 1;
}

TEST_F(ring, empty)
{
	struct zcring_iter it;
	const void *data;
	__u32 len;

	EXPECT_EQ(0, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(0, self->s.n);
	EXPECT_EQ(0, tprod_consumer_pos(&self->p));
	ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
	EXPECT_EQ(0, zcring_peek(&it, &data, &len));
	EXPECT_EQ(0, zcring__ready(self->ring));
	EXPECT_EQ(-EINVAL, zcring_consume(self->ring, NULL, NULL, 0));
}

/*
 * Every payload size the ring can hold, one record at a time, so that the
 * positions walk all the way round many times: each comes back whole, in
 * place, with consecutive header seq.
 */
TEST_F(ring, every_size)
{
	__u32 max = self->p.size - sizeof(struct zcring_rec_hdr);
	__u8 *buf = malloc(max);
	__u32 len;

	ASSERT_NE(NULL, buf);
	for (len = 1; len <= max; len++) {
		struct zcring_iter it;
		const void *data;
		__u32 got;

		pattern(buf, len, len);
		ASSERT_EQ(0, tprod_write(&self->p, buf, len));
		ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
		ASSERT_EQ(1, zcring_peek(&it, &data, &got));
		ASSERT_EQ(len, got);
		ASSERT_TRUE(in_mapping(self->ring, data, got));
		ASSERT_TRUE(pattern_ok(data, got, len)) {
			TH_LOG("record of %u bytes is corrupt", len);
		}
		ASSERT_EQ((__u32)(len - 1), zcring_rec_seq(data));
		zcring_release(&it);
		ASSERT_EQ(0, zcring_peek(&it, &data, &got));
		zcring_iter_end(&it);
		ASSERT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
	}
	/* One more byte can never fit. */
	EXPECT_EQ(-EMSGSIZE, tprod_write(&self->p, buf, max + 1));
	free(buf);
}

/* A record across the end of the first copy reads on into the second. */
TEST_F(ring, wrap_is_contiguous)
{
	__u64 n = self->p.size;
	__u32 len = 200;
	__u8 buf[200];
	struct zcring_iter it;
	const void *data;
	__u32 got;

	/* Move both positions to 16 bytes before the end of the data. */
	tprod_set_producer_pos(&self->p, n - 16);
	self->p.pos = n - 16;
	__atomic_store_n(&self->p.cons->consumer_pos, n - 16, __ATOMIC_RELEASE);
	self->ring->pos = n - 16;

	pattern(buf, len, 99);
	ASSERT_EQ(0, tprod_write(&self->p, buf, len));
	ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
	ASSERT_EQ(1, zcring_peek(&it, &data, &got));
	ASSERT_EQ(len, got);
	/* It does wrap: it starts in the first copy and ends in the second. */
	ASSERT_LT((const __u8 *)data, self->ring->data + n);
	ASSERT_GT((const __u8 *)data + len, self->ring->data + n);
	ASSERT_TRUE(pattern_ok(data, got, 99));
	zcring_release(&it);
	zcring_iter_end(&it);
	EXPECT_EQ(n - 16 + ZCRING_REC_SIZE(len), tprod_consumer_pos(&self->p));
}

/*
 * The image holds the data twice, byte for byte, as the kernel's double
 * mapping does: a reader that splits a wrapped record at the end of the
 * first copy (read(), a tool) finds its tail at the start.
 */
TEST_F(ring, copies_agree)
{
	__u64 n = self->p.size, seq;
	const __u8 *d = self->ring->data;

	for (seq = 0; seq < 200; seq++) {
		ASSERT_EQ(0, tprod_write_gen(&self->p, 16 + (seq * 53) % 400,
					     seq));
		ASSERT_EQ(1, zcring_consume(self->ring, record_cb, &self->s,
					    0));
		ASSERT_EQ(0, memcmp(d, d + n, n)) {
			TH_LOG("copies differ after record %llu",
			       (unsigned long long)seq);
		}
	}
}

/*
 * A record whose header is the last 8 bytes of the first copy: its payload
 * lies wholly in the second copy, and the next record starts at offset 0.
 */
TEST_F(ring, wrap_at_header)
{
	__u64 n = self->p.size;
	struct zcring_iter it;
	const void *data;
	__u8 buf[64];
	__u32 len;

	tprod_set_producer_pos(&self->p, n - 8);
	self->p.pos = n - 8;
	__atomic_store_n(&self->p.cons->consumer_pos, n - 8, __ATOMIC_RELEASE);
	self->ring->pos = n - 8;

	pattern(buf, sizeof(buf), 5);
	ASSERT_EQ(0, tprod_write(&self->p, buf, sizeof(buf)));
	ASSERT_EQ(0, tprod_write_fill(&self->p, 0xaa, 3));
	ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
	ASSERT_EQ(1, zcring_peek(&it, &data, &len));
	EXPECT_EQ(self->ring->data + n, (const __u8 *)data);
	EXPECT_EQ(sizeof(buf), len);
	EXPECT_TRUE(pattern_ok(data, len, 5));
	zcring_release(&it);
	ASSERT_EQ(1, zcring_peek(&it, &data, &len));
	EXPECT_EQ(3, len);
	EXPECT_EQ(0xaa, *(const __u8 *)data);
	zcring_release(&it);
	zcring_iter_end(&it);
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
}

TEST_F(ring, discarded_are_skipped)
{
	void *rec;

	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 10));
	ASSERT_EQ(0, tprod_reserve(&self->p, 20, &rec));
	memset(rec, 2, 20);
	tprod_discard(&self->p, rec);
	ASSERT_EQ(0, tprod_write_fill(&self->p, 3, 30));
	ASSERT_EQ(2, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(1, self->s.first[0]);
	EXPECT_EQ(10, self->s.len[0]);
	EXPECT_EQ(3, self->s.first[1]);
	EXPECT_EQ(30, self->s.len[1]);
	/* The seq of the discarded record is not reused. */
	EXPECT_EQ(0, self->s.seq[0]);
	EXPECT_EQ(2, self->s.seq[1]);
	/* The discarded record is handed back with the others. */
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
}

/* A ring of only discarded records: nothing to hand out, all passed. */
TEST_F(ring, only_discarded)
{
	void *rec;
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, tprod_reserve(&self->p, 8, &rec));
		tprod_discard(&self->p, rec);
	}
	EXPECT_EQ(0, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(0, self->s.n);
	EXPECT_EQ(0, zcring__ready(self->ring));
	/* Passed over, and handed back: the producer may reuse the room. */
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
}

/* A record still being written stops the pass, and what follows waits. */
TEST_F(ring, busy_stops_the_pass)
{
	void *rec;

	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 8));
	ASSERT_EQ(0, tprod_reserve(&self->p, 16, &rec));
	ASSERT_EQ(0, tprod_write_fill(&self->p, 3, 24));

	ASSERT_EQ(1, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(1, self->s.first[0]);
	EXPECT_EQ(0, zcring__ready(self->ring));
	EXPECT_EQ(0, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(ZCRING_REC_SIZE(8), tprod_consumer_pos(&self->p));

	memset(rec, 2, 16);
	tprod_commit(&self->p, rec);
	EXPECT_EQ(1, zcring__ready(self->ring));
	ASSERT_EQ(2, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(2, self->s.first[1]);
	EXPECT_EQ(16, self->s.len[1]);
	EXPECT_EQ(3, self->s.first[2]);
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
}

/* > 0 from the callback: stop, this record consumed. */
TEST_F(ring, callback_stops)
{
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, tprod_write_fill(&self->p, i, 8));
	self->s.stop_at = 2;
	self->s.stop_ret = 1;
	ASSERT_EQ(2, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(2, self->s.n);
	EXPECT_EQ(2 * ZCRING_REC_SIZE(8), tprod_consumer_pos(&self->p));
	self->s.stop_at = 0;
	ASSERT_EQ(3, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(2, self->s.first[2]);
	EXPECT_EQ(4, self->s.first[4]);
}

/* < 0 from the callback: stop with it, this record not consumed. */
TEST_F(ring, callback_error_keeps_record)
{
	int i;

	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, tprod_write_fill(&self->p, i, 8));
	self->s.stop_at = 3;
	self->s.stop_ret = -EIO;
	ASSERT_EQ(-EIO, zcring_consume(self->ring, record_cb, &self->s, 0));
	/* The two before it stay consumed. */
	EXPECT_EQ(2 * ZCRING_REC_SIZE(8), tprod_consumer_pos(&self->p));
	self->s.stop_at = 0;
	self->s.n = 0;
	ASSERT_EQ(3, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(2, self->s.first[0]);
	EXPECT_EQ(2, self->s.seq[0]);
}

TEST_F(ring, max_limits)
{
	int i;

	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, tprod_write_fill(&self->p, i, 8));
	ASSERT_EQ(3, zcring_consume(self->ring, record_cb, &self->s, 3));
	EXPECT_EQ(3 * ZCRING_REC_SIZE(8), tprod_consumer_pos(&self->p));
	ASSERT_EQ(1, zcring_consume(self->ring, record_cb, &self->s, 1));
	EXPECT_EQ(3, self->s.first[3]);
	/* 0: everything that is ready. */
	ASSERT_EQ(6, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(10, self->s.n);
	EXPECT_EQ(9, self->s.first[9]);
}

/*
 * The consumer page is written once per batch: not while records are
 * peeked and released, once at zcring_iter_end(), and not at all by an
 * iter_end that passed nothing.
 */
TEST_F(ring, iterator_batches_position)
{
	const __u64 sentinel = 0x5a5a5a5a5a5a5a58ULL;
	struct zcring_iter it;
	const void *data, *again;
	__u32 len, len2;
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, tprod_write_fill(&self->p, i, 8 + i));
	ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(1, zcring_peek(&it, &data, &len));
		/* Peeking again gives the same record. */
		ASSERT_EQ(1, zcring_peek(&it, &again, &len2));
		EXPECT_EQ(data, again);
		EXPECT_EQ(8 + i, len);
		EXPECT_EQ(i, *(const __u8 *)data);
		zcring_release(&it);
		EXPECT_EQ(0, tprod_consumer_pos(&self->p));
	}
	ASSERT_EQ(0, zcring_peek(&it, &data, &len));
	EXPECT_EQ(0, tprod_consumer_pos(&self->p));
	zcring_iter_end(&it);
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));

	/* Nothing passed since: no store, the sentinel stays. */
	__atomic_store_n(&self->p.cons->consumer_pos, sentinel,
			 __ATOMIC_RELEASE);
	zcring_iter_end(&it);
	EXPECT_EQ(sentinel, tprod_consumer_pos(&self->p));
	__atomic_store_n(&self->p.cons->consumer_pos, self->p.pos,
			 __ATOMIC_RELEASE);

	/* The next pass starts where this one ended. */
	ASSERT_EQ(0, tprod_write_fill(&self->p, 9, 8));
	ASSERT_EQ(1, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(9, self->s.first[0]);
}

/* zcring_consume() hands records back once, after its last callback. */
TEST_F(ring, consume_batches_position)
{
	int i;

	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, tprod_write_fill(&self->p, i, 8));
	self->s.p = &self->p;
	self->s.start_pos = 0;
	ASSERT_EQ(6, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(0, self->s.pos_moved);
	EXPECT_EQ(0, self->s.out_of_map);
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
}

/* A full ring refuses, counts the drop, and takes records once consumed. */
TEST_F(ring, full_ring_drops)
{
	__u64 rec = ZCRING_REC_SIZE(56), n = 0;

	while (tprod_write_fill(&self->p, 1, 56) == 0)
		n++;
	EXPECT_EQ(self->p.size / rec, n);
	EXPECT_EQ(-ENOSPC, tprod_write_fill(&self->p, 1, 56));
	EXPECT_EQ(2, zcring_dropped_records(self->ring));
	EXPECT_EQ(2 * 56, self->p.prod->dropped_bytes);
	/* Exactly full is not corrupt: it all comes out. */
	ASSERT_EQ(n, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(0, tprod_write_fill(&self->p, 2, 56));
	ASSERT_EQ(1, zcring_consume(self->ring, record_cb, &self->s, 0));
}

/* The generator's format, from the uapi header, not the library. */
static int gen_payload_ok(const __u8 *buf, __u32 len, __u64 seq)
{
	struct zcring_gen_payload hdr;
	__u32 i, hash = ZCRING_GEN_FNV_BASIS;

	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.seq != seq || hdr.len != len)
		return 0;
	for (i = 0; i < len - sizeof(hdr); i++) {
		if (buf[sizeof(hdr) + i] != ZCRING_GEN_BYTE(seq, i))
			return 0;
		hash = (hash ^ buf[sizeof(hdr) + i]) * ZCRING_GEN_FNV_PRIME;
	}
	return hash == hdr.csum;
}

TEST(gen_fill_verify_round_trip)
{
	__u64 seqs[] = { 0, 1, 2, 255, 256, 0x123456789ULL, ~0ULL };
	__u8 buf[600];
	unsigned int i;
	__u32 len, hdr_len;
	__u64 seq;

	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		for (len = sizeof(struct zcring_gen_payload); len < 520;
		     len += 37) {
			/* Odd offset: any alignment is fine. */
			memset(buf, 0xee, sizeof(buf));
			ASSERT_EQ(0, zcring_gen_fill(buf + 1, len, seqs[i]));
			ASSERT_TRUE(gen_payload_ok(buf + 1, len, seqs[i]));
			/* Not a byte past len. */
			ASSERT_EQ(0xee, buf[1 + len]);
			ASSERT_EQ(0xee, buf[0]);
			seq = 0;
			ASSERT_EQ(0, zcring_gen_verify(buf + 1, len, &seq));
			ASSERT_EQ(seqs[i], seq);
		}
	}
	hdr_len = sizeof(struct zcring_gen_payload);
	EXPECT_EQ(-EINVAL, zcring_gen_fill(NULL, 64, 0));
	EXPECT_EQ(-EINVAL, zcring_gen_fill(buf, hdr_len - 1, 0));
	/* Just the header: no bytes, the hash of nothing. */
	EXPECT_EQ(0, zcring_gen_fill(buf, hdr_len, 7));
	EXPECT_TRUE(gen_payload_ok(buf, hdr_len, 7));
	EXPECT_EQ(0, zcring_gen_verify(buf, hdr_len, NULL));
}

TEST(gen_verify_detects_damage)
{
	struct zcring_gen_payload *hdr;
	__u64 buf64[16];
	__u8 *buf = (__u8 *)buf64;
	__u32 len = sizeof(buf64), i;
	__u64 seq;

	hdr = (struct zcring_gen_payload *)buf;
	ASSERT_EQ(0, zcring_gen_fill(buf, len, 42));
	ASSERT_EQ(0, zcring_gen_verify(buf, len, NULL));

	/* Every data byte matters. */
	for (i = sizeof(*hdr); i < len; i++) {
		buf[i] ^= 0x01;
		seq = 0;
		ASSERT_EQ(-EBADMSG, zcring_gen_verify(buf, len, &seq));
		/* The seq is reported, so the bad record can be named. */
		ASSERT_EQ(42, seq);
		buf[i] ^= 0x01;
	}
	/* Shorter than written, and the length in the payload disagrees. */
	EXPECT_EQ(-EBADMSG, zcring_gen_verify(buf, len - 1, NULL));
	hdr->len++;
	EXPECT_EQ(-EBADMSG, zcring_gen_verify(buf, len, NULL));
	hdr->len--;
	hdr->csum ^= 1;
	EXPECT_EQ(-EBADMSG, zcring_gen_verify(buf, len, NULL));
	hdr->csum ^= 1;
	/* Another seq's record: the bytes no longer match. */
	hdr->seq = 43;
	EXPECT_EQ(-EBADMSG, zcring_gen_verify(buf, len, NULL));
	hdr->seq = 42;
	EXPECT_EQ(0, zcring_gen_verify(buf, len, NULL));
	/* Too short for a header. */
	EXPECT_EQ(-EBADMSG, zcring_gen_verify(buf, sizeof(*hdr) - 1, NULL));
	EXPECT_EQ(-EINVAL, zcring_gen_verify(NULL, len, NULL));
}

struct gen_seen {
	__u64 next_seq;
	unsigned int bad;
};

static int gen_cb(void *ctx, const void *data, __u32 len)
{
	struct gen_seen *g = ctx;
	__u64 seq;

	if (zcring_gen_verify(data, len, &seq) || seq != g->next_seq)
		g->bad++;
	g->next_seq++;
	return 0;
}

/* Generator records through the ring, wrapping many times, all intact. */
TEST_F(ring, gen_records_through_ring)
{
	struct gen_seen g = { 0 };
	__u64 seq = 0;
	int round, n, got;

	for (round = 0; round < 50; round++) {
		for (n = 0; n < 7; n++, seq++) {
			__u32 len = 16 + (seq * 29) % 300;

			ASSERT_EQ(0, tprod_write_gen(&self->p, len, seq));
		}
		got = zcring_consume(self->ring, gen_cb, &g, 0);
		ASSERT_EQ(7, got);
	}
	EXPECT_EQ(0, g.bad);
	EXPECT_EQ(seq, g.next_seq);
}

TEST_HARNESS_MAIN
