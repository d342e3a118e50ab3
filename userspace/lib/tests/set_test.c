// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Sets of rings, on file images: epoll refuses regular files, so the set
 * takes them as always ready and consumes them on every call.
 */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "producer.h"

#include "kselftest_harness.h"

/* What one ring's callback saw: its own records, and only those. */
struct seen {
	unsigned int n;
	unsigned int foreign;	/* records tagged for the other ring */
	__u8 tag;
	int ret;		/* what the callback returns */
};

static int tag_cb(void *ctx, const void *data, __u32 len)
{
	struct seen *s = ctx;

	if (s->ret < 0)
		return s->ret;
	s->n++;
	if (*(const __u8 *)data != s->tag)
		s->foreign++;
	return s->ret;
}

FIXTURE(two) {
	struct tprod pa, pb;
	struct zcring *a, *b;
	struct seen sa, sb;
	struct zcring_set *set;
};

FIXTURE_SETUP(two)
{
	long page = sysconf(_SC_PAGESIZE);

	ASSERT_EQ(0, tprod_init(&self->pa, page));
	ASSERT_EQ(0, tprod_init(&self->pb, 2 * page));
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->pa), 0, &self->a));
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->pb), 0, &self->b));
	memset(&self->sa, 0, sizeof(self->sa));
	memset(&self->sb, 0, sizeof(self->sb));
	self->sa.tag = 'a';
	self->sb.tag = 'b';
	ASSERT_EQ(0, zcring_set_new(&self->set));
	ASSERT_EQ(0, zcring_set_add(self->set, self->a, tag_cb, &self->sa));
	ASSERT_EQ(0, zcring_set_add(self->set, self->b, tag_cb, &self->sb));
}

FIXTURE_TEARDOWN(two)
{
	zcring_set_free(self->set);
	zcring_close(self->a);
	zcring_close(self->b);
	tprod_fini(&self->pa);
	tprod_fini(&self->pb);
}

TEST_F(two, consumed_together)
{
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, tprod_write(&self->pa, "aaaa", 4));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, tprod_write(&self->pb, "bbbbbbbb", 8));
	/* File images never sleep, even with no timeout. */
	ASSERT_EQ(5, zcring_set_poll(self->set, -1));
	EXPECT_EQ(3, self->sa.n);
	EXPECT_EQ(2, self->sb.n);
	EXPECT_EQ(0, self->sa.foreign);
	EXPECT_EQ(0, self->sb.foreign);
	EXPECT_EQ(self->pa.pos, tprod_consumer_pos(&self->pa));
	EXPECT_EQ(self->pb.pos, tprod_consumer_pos(&self->pb));
	/* Nothing left: 0, at once. */
	EXPECT_EQ(0, zcring_set_poll(self->set, -1));
	ASSERT_EQ(0, tprod_write(&self->pb, "b", 1));
	EXPECT_EQ(1, zcring_set_poll(self->set, 0));
	EXPECT_EQ(3, self->sb.n);
}

TEST_F(two, add_and_remove)
{
	EXPECT_EQ(-EEXIST, zcring_set_add(self->set, self->a, tag_cb,
					  &self->sb));
	EXPECT_EQ(-EINVAL, zcring_set_add(self->set, self->a, NULL, NULL));
	EXPECT_EQ(-EINVAL, zcring_set_add(NULL, self->a, tag_cb, NULL));
	EXPECT_GE(zcring_set_fd(self->set), 0);

	ASSERT_EQ(0, zcring_set_remove(self->set, self->a));
	EXPECT_EQ(-ENOENT, zcring_set_remove(self->set, self->a));
	/* A removed ring is not consumed any more. */
	ASSERT_EQ(0, tprod_write(&self->pa, "a", 1));
	ASSERT_EQ(0, tprod_write(&self->pb, "b", 1));
	EXPECT_EQ(1, zcring_set_poll(self->set, 0));
	EXPECT_EQ(0, self->sa.n);
	EXPECT_EQ(1, self->sb.n);
	EXPECT_EQ(0, tprod_consumer_pos(&self->pa));
	/* And may come back. */
	ASSERT_EQ(0, zcring_set_add(self->set, self->a, tag_cb, &self->sa));
	EXPECT_EQ(1, zcring_set_poll(self->set, 0));
	EXPECT_EQ(1, self->sa.n);
}

/* Closed rings are drained first; once all are drained, -EPIPE. */
TEST_F(two, closed_and_drained)
{
	ASSERT_EQ(0, tprod_write(&self->pa, "a", 1));
	ASSERT_EQ(0, tprod_write(&self->pb, "b", 1));
	tprod_close(&self->pa);
	ASSERT_EQ(2, zcring_set_poll(self->set, 0));
	/* b is still open: no records, but not the end. */
	EXPECT_EQ(0, zcring_set_poll(self->set, 0));
	ASSERT_EQ(0, tprod_write(&self->pb, "b", 1));
	tprod_close(&self->pb);
	EXPECT_EQ(1, zcring_set_poll(self->set, 0));
	EXPECT_EQ(-EPIPE, zcring_set_poll(self->set, 0));
	EXPECT_EQ(-EPIPE, zcring_set_poll(self->set, -1));
	EXPECT_EQ(1, self->sa.n);
	EXPECT_EQ(2, self->sb.n);
}

/* A callback's error comes back, and its record stays in the ring. */
TEST_F(two, callback_error)
{
	ASSERT_EQ(0, tprod_write(&self->pa, "a", 1));
	self->sa.ret = -EIO;
	EXPECT_EQ(-EIO, zcring_set_poll(self->set, 0));
	EXPECT_EQ(0, tprod_consumer_pos(&self->pa));
	self->sa.ret = 0;
	EXPECT_EQ(1, zcring_set_poll(self->set, 0));
	EXPECT_EQ(1, self->sa.n);
}

/* A corrupt ring fails the call with -EBADMSG. */
TEST_F(two, corrupt_ring)
{
	ASSERT_EQ(0, tprod_write(&self->pb, "b", 1));
	tprod_set_producer_pos(&self->pb, self->pb.pos + 4);
	EXPECT_EQ(-EBADMSG, zcring_set_poll(self->set, 0));
}

/* An empty set has nothing to wait for, and nothing has ended. */
TEST(empty_set)
{
	struct zcring_set *set = NULL;

	ASSERT_EQ(0, zcring_set_new(&set));
	EXPECT_EQ(0, zcring_set_poll(set, 0));
	EXPECT_EQ(-EINVAL, zcring_set_new(NULL));
	EXPECT_EQ(-EINVAL, zcring_set_poll(NULL, 0));
	zcring_set_free(set);
	zcring_set_free(NULL);
}

TEST_HARNESS_MAIN
