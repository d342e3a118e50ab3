/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcring's in-kernel API, for modules that produce into a ring.
 *
 * Contexts:
 *   zcring_create(), zcring_destroy()     process context, may sleep
 *   zcring_reserve(), zcring_commit(),
 *   zcring_reserve_batch(),
 *   zcring_commit_batch(),
 *   zcring_discard(), zcring_output()     any context but NMI: process,
 *                                         softirq, hard IRQ; any CPU, any
 *                                         number of producers at once
 *
 * A reservation must be committed or discarded, and soon: the consumer
 * stops at the first record still reserved.  The producer must stop
 * producing (cancel its timers, flush its work) before zcring_destroy().
 */
#ifndef _LINUX_ZCRING_API_H
#define _LINUX_ZCRING_API_H

#include <linux/types.h>

struct zcring;

/*
 * Create a ring named @name with @data_size bytes of data (a power of two,
 * at least a page) and ZCRING_F_* @flags; its device node gets @mode (0:
 * 0600).  Userspace cannot destroy it.  Returns an ERR_PTR on failure, with
 * the errors of ZCRING_IOC_CREATE.
 */
struct zcring *zcring_create(const char *name, u64 data_size, u32 flags,
			     umode_t mode);
/* Remove the ring; it is freed when its last file and mapping go. */
void zcring_destroy(struct zcring *ring);

/*
 * Reserve @size payload bytes.  Returns a pointer to them, or an ERR_PTR:
 * -EMSGSIZE if the ring can never hold such a record, -ENOSPC if it is full
 * now (the record is counted as dropped), -EPIPE if the ring is closed.
 */
void *zcring_reserve(struct zcring *ring, u32 size);
/* Publish a reserved record to the consumer. */
void zcring_commit(struct zcring *ring, void *data);
/* Cancel a reserved record: the consumer skips it. */
void zcring_discard(struct zcring *ring, void *data);
/*
 * Reserve up to @n records of @size payload bytes each, in one step: for a
 * producer with a burst to write, one lock for the burst instead of one per
 * record.  Stores their payloads in @recs[0..] and returns how many it
 * reserved, at least one, the rest counted as dropped; or -ENOSPC if none
 * fits now (all @n counted as dropped), -EINVAL if @n is 0, or the errors
 * of zcring_reserve().  Each record is committed or discarded on its own,
 * or all together with zcring_commit_batch().
 */
int zcring_reserve_batch(struct zcring *ring, u32 size, unsigned int n,
			 void **recs);
/* Commit the @n records in @recs, with one wake-up check for all. */
void zcring_commit_batch(struct zcring *ring, void **recs, unsigned int n);
/* Reserve, copy @size bytes from @data, commit; 0 or reserve's errors. */
int zcring_output(struct zcring *ring, const void *data, u32 size);

#endif /* _LINUX_ZCRING_API_H */
