// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * A producer page or headers that make no sense: the consumer says
 * -EBADMSG, never reads outside its mapping, and keeps what it consumed
 * before it met the damage.  Out-of-mapping reads would fault, or trip
 * AddressSanitizer; the callback also checks every payload it is given.
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
	volatile const __u8 *b = data;
	__u32 i;
	__u8 sum = 0;

	s->n++;
	if (!in_mapping(s->ring, data, len)) {
		s->out_of_map++;
		return -EFAULT;
	}
	/* Touch every byte, as a real consumer would. */
	for (i = 0; i < len; i++)
		sum += b[i];
	(void)sum;
	return 0;
}

/* Every way of reading the ring says -EBADMSG and consumes nothing. */
static void expect_badmsg(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ring) *self)
{
	__u64 before = tprod_consumer_pos(&self->p);
	unsigned int n = self->s.n;
	struct zcring_iter it;
	const void *data;
	__u32 len;

	EXPECT_EQ(-EBADMSG, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(n, self->s.n);
	EXPECT_EQ(-EBADMSG, zcring__ready(self->ring));
	ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
	EXPECT_EQ(-EBADMSG, zcring_peek(&it, &data, &len));
	zcring_iter_end(&it);
	EXPECT_EQ(before, tprod_consumer_pos(&self->p));
}

TEST_F(ring, producer_behind_consumer)
{
	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 8));
	ASSERT_EQ(1, zcring_consume(self->ring, record_cb, &self->s, 0));
	tprod_set_producer_pos(&self->p, self->p.pos - 8);
	expect_badmsg(_metadata, self);
	tprod_set_producer_pos(&self->p, 0);
	expect_badmsg(_metadata, self);
	/* Put right, the ring is fine again. */
	tprod_set_producer_pos(&self->p, self->p.pos);
	EXPECT_EQ(0, zcring_consume(self->ring, record_cb, &self->s, 0));
}

/*
 * A ring full of good records, and a producer position one record beyond:
 * read on, the first record would come round again as the last.
 */
TEST_F(ring, producer_too_far_ahead)
{
	__u64 rec = ZCRING_REC_SIZE(8);

	while (tprod_write_fill(&self->p, 1, 8) == 0)
		;
	ASSERT_EQ(self->p.size, self->p.pos);
	tprod_set_producer_pos(&self->p, self->p.size + rec);
	expect_badmsg(_metadata, self);
	tprod_set_producer_pos(&self->p, ~0ULL & ~7ULL);
	expect_badmsg(_metadata, self);
}

TEST_F(ring, producer_misaligned)
{
	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 8));
	tprod_set_producer_pos(&self->p, self->p.pos + 4);
	expect_badmsg(_metadata, self);
	tprod_set_producer_pos(&self->p, 1);
	expect_badmsg(_metadata, self);
}

/* A consumer position someone else left misaligned in the consumer page. */
TEST_F(ring, consumer_misaligned)
{
	int i;

	/* Read 4 bytes in, seq 8 would pass for a header's len. */
	self->p.seq = 8;
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 8));
	zcring_close(self->ring);
	self->ring = NULL;
	__atomic_store_n(&self->p.cons->consumer_pos, 4, __ATOMIC_RELEASE);
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	self->s.ring = self->ring;
	expect_badmsg(_metadata, self);
}

TEST_F(ring, header_longer_than_ring)
{
	__u32 lens[] = {
		self->p.size - sizeof(struct zcring_rec_hdr) + 1,
		self->p.size,
		ZCRING_REC_LEN_MASK,
		/* A discarded record is skipped by its length: checked too. */
		ZCRING_REC_DISCARD | ZCRING_REC_LEN_MASK,
		ZCRING_REC_DISCARD | self->p.size,
	};
	unsigned int i;

	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 8));
	/* The producer position says the whole ring is full of records. */
	tprod_set_producer_pos(&self->p, self->p.size);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		tprod_set_hdr_len(&self->p, 0, lens[i]);
		expect_badmsg(_metadata, self);
	}
}

TEST_F(ring, header_past_producer_pos)
{
	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 16));
	/* 24 bytes published; the header claims 112. */
	tprod_set_hdr_len(&self->p, 0, 100);
	expect_badmsg(_metadata, self);
	/* One byte more than published, after padding. */
	tprod_set_hdr_len(&self->p, 0, 17);
	expect_badmsg(_metadata, self);
	/* The same for a discarded record: it must not be skipped. */
	tprod_set_hdr_len(&self->p, 0, ZCRING_REC_DISCARD | 100);
	expect_badmsg(_metadata, self);
	/* Right again: it comes out. */
	tprod_set_hdr_len(&self->p, 0, 16);
	EXPECT_EQ(1, zcring_consume(self->ring, record_cb, &self->s, 0));
}

/* No producer writes an empty record: a zeroed header is damage. */
TEST_F(ring, empty_record)
{
	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 8));
	tprod_set_hdr_len(&self->p, 0, 0);
	expect_badmsg(_metadata, self);
	tprod_set_hdr_len(&self->p, 0, ZCRING_REC_DISCARD);
	expect_badmsg(_metadata, self);
	EXPECT_EQ(0, self->s.n);
}

/* A busy header is never looked into, whatever its length says. */
TEST_F(ring, busy_header_with_garbage)
{
	ASSERT_EQ(0, tprod_write_fill(&self->p, 1, 8));
	tprod_set_hdr_len(&self->p, 0, ZCRING_REC_BUSY | ZCRING_REC_LEN_MASK);
	EXPECT_EQ(0, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(0, self->s.n);
	EXPECT_EQ(0, tprod_consumer_pos(&self->p));
}

/* Records before the damage stay consumed, and are not handed out again. */
TEST_F(ring, consumed_stay_consumed)
{
	__u64 good;
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, tprod_write_fill(&self->p, i, 8));
	good = self->p.pos;
	ASSERT_EQ(0, tprod_write_fill(&self->p, 3, 8));
	tprod_set_hdr_len(&self->p, good, self->p.size);

	EXPECT_EQ(-EBADMSG, zcring_consume(self->ring, record_cb, &self->s, 0));
	EXPECT_EQ(3, self->s.n);
	EXPECT_EQ(good, tprod_consumer_pos(&self->p));
	expect_badmsg(_metadata, self);
	EXPECT_EQ(3, self->s.n);
}

/*
 * Hostile images by the thousand: random data and random positions near
 * and far from the consumer's.  Every call ends in a count or -EBADMSG,
 * and no payload handed out leaves the mapping.
 */
TEST_F(ring, hostile_sweep)
{
	__u64 n = self->p.size, cons, prod;
	unsigned int seed = 12345, round, i;
	int ret;

	for (round = 0; round < 4000; round++) {
		/* Random bytes into both copies, as a producer would mirror. */
		for (i = 0; i < n; i += 4) {
			__u32 v = rand_r(&seed);

			/* Often a plausible length, sometimes any flags. */
			if (rand_r(&seed) & 1)
				v = (v % (2 * n)) | (v & 0xc0000000U);
			memcpy(self->p.data + i, &v, 4);
			memcpy(self->p.data + n + i, &v, 4);
		}
		cons = ((__u64)rand_r(&seed) << 3) & ~7ULL;
		switch (rand_r(&seed) % 4) {
		case 0: /* in range */
			prod = cons + ((rand_r(&seed) % (n + 1)) & ~7ULL);
			break;
		case 1: /* just out of range */
			prod = cons + n + 8 * (1 + rand_r(&seed) % 4);
			break;
		case 2: /* behind */
			prod = cons - 8 * (1 + rand_r(&seed) % 4);
			break;
		default: /* anything */
			prod = ((__u64)rand_r(&seed) << 32) | rand_r(&seed);
			break;
		}
		self->ring->pos = cons;
		__atomic_store_n(&self->p.cons->consumer_pos, cons,
				 __ATOMIC_RELEASE);
		tprod_set_producer_pos(&self->p, prod);

		ret = zcring_consume(self->ring, record_cb, &self->s, 0);
		ASSERT_TRUE(ret >= 0 || ret == -EBADMSG) {
			TH_LOG("round %u: consume returned %d", round, ret);
		}
		ASSERT_EQ(0, self->s.out_of_map);
		/* The position never passes the producer's. */
		ASSERT_LE(self->ring->pos - cons, prod - cons);
		if (prod - cons > n || (prod & 7))
			ASSERT_EQ(-EBADMSG, ret);
	}
	/* The sweep did exercise both outcomes. */
	EXPECT_GT(self->s.n, 0);
}

TEST_HARNESS_MAIN
