// SPDX-License-Identifier: GPL-2.0
/*
 * zcring: the generator, ZCRING_IOC_GENERATE.  It produces records from
 * kernel context with a payload a consumer can verify, so that tests and
 * benchmarks exercise the same reserve/commit path as a driver, without a
 * driver.  ZCRING_GEN_COPY trades the verifiable payload for a plain copy,
 * so that a benchmark measures the ring rather than the payload's hash.
 */

#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/zcring_payload.h>

#include "zcring_internal.h"

static int zcring_gen_check(struct zcring *ring,
			    const struct zcring_generate *gen)
{
	if (gen->size != sizeof(*gen))
		return -EINVAL;
	if (gen->flags & ~ZCRING_GEN_ALL)
		return -EOPNOTSUPP;
	if (gen->reserved0 || gen->reserved[0] || gen->reserved[1] ||
	    gen->committed || gen->dropped)
		return -EINVAL;
	if (!gen->record_size ||
	    (!(gen->flags & ZCRING_GEN_COPY) &&
	     gen->record_size < sizeof(struct zcring_gen_payload)))
		return -EINVAL;
	if (gen->record_size > ring->max_payload)
		return -EMSGSIZE;
	return 0;
}

/* ZCRING_GEN_COPY's source: byte i is (u8)i; copied a chunk at a time. */
#define ZCRING_GEN_CHUNK SZ_64K

static void *zcring_gen_pattern(u32 record_size)
{
	size_t i, len = min_t(size_t, record_size, ZCRING_GEN_CHUNK);
	u8 *pattern = kvmalloc(len, GFP_KERNEL);

	for (i = 0; pattern && i < len; i++)
		pattern[i] = (u8)i;
	return pattern;
}

static void zcring_gen_copy(void *rec, const u8 *pattern, u32 size)
{
	u32 done, n;

	for (done = 0; done < size; done += n) {
		n = min_t(u32, size - done, ZCRING_GEN_CHUNK);
		memcpy(rec + done, pattern, n);
	}
}

static int __zcring_generate(struct zcring *ring, struct zcring_generate *gen,
			     bool block, const u8 *pattern)
{
	u64 i;
	int err;

	for (i = 0; i < gen->count; i++) {
		u64 seq = atomic64_inc_return(&ring->gen_seq) - 1;
		void *rec;

		for (;;) {
			rec = __zcring_reserve(ring, gen->record_size, !block);
			if (!IS_ERR(rec) || PTR_ERR(rec) != -ENOSPC || !block)
				break;
			err = zcring_wait_space(ring, gen->record_size);
			if (err)
				return -EINTR;
		}
		if (IS_ERR(rec)) {
			if (PTR_ERR(rec) != -ENOSPC)
				return PTR_ERR(rec);
			gen->dropped++;
		} else {
			if (pattern)
				zcring_gen_copy(rec, pattern, gen->record_size);
			else
				zcring_gen_fill(rec, seq, gen->record_size);
			zcring_commit(ring, rec);
			gen->committed++;
		}
		if (signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Offer gen->count records.  Without ZCRING_GEN_BLOCK a full ring drops a
 * record (counted, its seq skipped); with it the generator waits for space.
 * A signal stops it: -EINTR, with the counts of what was done.
 */
int zcring_generate(struct zcring *ring, struct zcring_generate *gen)
{
	bool block = gen->flags & ZCRING_GEN_BLOCK;
	u8 *pattern = NULL;
	int err;

	err = zcring_gen_check(ring, gen);
	if (err)
		return err;
	if (gen->flags & ZCRING_GEN_COPY) {
		pattern = zcring_gen_pattern(gen->record_size);
		if (!pattern)
			return -ENOMEM;
	}
	err = __zcring_generate(ring, gen, block, pattern);
	kvfree(pattern);
	return err;
}
