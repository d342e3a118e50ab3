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

/*
 * ZCRING_GEN_COPY's source, byte i being (u8)i, copied a chunk at a time.
 * Built once at load: building it per call cost more than the copies of a
 * small batch of large records.
 */
#define ZCRING_GEN_CHUNK SZ_64K
static u8 zcring_gen_pattern[ZCRING_GEN_CHUNK] __ro_after_init;

void __init zcring_gen_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(zcring_gen_pattern); i++)
		zcring_gen_pattern[i] = (u8)i;
}

static void zcring_gen_copy(void *rec, const u8 *pattern, u32 size)
{
	u32 done, n;

	for (done = 0; done < size; done += n) {
		n = min_t(u32, size - done, ZCRING_GEN_CHUNK);
		memcpy(rec + done, pattern, n);
	}
}

/* The most records ZCRING_GEN_BATCH reserves at once. */
#define ZCRING_GEN_BATCH_MAX 32
/*
 * The most payload bytes written between two checks for a signal and a
 * chance to reschedule, but for a single record, which is written whole.
 */
#define ZCRING_GEN_BYTES_PER_STEP SZ_64K

/*
 * Reserve up to @want records, waiting for space if @block.  Returns how
 * many, or a negative errno; -ENOSPC only without @block.
 */
static int zcring_gen_reserve(struct zcring *ring, u32 size, unsigned int want,
			      void **recs, bool block)
{
	int n;

	for (;;) {
		n = __zcring_reserve_batch(ring, size, want, recs, !block);
		if (n != -ENOSPC || !block)
			return n;
		if (zcring_wait_space(ring, size))
			return -EINTR;
	}
}

static int __zcring_generate(struct zcring *ring, struct zcring_generate *gen)
{
	bool block = gen->flags & ZCRING_GEN_BLOCK;
	bool copy = gen->flags & ZCRING_GEN_COPY;
	u32 step = ZCRING_GEN_BYTES_PER_STEP / gen->record_size;
	unsigned int max = gen->flags & ZCRING_GEN_BATCH ?
				   clamp_t(u32, step, 1, ZCRING_GEN_BATCH_MAX) :
				   1;
	void *recs[ZCRING_GEN_BATCH_MAX];
	unsigned int want, offered;
	u64 left, seq = 0;
	int i, n;

	for (left = gen->count; left; left -= offered) {
		want = min_t(u64, left, max);
		n = zcring_gen_reserve(ring, gen->record_size, want, recs,
				       block);
		if (n < 0 && n != -ENOSPC)
			return n;
		n = max(n, 0);
		/* A blocking generator retries what it could not reserve. */
		offered = block ? n : want;
		gen->dropped += offered - n;
		/* seq counts the offered records: a dropped one skips its. */
		if (!copy)
			seq = atomic64_fetch_add(offered, &ring->gen_seq);
		for (i = 0; i < n; i++) {
			if (copy)
				zcring_gen_copy(recs[i], zcring_gen_pattern,
						gen->record_size);
			else
				zcring_gen_fill(recs[i], gen->record_size,
						seq + i);
		}
		if (n)
			zcring_commit_batch(ring, recs, n);
		gen->committed += n;
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
	int err;

	err = zcring_gen_check(ring, gen);
	if (err)
		return err;
	return __zcring_generate(ring, gen);
}
