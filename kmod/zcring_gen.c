// SPDX-License-Identifier: GPL-2.0
/*
 * zcring: the generator, ZCRING_IOC_GENERATE.  It produces records from
 * kernel context with a payload a consumer can verify, so that tests and
 * benchmarks exercise the same reserve/commit path as a driver, without a
 * driver.
 */

#include <linux/err.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
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
	if (gen->record_size < sizeof(struct zcring_gen_payload))
		return -EINVAL;
	if (gen->record_size > ring->max_payload)
		return -EMSGSIZE;
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
	u64 i;
	int err;

	err = zcring_gen_check(ring, gen);
	if (err)
		return err;

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
