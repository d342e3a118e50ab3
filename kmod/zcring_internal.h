/* SPDX-License-Identifier: GPL-2.0 */
/* What the files of the zcring module share. */
#ifndef _ZCRING_INTERNAL_H
#define _ZCRING_INTERNAL_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/version.h>
#include <linux/wait.h>
#include <linux/zcring.h>
#include <linux/zcring_api.h>

/* 6.3 made vma->vm_flags read-only behind these helpers. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#define ZCRING_HDR_SIZE sizeof(struct zcring_rec_hdr)

/* ring->wake_flags */
#define ZCRING_WAKE_PENDING 0	/* a consumer was woken and has not waited since */

struct zcring {
	struct kref ref;
	/* Serialises reservations: producer_pos and seq. */
	raw_spinlock_t lock;
	u64 producer_pos;	/* authoritative; mirrored in the producer page */
	u64 seq;		/* reservations so far */
	bool closed;

	u64 data_size;
	u64 mask;
	u32 flags;
	bool kernel_owned;	/* created by zcring_create(): userspace cannot destroy it */

	/* One contiguous kernel mapping: consumer page, producer page, data twice. */
	void *vaddr;
	struct zcring_consumer_page *cons;
	struct zcring_producer_page *prod;
	u8 *data;
	struct page **pages;	/* indexed by mmap page offset */
	unsigned long nr_pages;	/* 2 + 2 * data pages */

	wait_queue_head_t waitq;	/* consumers waiting for records */
	wait_queue_head_t space_waitq;	/* producers waiting for space */
	unsigned long wake_flags;
	struct mutex read_lock;		/* one read() at a time */

	atomic64_t committed_records;
	atomic64_t committed_bytes;
	atomic64_t discarded_records;
	atomic64_t wakeups;
	atomic64_t faults;
	atomic64_t gen_seq;

	char name[ZCRING_NAME_MAX];
	umode_t mode;
	int minor;
	struct device *dev;
};

/* zcring_ring.c: memory, positions, reservations, wake-ups */
struct zcring *zcring_alloc(u64 data_size, u32 flags);
void zcring_get(struct zcring *ring);
void zcring_put(struct zcring *ring);
void zcring_close(struct zcring *ring);
u64 zcring_consumer_pos(struct zcring *ring);
u64 zcring_max_payload(struct zcring *ring);
void *__zcring_reserve(struct zcring *ring, u32 size, bool count_drop);
bool zcring_has_space(struct zcring *ring, u32 size);
bool zcring_readable(struct zcring *ring);
void zcring_wake_space(struct zcring *ring);
void zcring_get_stats(struct zcring *ring, struct zcring_stats *st);

/* zcring_gen.c: the generator */
int zcring_generate(struct zcring *ring, struct zcring_generate *gen);

/* zcring_dev.c: ring device nodes */
extern const struct file_operations zcring_ring_fops;

/* zcring_main.c: the registry of rings */
struct zcring *zcring_lookup_minor(int minor);

#endif /* _ZCRING_INTERNAL_H */
