/* SPDX-License-Identifier: GPL-2.0 */
/* What the files of the zcring module share. */
#ifndef _ZCRING_INTERNAL_H
#define _ZCRING_INTERNAL_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/sizes.h>
#include <linux/wait.h>
#include <linux/zcring.h>
#include <linux/zcring_api.h>

#include "zcring_compat.h"

#define ZCRING_HDR_SIZE sizeof(struct zcring_rec_hdr)
/* The hard ceiling on data_size: record lengths must fit ZCRING_REC_LEN_MASK. */
#define ZCRING_DATA_SIZE_LIMIT SZ_1G
/* Rings at once, and so device minors. */
#define ZCRING_MAX_RINGS 256

/* ring->wake_flags */
/* A wake-up was sent and no consumer has come back to wait since. */
#define ZCRING_WAKE_PENDING 0

/*
 * What commits count.  Updated with this_cpu_add() (one instruction, safe
 * against interrupts) and summed over the CPUs by the stats ioctl.
 */
struct zcring_counters {
	u64 committed_records;
	u64 committed_bytes;
	u64 discarded_records;
};

struct zcring {
	/* Held by the registry, each open file, each mapping, the creator. */
	struct kref ref;

	/*
	 * Serialises reservations: producer_pos, pending_pos, seq, the
	 * producer page's state (closed) and the drop counters.  A raw
	 * spinlock taken with interrupts off, so that producers may run in
	 * hard IRQ context, on PREEMPT_RT too.
	 */
	raw_spinlock_t lock;
	u64 producer_pos; /* mirrored in the producer page */
	u64 pending_pos; /* the oldest record that may still be busy */
	u64 seq; /* reservations so far */
	u64 dropped_records; /* mirrored in the producer page */
	u64 dropped_bytes;
	u64 drops_seen; /* dropped_records when a consumer was last told */

	u64 data_size;
	u64 mask;
	u32 max_payload;
	u32 flags;
	bool kernel_owned; /* from zcring_create(): userspace cannot destroy it */
	kuid_t charged_uid; /* the user charged for it, if charged_bytes */
	u64 charged_bytes; /* released with the memory, in zcring_free() */

	/*
	 * One kernel mapping of every page in mmap order: consumer page,
	 * producer page, then the data pages twice, so that a record that
	 * wraps is contiguous here as in userspace.
	 */
	void *vaddr;
	struct zcring_consumer_page *cons;
	struct zcring_producer_page *prod;
	u8 *data;
	struct page **pages; /* indexed by mmap page offset */
	unsigned long nr_pages; /* 2 + 2 * data pages */

	wait_queue_head_t waitq; /* consumers waiting for records */
	wait_queue_head_t space_waitq; /* producers waiting for space */
	u64 space_woken_pos; /* the consumer position at the last wake-up */
	struct irq_work wake_work; /* wakes waitq from any context */
	unsigned long wake_flags;
	u64 wake_commit_ns; /* the commit that queued it; for tracing */
	struct mutex read_lock; /* one read() at a time */
	/* The one file that may consume: see zcring_take_consumer(). */
	struct file *consumer;

	/* Per CPU: commits from many CPUs share no cache line for them. */
	struct zcring_counters __percpu *counters;
	atomic64_t wakeups;
	atomic64_t faults;
	atomic64_t gen_seq;

	char name[ZCRING_NAME_MAX];
	/* The node's: its creator's fsuid and fsgid, root for the kernel's. */
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	int minor;
	struct device *dev;
};

/* Records: size with header and padding, header at a position. */
static inline u64 zcring_rec_size(u32 len)
{
	return ZCRING_REC_SIZE(len & ZCRING_REC_LEN_MASK);
}

static inline struct zcring_rec_hdr *zcring_hdr_at(struct zcring *ring, u64 pos)
{
	return (struct zcring_rec_hdr *)(ring->data + (pos & ring->mask));
}

/* The length word of the record at @pos. */
static inline u32 zcring_hdr_len(struct zcring *ring, u64 pos)
{
	/*
	 * Pairs with the commit's release: a committed record's payload is
	 * visible, and its space is not reused before it was read.
	 */
	return smp_load_acquire(&zcring_hdr_at(ring, pos)->len);
}

/*
 * Whether a consumer position read from the consumer page can be a
 * record's: not ahead of @prod, not behind it by more than the ring, and
 * aligned.  Every use of the position checks this first; an untrusted one
 * makes the ring look full to producers and corrupt to readers.
 */
static inline bool zcring_cons_trusted(struct zcring *ring, u64 cons, u64 prod)
{
	return prod - cons <= ring->data_size && !(cons % ZCRING_REC_ALIGN);
}

/*
 * Whether the length word @len read at @pos, with the producer at @prod,
 * can be a record's: not empty (no producer commits one), no longer than
 * the ring holds, and ending by @prod.  A position that is not at a
 * record's header, a consumer's scribble, meets one that is not.
 */
static inline bool zcring_rec_sane(struct zcring *ring, u32 len, u64 pos,
				   u64 prod)
{
	u32 size = len & ZCRING_REC_LEN_MASK;

	return size && size <= ring->max_payload &&
	       zcring_rec_size(len) <= prod - pos;
}

/* zcring_ring.c: memory, positions, reservations, wake-ups */
struct zcring *zcring_alloc(u64 data_size, u32 flags);
void zcring_get(struct zcring *ring);
void zcring_put(struct zcring *ring);
void zcring_mark_closed(struct zcring *ring);
int __zcring_reserve_batch(struct zcring *ring, u32 size, unsigned int n,
			   void **recs, bool count_drop);
void *__zcring_reserve(struct zcring *ring, u32 size, bool count_drop);
bool zcring_has_space(struct zcring *ring, u32 size);
bool zcring_is_closed(struct zcring *ring);
bool zcring_consumer_ready(struct zcring *ring);
void zcring_wake_producers(struct zcring *ring);
bool zcring_space_or_wait(struct zcring *ring, u32 size);
int zcring_wait_space(struct zcring *ring, u32 size);
void zcring_get_stats(struct zcring *ring, struct zcring_stats *st);

/* zcring_quota.c: per-user limits */
int zcring_user_charge(kuid_t uid, u64 bytes);
void zcring_user_uncharge(kuid_t uid, u64 bytes);

/* zcring_gen.c: the generator ioctl */
void zcring_gen_init(void);
int zcring_generate(struct zcring *ring, struct zcring_generate *gen);

/* zcring_dev.c: the ring device's file operations */
extern const struct file_operations zcring_ring_fops;

/* zcring_control.c: the registry of rings and the control device */
struct zcring *zcring_get_for_inode(struct inode *inode);

#endif /* _ZCRING_INTERNAL_H */
