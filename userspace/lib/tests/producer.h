/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * An in-process test producer: a ring "file image" in a memfd, laid out as
 * the kernel's mapping is (consumer page, producer page, data, data again),
 * written with the kernel's protocol, so that libzcring can be tested on
 * the host, without the module, by opening tprod_fd() with zcring_open_fd().
 *
 * A file has no double mapping, so the producer writes every data byte into
 * both copies itself: a record wrapping at the end of the first copy then
 * reads on, contiguous, into the second, as it does from the kernel.
 *
 * Not thread-safe: one producer thread, as the tests need no more.
 */
#ifndef ZCRING_TEST_PRODUCER_H
#define ZCRING_TEST_PRODUCER_H

#include <stddef.h>
#include <linux/zcring.h>

struct tprod {
	int fd;			/* the memfd, for zcring_open_fd() */
	size_t page_size;
	__u64 size;		/* N, the data size */
	void *map;		/* the whole file, read-write */
	size_t map_len;		/* 2 pages + 2N */
	struct zcring_consumer_page *cons;
	struct zcring_producer_page *prod;
	__u8 *data;		/* the first copy; the second follows it */
	__u64 pos;		/* our producer_pos, as the kernel keeps it */
	__u32 seq;		/* the next record's header seq */
};

/*
 * Build an empty ring of data_size bytes (a power of two of at least a
 * page).  0 or a negative errno.  The image is left exactly as the kernel
 * leaves a new ring: zeroed, with abi_version, flags and data_size set.
 */
int tprod_init(struct tprod *p, __u64 data_size);
void tprod_fini(struct tprod *p);
int tprod_fd(const struct tprod *p);

/*
 * Reserve a record of len payload bytes, as the kernel does: its header is
 * written busy, then producer_pos moves on.  *payload points at it, in the
 * first copy and running into the second when it wraps; write it there.
 * 0, or -EINVAL (len 0), -EMSGSIZE (can never fit), -EPIPE (closed) or
 * -ENOSPC (full for now: counted as a drop in the producer page).
 */
int tprod_reserve(struct tprod *p, __u32 len, void **payload);
/* Publish a reserved record: mirrored, then the header's busy bit cleared. */
void tprod_commit(struct tprod *p, void *payload);
/* Cancel a reserved record: the consumer will skip it. */
void tprod_discard(struct tprod *p, void *payload);

/* Reserve, copy and commit one record: 0 or tprod_reserve()'s error. */
int tprod_write(struct tprod *p, const void *buf, __u32 len);
/* The same with a generator payload for seq (zcring_gen_fill()). */
int tprod_write_gen(struct tprod *p, __u32 len, __u64 seq);
/* The same with len bytes of one value, for records told apart by it. */
int tprod_write_fill(struct tprod *p, __u8 byte, __u32 len);

/* The consumer page's consumer_pos, as the consumer last published it. */
__u64 tprod_consumer_pos(const struct tprod *p);

/*
 * Tampering, to play a hostile or broken producer.  These write the image
 * only; the producer's own position and seq stay as they were.
 */
/* Store pos as the producer page's producer_pos. */
void tprod_set_producer_pos(struct tprod *p, __u64 pos);
/* Store raw as the len of the header at ring position pos, both copies. */
void tprod_set_hdr_len(struct tprod *p, __u64 pos, __u32 raw);
/* Mark the ring closed: later reservations get -EPIPE. */
void tprod_close(struct tprod *p);

#endif /* ZCRING_TEST_PRODUCER_H */
