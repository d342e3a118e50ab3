// SPDX-License-Identifier: GPL-2.0
/*
 * zcring_sample: a driver-like producer that uses only zcring's exported
 * API.  It creates a ring at load time and, from an hrtimer callback (hard
 * IRQ context, on PREEMPT_RT too), produces bursts of records in the
 * generator's payload format, which a consumer can verify.  Its records
 * count from 0 and a full ring drops them, so a gap in seq is a drop.
 *
 *   insmod zcring_sample.ko name=sample size=65536 period_us=1000 \
 *          burst=4 record_size=64 count=0 batch=0
 *
 * With batch=1 each burst is reserved in one step (zcring_reserve_batch())
 * and committed in one (zcring_commit_batch()).  With discard_every=K
 * (not with batch) the records whose seq is a multiple of K are
 * reserved, filled and then discarded (zcring_discard()), so that
 * consumers meet discarded records from a real producer.  With
 * hold_ms=M its first record is reserved at load and committed by the
 * first expiry M milliseconds later, as a slow driver holds one, so that
 * records pile up behind a reservation held long.  The read-only
 * parameter offered counts the records offered so far, committed or
 * dropped, so that a consumer can tell the drops of this producer from
 * those of others.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/zcring_api.h>
#include <linux/zcring_payload.h>

#include "../zcring_compat.h"

static char *name = "sample";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "Ring name (default sample)");

static ulong size = 65536;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "Ring data size, bytes (default 65536)");

static uint period_us = 1000;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "Timer period, microseconds (default 1000)");

static uint burst = 4;
module_param(burst, uint, 0444);
MODULE_PARM_DESC(burst, "Records per timer expiry (default 4)");

static uint record_size = 64;
module_param(record_size, uint, 0444);
MODULE_PARM_DESC(record_size, "Payload bytes per record (default 64)");

static ulong count;
module_param(count, ulong, 0444);
MODULE_PARM_DESC(count, "Records to offer, then stop; 0: no limit");

static uint mode = 0644;
module_param(mode, uint, 0444);
MODULE_PARM_DESC(mode, "Permissions of the ring's node (default 0644)");

static bool batch;
module_param(batch, bool, 0444);
MODULE_PARM_DESC(batch, "Reserve each burst in one step (default no)");

static uint discard_every;
module_param(discard_every, uint, 0444);
MODULE_PARM_DESC(discard_every, "Discard records whose seq it divides");

static uint hold_ms;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "Hold the first record this long (default 0)");

#define ZCRING_SAMPLE_MAX_BATCH 64

/* Only the timer callback writes these; one expiry runs at a time. */
static ulong offered;
module_param(offered, ulong, 0444);
MODULE_PARM_DESC(offered, "Records offered so far (read-only)");

static struct zcring *ring;
static struct hrtimer timer;
static void *recs[ZCRING_SAMPLE_MAX_BATCH];
/* The record hold_ms holds, and until when. */
static void *held;
static ktime_t held_until;

/*
 * Whether record @seq is one to give up after reserving it, as a driver
 * does when the hardware reports a burst bad after all.
 */
static bool zcring_sample_discards(u64 seq)
{
	return discard_every && !(seq % discard_every);
}

/* @n records, one reservation each. */
static void zcring_sample_each(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		void *rec = zcring_reserve(ring, record_size);

		/* -ENOSPC is a drop the ring has counted; its seq is skipped. */
		if (IS_ERR(rec))
			continue;
		zcring_gen_fill(rec, record_size, offered + i);
		if (zcring_sample_discards(offered + i))
			zcring_discard(ring, rec);
		else
			zcring_commit(ring, rec);
	}
	/* Once per burst: sysfs reads it while the timer runs. */
	WRITE_ONCE(offered, offered + n);
}

/* @n records, one reservation for all. */
static void zcring_sample_batch(unsigned int n)
{
	int i, got = zcring_reserve_batch(ring, record_size, n, recs);

	/* Those that did not fit are drops the ring has counted. */
	for (i = 0; i < got; i++)
		zcring_gen_fill(recs[i], record_size, offered + i);
	if (got > 0)
		zcring_commit_batch(ring, recs, got);
	WRITE_ONCE(offered, offered + n);
}

static enum hrtimer_restart zcring_sample_tick(struct hrtimer *t)
{
	unsigned int n = count ? min_t(ulong, burst, count - offered) : burst;

	if (held && ktime_after(ktime_get(), held_until)) {
		zcring_commit(ring, held);
		held = NULL;
	}
	if (batch)
		zcring_sample_batch(n);
	else
		zcring_sample_each(n);
	/* A record still held keeps the timer going, to commit it. */
	if (count && offered >= count && !held)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime((u64)period_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int __init zcring_sample_init(void)
{
	/* A batch is committed whole: discards are for single records. */
	if (record_size < sizeof(struct zcring_gen_payload) || !period_us ||
	    (batch &&
	     (!burst || burst > ZCRING_SAMPLE_MAX_BATCH || discard_every)))
		return -EINVAL;
	ring = zcring_create(name, size, 0, mode);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	if (hold_ms) {
		held = zcring_reserve(ring, record_size);
		if (IS_ERR(held)) {
			zcring_destroy(ring);
			return PTR_ERR(held);
		}
		zcring_gen_fill(held, record_size, offered++);
		held_until = ktime_add_ms(ktime_get(), hold_ms);
	}
	/* _HARD: the callback runs in hard IRQ context even on PREEMPT_RT. */
	hrtimer_setup(&timer, zcring_sample_tick, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL_HARD);
	hrtimer_start(&timer, ns_to_ktime((u64)period_us * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	return 0;
}

static void __exit zcring_sample_exit(void)
{
	/* The producer stops before its ring goes, as zcring_destroy() asks. */
	hrtimer_cancel(&timer);
	if (held)
		zcring_commit(ring, held);
	zcring_destroy(ring);
}

module_init(zcring_sample_init);
module_exit(zcring_sample_exit);

MODULE_DESCRIPTION("zcring sample producer: an hrtimer streaming into a ring");
MODULE_LICENSE("GPL");
