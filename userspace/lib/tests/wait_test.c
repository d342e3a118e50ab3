// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Waiting on a file image: poll() says a regular file is always ready, so
 * zcring_wait() returns at once, and the producer page alone says when the
 * ring is closed.
 */
#define _GNU_SOURCE
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "producer.h"

#include "kselftest_harness.h"
#include "ring_fixture.h"

static int count_cb(void *ctx, const void *data, __u32 len)
{
	(*(unsigned int *)ctx)++;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Even empty, even "forever": a regular file never blocks poll(). */
TEST_F(ring, image_is_always_ready)
{
	double t0 = now();

	EXPECT_EQ(1, zcring_wait(self->ring, -1));
	EXPECT_EQ(1, zcring_wait(self->ring, 10000));
	EXPECT_EQ(1, zcring_wait(self->ring, 0));
	EXPECT_LT(now() - t0, 5.0);
	/* Nothing was consumed by waiting. */
	EXPECT_EQ(0, zcring_consume(self->ring, count_cb, &self->s.n, 0));
}

TEST_F(ring, closed_and_empty)
{
	tprod_close(&self->p);
	EXPECT_EQ(-EPIPE, zcring_wait(self->ring, -1));
	EXPECT_EQ(-EPIPE, zcring_wait(self->ring, 0));
	EXPECT_EQ(-EPIPE, tprod_write(&self->p, "x", 1));
}

/* Records committed before the close are still read, then -EPIPE. */
TEST_F(ring, closed_with_records)
{
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, tprod_write(&self->p, "abc", 3));
	tprod_close(&self->p);
	EXPECT_EQ(1, zcring_wait(self->ring, -1));
	ASSERT_EQ(2, zcring_consume(self->ring, count_cb, &self->s.n, 2));
	EXPECT_EQ(1, zcring_wait(self->ring, -1));
	ASSERT_EQ(1, zcring_consume(self->ring, count_cb, &self->s.n, 0));
	EXPECT_EQ(3, self->s.n);
	EXPECT_EQ(-EPIPE, zcring_wait(self->ring, -1));
}

/* Closed with only discarded records left: nothing to read. */
TEST_F(ring, closed_with_discarded_only)
{
	void *rec;

	ASSERT_EQ(0, tprod_reserve(&self->p, 8, &rec));
	tprod_discard(&self->p, rec);
	tprod_close(&self->p);
	EXPECT_EQ(-EPIPE, zcring_wait(self->ring, 0));
}

/* A closed ring with a corrupt record says so, rather than "closed". */
TEST_F(ring, closed_and_corrupt)
{
	ASSERT_EQ(0, tprod_write(&self->p, "abc", 3));
	tprod_set_hdr_len(&self->p, 0, self->p.size);
	tprod_close(&self->p);
	EXPECT_EQ(-EBADMSG, zcring_wait(self->ring, 0));
}

TEST_HARNESS_MAIN
