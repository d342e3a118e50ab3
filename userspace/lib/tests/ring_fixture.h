/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The host tests' ring, FIXTURE(ring): a file image of one page that the
 * test producer writes, a handle consuming it, and what the tests'
 * callbacks saw.  Included after kselftest_harness.h.
 */
#ifndef ZCRING_TEST_RING_FIXTURE_H
#define ZCRING_TEST_RING_FIXTURE_H

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "producer.h"

#define MAX_SEEN 64

/* What a callback saw, to be checked once the call returns. */
struct seen {
	const struct zcring *ring;
	const struct tprod *p;
	unsigned int n;
	__u32 len[MAX_SEEN];
	__u8 first[MAX_SEEN];
	__u32 seq[MAX_SEEN];
	/* A record outside the consumer's mapping, or pos moved mid-batch. */
	unsigned int out_of_map, pos_moved;
	__u64 start_pos;
	/* 1-based record at which to return stop_ret; 0: never. */
	unsigned int stop_at;
	int stop_ret;
};

/* The payload lies within the consumer's own mapping of the data. */
static inline int in_mapping(const struct zcring *ring, const void *data,
			     __u32 len)
{
	uintptr_t lo = (uintptr_t)ring->data;
	uintptr_t hi = lo + 2 * ring->data_size;
	uintptr_t p = (uintptr_t)data;

	return p >= lo && p <= hi && len <= hi - p;
}

FIXTURE(ring) {
	struct tprod p;
	struct zcring *ring;
	struct seen s;
};

FIXTURE_SETUP(ring)
{
	ASSERT_EQ(0, tprod_init(&self->p, sysconf(_SC_PAGESIZE)));
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	memset(&self->s, 0, sizeof(self->s));
	self->s.ring = self->ring;
}

FIXTURE_TEARDOWN(ring)
{
	zcring_close(self->ring);
	tprod_fini(&self->p);
}

#endif /* ZCRING_TEST_RING_FIXTURE_H */
