/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The input format of consume_fuzz, shared with mkcorpus, which writes the
 * seed corpus in it.
 *
 * An input is a struct fuzz_hdr, then data bytes.  The header describes a
 * ring file image (its data size, what its producer and consumer pages
 * hold) and what the harness does with it.  The data bytes are the ring's
 * data as the consumer meets it: byte i lies at ring offset
 * (consumer_pos + i) & (N - 1), so the records a consumer reads first come
 * first in the input whatever consumer_pos is, and seeds stay small.
 * Fewer than N bytes leave the rest zero; bytes beyond N are ignored.  An
 * input shorter than the header is ignored.
 *
 * Fields that mostly make an image the library must refuse are encoded so
 * that zero means "consistent": data_size_xor is applied to the image's
 * real data size, and producer_ahead is added to consumer_pos.  The fuzzer
 * still reaches every value, but does not spend most of its time on rings
 * that do not open.  All fields are little-endian.
 */
#ifndef ZCRING_FUZZ_INPUT_H
#define ZCRING_FUZZ_INPUT_H

#include <linux/types.h>

/* Data sizes: one page << 0 .. FUZZ_SIZE_ORDERS - 1, so 1, 2 or 4 pages. */
#define FUZZ_SIZE_ORDERS 3
/* Rounds of calls on one opened ring: 1 + rounds % FUZZ_MAX_ROUNDS. */
#define FUZZ_MAX_ROUNDS 4

/* What one round calls; fuzz_hdr.paths holds two bits per round. */
enum fuzz_path {
	FUZZ_PATH_CONSUME,	/* zcring_consume() */
	FUZZ_PATH_ITER,		/* zcring_iter_begin(), zcring_peek(), ... */
	FUZZ_PATH_WAIT,		/* zcring_wait(), then zcring_consume() */
	FUZZ_PATH_SET,		/* zcring_set_poll() on a set of this ring */
};

#define FUZZ_PATH_BITS 2
#define FUZZ_PATH_MASK 0x3U

/* fuzz_hdr.opts */
/* The file one page shorter than the image: zcring_open_fd() must refuse it. */
#define FUZZ_OPT_SHORT_IMAGE 0x1U
/* At stop_at the callback fails (the record stays) instead of stopping. */
#define FUZZ_OPT_CB_FAIL 0x2U
/* zcring_open_fd() with ZCRING_OPEN_NONBLOCK. */
#define FUZZ_OPT_NONBLOCK 0x4U
/* The iterator path hands records back after each one, not once a pass. */
#define FUZZ_OPT_END_EACH 0x8U

struct fuzz_hdr {
	__u8 size_order;	/* N = page size << (size_order % 3) */
	__u8 paths;		/* round r: (paths >> 2r) & 3, an enum fuzz_path */
	__u8 rounds;		/* 1 + rounds % FUZZ_MAX_ROUNDS */
	__u8 opts;		/* FUZZ_OPT_* */
	/* zcring_consume()'s max, and the iterator's per pass (0: no limit). */
	__u32 max_records;
	/* The callback stops at this record of a call, 1-based; 0: never. */
	__u32 stop_at;
	/* The producer page. */
	__u32 abi_version;
	__u32 flags;
	__u32 state;
	__u64 data_size_xor;	/* data_size = N ^ data_size_xor */
	__u64 producer_ahead;	/* producer_pos = consumer_pos + this */
	__u64 dropped_records;
	__u64 dropped_bytes;
	/* The consumer page. */
	__u64 consumer_pos;
	__u64 wake_watermark;
} __attribute__((packed));

/*
 * The longest input that means anything: the header and the data of the
 * largest ring, in 4 KiB pages.  The harness gives it to libFuzzer, which
 * would otherwise stop growing inputs at the largest seed's size.
 */
#define FUZZ_MAX_LEN (sizeof(struct fuzz_hdr) + (4096 << (FUZZ_SIZE_ORDERS - 1)))

#endif /* ZCRING_FUZZ_INPUT_H */
