/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libzcring: read zcring rings in place, straight out of their mapping.
 *
 * Functions return 0 or a positive count on success and a negative errno on
 * failure; they do not set errno.  Symbols are versioned (libzcring.map).
 *
 * A struct zcring is one consumer of one ring.  It is not thread-safe: use
 * it from one thread at a time.  A ring has one consumer position, in its
 * consumer page, so two consumers of the same ring (two handles, or two
 * processes) take records from under each other; the library does not
 * stop that, and does not support it.
 */
#ifndef LIBZCRING_H
#define LIBZCRING_H

#include <errno.h>
#include <linux/zcring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBZCRING_MAJOR_VERSION 0
#define LIBZCRING_MINOR_VERSION 1

/*
 * The version of the library actually loaded, which may differ from the
 * LIBZCRING_*_VERSION macros a program was built with.
 */
unsigned int zcring_version_major(void);
unsigned int zcring_version_minor(void);
/* "MAJOR.MINOR", static storage. */
const char *zcring_version_string(void);

/* ---- opening a ring ---------------------------------------------------- */

struct zcring;

/*
 * zcring_open() flags.  NONBLOCK: the ring's file descriptor gets
 * O_NONBLOCK.  A handle consumes unless it is opened with one of the
 * other two, which map nothing and so take no consumer role and fault in
 * no page of the ring: INSPECT opens the device read-only, for the info,
 * stats, state and drops of a ring one may only read; PRODUCE opens it
 * read-write, for write() on zcring_fd() and zcring_generate().  Without
 * the mapping, zcring_closed() and zcring_dropped_records() ask the kernel
 * (poll() and the stats; a file image is read).
 */
#define ZCRING_OPEN_NONBLOCK (1U << 0)
#define ZCRING_OPEN_INSPECT (1U << 1)
#define ZCRING_OPEN_PRODUCE (1U << 2)
#define ZCRING_OPEN_ALL \
	(ZCRING_OPEN_NONBLOCK | ZCRING_OPEN_INSPECT | ZCRING_OPEN_PRODUCE)

/*
 * Open and map a ring: a name without '/' is ZCRING_DEV_DIR "/" name, one
 * with '/' a path.  The device is opened read-write, because the consumer
 * page is written, unless the flags say INSPECT.  Errors: those of open()
 * and mmap(); -EBUSY when another open file holds the ring's consumer role
 * (see the uapi header); -EINVAL for unknown flags, or INSPECT with
 * PRODUCE; -ENAMETOOLONG for a name of ZCRING_NAME_MAX bytes or more;
 * -EPROTO when the ring does not speak this ABI (ABI version, page size, a
 * data size that is not a power of two of at least a page, or a producer
 * page that disagrees with ZCRING_IOC_INFO).
 *
 * Consumption starts at the consumer page's consumer_pos, so a ring
 * consumed before resumes where its last consumer stopped.  A handle that
 * does not consume gets -EBADF from zcring_iter_begin(), zcring_consume(),
 * zcring_wait(), zcring_set_add() and zcring_set_watermark().
 */
int zcring_open(const char *name_or_path, unsigned int flags,
		struct zcring **ringp);

/*
 * The same from a file descriptor the caller keeps: the ring holds its own
 * duplicate (close-on-exec), closed by zcring_close().  The duplicate
 * shares the caller's open file description, so ZCRING_OPEN_NONBLOCK sets
 * O_NONBLOCK on the caller's descriptor as well, and a consuming handle
 * takes the consumer role for the caller's file.  INSPECT and PRODUCE only
 * leave the ring unmapped: the descriptor's access mode is the caller's.
 *
 * A file without the zcring ioctls (a memfd or a regular file: the INFO
 * ioctl fails with ENOTTY) is taken as a file image of a ring, laid out as
 * the mapping is: consumer page, producer page, data, data again, at least
 * 2 pages + 2 * data_size bytes; its geometry comes from its producer page.
 * The file has no double mapping: whoever writes it must write the data
 * twice, byte for byte, so that a record wrapping at the end of the first
 * copy reads on into the second.  zcring_info(), zcring_stats() and
 * zcring_generate() fail with -ENOTTY on it.  A file image that is too
 * short, or whose producer page has another ABI version or a bad data size,
 * gets -EPROTO.  Tests and tools use this to run without the kernel.
 */
int zcring_open_fd(int fd, unsigned int flags, struct zcring **ringp);

/* Unmap and close; NULL is fine. */
void zcring_close(struct zcring *ring);

/* The ring's file descriptor, for the caller's own poll or epoll. */
int zcring_fd(const struct zcring *ring);

/* ZCRING_IOC_INFO and ZCRING_IOC_STATS, as the kernel fills them. */
int zcring_info(struct zcring *ring, struct zcring_info *info);
int zcring_stats(struct zcring *ring, struct zcring_stats *st);

/* N, the ring's data size in bytes. */
__u64 zcring_data_size(const struct zcring *ring);
/* 1 once the ring is closed (destroyed): no more records will come. */
int zcring_closed(struct zcring *ring);
/* The producer page's count of records refused for lack of space. */
__u64 zcring_dropped_records(struct zcring *ring);

/*
 * Bytes of records that must be waiting before a blocked consumer is
 * woken (0: the first record wakes it); -EINVAL above the data size.  The
 * kernel caps it at half the ring.
 */
int zcring_set_watermark(struct zcring *ring, __u64 bytes);

/* ---- consuming: the iterator ------------------------------------------- */

/*
 * A pass over the ring's ready records, with no system call and no copy:
 *
 *	struct zcring_iter it;
 *	const void *data;
 *	__u32 len;
 *
 *	zcring_iter_begin(ring, &it);
 *	while (zcring_peek(&it, &data, &len) > 0) {
 *		use(data, len);
 *		zcring_release(&it);
 *	}
 *	zcring_iter_end(&it);
 *
 * Records are passed locally by zcring_release() and handed back to the
 * producer by zcring_iter_end(), all at once: one store to the consumer
 * page per batch.  A payload stays valid until zcring_iter_end(); after
 * that the producer may write over it.
 *
 * The iterator works on the ring's own position: zcring_iter_end() moves
 * the handle's position and the consumer page's together, so the next
 * iterator, or zcring_consume(), starts where this one ended.  Use one
 * iterator per handle at a time; the handle must outlive it.
 *
 * The fields are private to the inline functions below.
 */
struct zcring_iter {
	__u64 pos;		/* the next record */
	__u64 limit;		/* producer_pos, as last read */
	__u64 start;		/* the position last published */
	__u64 mask;		/* data size - 1 */
	__u64 size;		/* data size */
	const __u8 *data;	/* the first copy of the data */
	const struct zcring_producer_page *prod;
	struct zcring_consumer_page *cons;
	__u64 *ring_pos;	/* the handle's position */
	__u32 rec_size;		/* the record peeked, header and padding */
	int fd;			/* the ring's, for wake-ups; -1: a file image */
};

/* Start a pass at the ring's position.  0, -EINVAL, or -EBADF. */
int zcring_iter_begin(struct zcring *ring, struct zcring_iter *it);

/*
 * The next committed record: 1 and its payload, in place in the mapping,
 * and length; 0 when none is ready (the ring is empty, or the next record
 * is still being written).  Discarded records are passed over.  Calling it
 * again before zcring_release() gives the same record.
 *
 * -EBADMSG when the positions or a record header make no sense: a producer
 * position behind the consumer's, more than the data size ahead of it or
 * misaligned; a misaligned consumer position; an empty record (no
 * producer makes one), a record longer than the ring can hold, or one
 * reaching past the producer position.  Nothing outside the mapping is
 * read, whatever the producer page and the data hold.
 */
static inline int zcring_peek(struct zcring_iter *it, const void **data,
			      __u32 *len)
{
	const struct zcring_rec_hdr *hdr;
	__u64 avail, rec_size;
	__u32 hlen, plen;

	for (;;) {
		if (it->pos == it->limit) {
			__u64 prod = __atomic_load_n(&it->prod->producer_pos,
						     __ATOMIC_ACQUIRE);

			/* Unsigned: a producer behind us is far ahead. */
			if (prod - it->pos > it->size ||
			    ((prod | it->pos) & (ZCRING_REC_ALIGN - 1)))
				return -EBADMSG;
			it->limit = prod;
			if (prod == it->pos)
				return 0;
		}
		avail = it->limit - it->pos;
		/* Aligned and below the size: the header is in the mapping. */
		hdr = (const struct zcring_rec_hdr *)(it->data +
						      (it->pos & it->mask));
		/* Acquire: the payload is written before the header. */
		hlen = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE);
		if (hlen & ZCRING_REC_BUSY)
			return 0;
		plen = hlen & ZCRING_REC_LEN_MASK;
		if (!plen || plen > it->size - sizeof(*hdr))
			return -EBADMSG;
		rec_size = ZCRING_REC_SIZE(plen);
		if (rec_size > avail)
			return -EBADMSG;
		if (hlen & ZCRING_REC_DISCARD) {
			it->pos += rec_size;
			continue;
		}
		it->rec_size = (__u32)rec_size;
		*data = hdr + 1;
		*len = plen;
		return 1;
	}
}

/* Pass the record last peeked, locally: nothing is published yet. */
static inline void zcring_release(struct zcring_iter *it)
{
	it->pos += it->rec_size;
	it->rec_size = 0;
}

/*
 * Wake the producers waiting for space, with one system call: what
 * zcring_iter_end() does when the kernel says some wait.  0 or -errno.
 */
int zcring_iter_wake(const struct zcring_iter *it);

/*
 * Hand the records passed back to the producer: one release store to the
 * consumer page, none if nothing was passed, and a system call only when
 * producers wait for the space (ZCRING_WAIT_SPACE).  The iterator may go
 * on, and be ended again.
 */
static inline void zcring_iter_end(struct zcring_iter *it)
{
	it->rec_size = 0;
	if (it->pos == it->start)
		return;
	*it->ring_pos = it->pos;
	/* Release: we are done reading what the producer may now reuse. */
	__atomic_store_n(&it->cons->consumer_pos, it->pos, __ATOMIC_RELEASE);
	it->start = it->pos;
	/*
	 * The position before the flag: pairs with the kernel's barrier
	 * between setting the flag and reading the position, so that either
	 * a waiting producer sees the space or we see it waiting.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&it->prod->wait_flags, __ATOMIC_RELAXED) &
	    ZCRING_WAIT_SPACE)
		zcring_iter_wake(it);
}

/*
 * The header's seq of a record, from a payload pointer that zcring_peek()
 * or a zcring_record_fn was given: the header sits just before it.
 */
static inline __u32 zcring_rec_seq(const void *data)
{
	return ((const struct zcring_rec_hdr *)data - 1)->seq;
}

/* ---- consuming: callbacks and waiting ---------------------------------- */

/*
 * Called for each record, with its payload in place.  Return 0 to go on,
 * > 0 to stop after this record (it counts as consumed), < 0 to stop with
 * that error: the record is not consumed and comes again next time.
 */
typedef int (*zcring_record_fn)(void *ctx, const void *data, __u32 len);

/*
 * Consume up to max ready records (0: all that are ready, at most INT_MAX),
 * publishing the position once, at the end.  Returns the number consumed,
 * or a negative errno: the callback's, or -EBADMSG (see zcring_peek()).
 * Records consumed before an error stay consumed.
 */
int zcring_consume(struct zcring *ring, zcring_record_fn fn, void *ctx,
		   unsigned int max);

/*
 * Wait until a record is ready (as the kernel's poll sees it, so at least
 * the watermark's bytes), up to timeout_ms (< 0: forever).  1 when ready,
 * 0 on timeout, -EPIPE once the ring is closed and no record is left,
 * -EINTR when a signal came, or another negative errno.  On a file image
 * it returns at once: poll() says a regular file is always ready.
 */
int zcring_wait(struct zcring *ring, int timeout_ms);

/* ---- many rings: a set -------------------------------------------------- */

/*
 * Rings consumed together, each with its own callback, waiting in one
 * epoll.  The set does not own its rings: close them after removing them
 * or freeing the set.
 */
struct zcring_set;

int zcring_set_new(struct zcring_set **setp);
/* Frees the set, not its rings; NULL is fine. */
void zcring_set_free(struct zcring_set *set);
/*
 * Add a ring, consumed with fn(ctx, ...).  -EEXIST if it is in the set.
 * A file image cannot be polled (epoll refuses regular files): it is taken
 * as always ready, as poll() takes it, and zcring_set_poll() then does not
 * sleep.
 */
int zcring_set_add(struct zcring_set *set, struct zcring *ring,
		   zcring_record_fn fn, void *ctx);
/* -ENOENT if the ring is not in the set. */
int zcring_set_remove(struct zcring_set *set, struct zcring *ring);
/* The epoll file descriptor, to nest the set in the caller's own loop. */
int zcring_set_fd(const struct zcring_set *set);
/*
 * Wait up to timeout_ms (< 0: forever) for rings to be ready, then consume
 * every ready record of each.  Returns the number of records consumed (0 on
 * timeout), or a negative errno: the first error of a zcring_consume(),
 * records consumed before it staying consumed, or epoll's.  A ring found
 * closed and empty is no longer waited for; once every ring of a non-empty
 * set is closed and empty, it returns -EPIPE.  The callbacks must not add
 * rings to the set or remove them.
 */
int zcring_set_poll(struct zcring_set *set, int timeout_ms);

/* ---- the control device ------------------------------------------------ */

/*
 * Create and destroy rings through ZCRING_CONTROL_PATH; the kernel's errors
 * are listed in linux/zcring.h.  -ENAMETOOLONG, before asking the kernel,
 * for a name of ZCRING_NAME_MAX bytes or more; -ENOENT when the control
 * device is missing (the module is not loaded).  mode 0 means 0600.
 */
int zcring_create(const char *name, __u64 data_size, __u32 flags, __u32 mode);
int zcring_destroy(const char *name);

/*
 * The names of the rings, sorted, from ZCRING_SYSFS_DIR: the first max of
 * them in names (which may be NULL when max is 0).  Returns how many rings
 * there are, which may be more than max, or a negative errno: -ENOENT when
 * the directory is missing (the module is not loaded).
 */
int zcring_list(char (*names)[ZCRING_NAME_MAX], unsigned int max);

/*
 * ZCRING_IOC_GENERATE: offer count records of record_size payload bytes
 * (ZCRING_GEN_* flags).  committed and dropped may be NULL.
 */
int zcring_generate(struct zcring *ring, __u64 count, __u32 record_size,
		    __u32 flags, __u64 *committed, __u64 *dropped);

/*
 * Fill len bytes at payload as the kernel generator fills record seq's
 * (struct zcring_gen_payload in linux/zcring.h), so that a userspace
 * producer makes records zcring_gen_verify() accepts.  0, or -EINVAL when
 * payload is NULL or len is below sizeof(struct zcring_gen_payload).  Any
 * alignment.
 */
int zcring_gen_fill(void *payload, __u32 len, __u64 seq);

/*
 * Check a generator record's payload (struct zcring_gen_payload in
 * linux/zcring.h): 0 if it is right, -EBADMSG if not.  *seq (seq may be
 * NULL) is set to the payload's seq whenever len holds a header, right or
 * not, so that a caller can say which record was bad.
 */
int zcring_gen_verify(const void *payload, __u32 len, __u64 *seq);

#ifdef __cplusplus
}
#endif

#endif /* LIBZCRING_H */
