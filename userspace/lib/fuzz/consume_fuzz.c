// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * consume_fuzz: a libFuzzer harness for libzcring's consume paths.  Each
 * input is a ring file image whose producer page, consumer page and data
 * hold whatever the fuzzer likes (fuzz_input.h); the harness opens it with
 * zcring_open_fd() and consumes it for a few rounds, by zcring_consume(),
 * the inline iterator, zcring_wait() and a set.
 *
 * What must hold, whatever the image says:
 *  - zcring_open_fd() opens the image exactly when it is consistent, and
 *    says -EPROTO otherwise;
 *  - every payload handed out lies inside the library's mapping of the data
 *    (both copies), behind a committed header of its length.  AddressSani-
 *    tizer does not watch mmap()ed memory, so an overrun would read on into
 *    whatever is mapped next, or fault; only this check proves there is
 *    none;
 *  - every call returns a count or an error that libzcring.h documents, and
 *    keeps saying it: a ring found drained stays drained, one found broken
 *    stays broken, and a record a callback refused comes first next time;
 *  - no call hands out more records than the ring can hold, and the
 *    position never passes the producer's.  A loop that does not end is
 *    left to libFuzzer's -timeout.
 * A failed check aborts, which libFuzzer reports as a crash and saves the
 * input of.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "fuzz_input.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len);

#define HDR_SIZE sizeof(struct zcring_rec_hdr)
/* The smallest record a ring can hold: a header and one byte, padded. */
#define MIN_REC_SIZE 16

#define CHECK(cond) ((cond) ? (void)0 : check_failed(#cond, __LINE__))

static void __attribute__((noreturn)) check_failed(const char *what, int line)
{
	fprintf(stderr, "consume_fuzz.c:%d: check failed: %s\n", line, what);
	abort();
}

/*
 * One memfd and one buffer to build images in, made once: a new memfd per
 * input would cost more than the library's work on it.  Each input
 * truncates the file to its own length and writes all of it, so nothing of
 * the previous input is left.
 */
static struct {
	int fd;
	size_t page;
	__u8 *buf;
} img = { .fd = -1 };

/* Where the payload bytes go, so that reading them is not optimised away. */
static volatile __u8 payload_sink;

static void image_init(void)
{
	long page;

	if (img.fd >= 0)
		return;
	page = sysconf(_SC_PAGESIZE);
	CHECK(page > 0);
	img.page = page;
	img.fd = memfd_create("consume_fuzz", MFD_CLOEXEC);
	CHECK(img.fd >= 0);
	/* Two pages, and the largest data size twice. */
	img.buf = malloc(2 * img.page +
			 2 * (img.page << (FUZZ_SIZE_ORDERS - 1)));
	CHECK(img.buf != NULL);
}

/*
 * libFuzzer reads its flags after this: add -max_len=FUZZ_MAX_LEN unless
 * the command line sets one, so that the input size follows the header
 * wherever the fuzzer is run from.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char max_len[32];
	char **args;
	int i;

	for (i = 1; i < *argc; i++)
		if (!strncmp((*argv)[i], "-max_len=", 9))
			return 0;
	args = calloc(*argc + 2, sizeof(*args));
	CHECK(args != NULL);
	memcpy(args, *argv, *argc * sizeof(*args));
	snprintf(max_len, sizeof(max_len), "-max_len=%zu", FUZZ_MAX_LEN);
	args[(*argc)++] = max_len;
	*argv = args;
	return 0;
}

static void decode_hdr(struct fuzz_hdr *h, const uint8_t *buf)
{
	memcpy(h, buf, sizeof(*h));
	h->max_records = le32toh(h->max_records);
	h->stop_at = le32toh(h->stop_at);
	h->abi_version = le32toh(h->abi_version);
	h->flags = le32toh(h->flags);
	h->state = le32toh(h->state);
	h->data_size_xor = le64toh(h->data_size_xor);
	h->producer_ahead = le64toh(h->producer_ahead);
	h->dropped_records = le64toh(h->dropped_records);
	h->dropped_bytes = le64toh(h->dropped_bytes);
	h->consumer_pos = le64toh(h->consumer_pos);
	h->wake_watermark = le64toh(h->wake_watermark);
}

/*
 * Write the image of a ring of size data bytes into the memfd: consumer
 * page, producer page, data, and the data again, which the kernel's double
 * mapping shows and a file must hold as a copy.  Returns the file's length.
 */
static size_t build_image(const struct fuzz_hdr *h, const __u8 *in,
			  size_t in_len, __u64 size)
{
	struct zcring_consumer_page *cons = (void *)img.buf;
	struct zcring_producer_page *prod = (void *)(img.buf + img.page);
	__u8 *data = img.buf + 2 * img.page;
	size_t len = 2 * img.page + 2 * size;
	size_t off = h->consumer_pos & (size - 1), first;

	memset(img.buf, 0, len);
	cons->consumer_pos = h->consumer_pos;
	cons->wake_watermark = h->wake_watermark;
	prod->producer_pos = h->consumer_pos + h->producer_ahead;
	prod->abi_version = h->abi_version;
	prod->flags = h->flags;
	prod->data_size = size ^ h->data_size_xor;
	prod->state = h->state;
	prod->dropped_records = h->dropped_records;
	prod->dropped_bytes = h->dropped_bytes;

	/* The input's data starts where the consumer does (fuzz_input.h). */
	if (in_len > size)
		in_len = size;
	first = in_len < size - off ? in_len : size - off;
	memcpy(data + off, in, first);
	memcpy(data, in + first, in_len - first);
	memcpy(data + size, data, size);

	if (h->opts & FUZZ_OPT_SHORT_IMAGE)
		len -= img.page;
	CHECK(ftruncate(img.fd, len) == 0);
	CHECK(pwrite(img.fd, img.buf, len, 0) == (ssize_t)len);
	return len;
}

/*
 * What zcring_open_fd() must answer (libzcring.h): -EPROTO for another ABI
 * version, a data size that is not a power of two of at least a page, or a
 * file too short for the two pages and twice the data size the producer
 * page claims.  A claimed size smaller than the image's is a smaller ring.
 */
static int expected_open(const struct fuzz_hdr *h, __u64 claimed,
			 size_t file_len)
{
	if (h->abi_version != ZCRING_ABI_VERSION)
		return -EPROTO;
	if (!claimed || (claimed & (claimed - 1)) || claimed < img.page)
		return -EPROTO;
	/* file_len holds at least three pages. */
	if ((file_len - 2 * img.page) / 2 < claimed)
		return -EPROTO;
	return 0;
}

/* What the harness knows of a ring so far, from the answers it had. */
enum ring_state {
	RING_LIVE,	/* records may be left */
	RING_DRAINED,	/* a call found none ready: none will come */
	RING_BROKEN,	/* a call said -EBADMSG: every call will */
};

/* How a call ended. */
enum call_end {
	END_EMPTY,	/* nothing more was ready */
	END_BAD,	/* -EBADMSG */
	END_LIMIT,	/* max_records, or the callback said stop */
	END_FAILED,	/* the callback failed: its record stays */
};

struct run {
	struct fuzz_hdr h;
	struct zcring *ring;
	struct zcring_set *set;
	__u64 size;		/* the ring's data size, as opened */
	__u64 pos0;		/* consumer_pos at open */
	__u64 prod;		/* producer_pos: nothing moves it */
	bool closed;
	unsigned int max;	/* max_records, as zcring_consume() takes it */
	enum ring_state state;
	/*
	 * Once settled, the position stays.  It is taken one call late:
	 * zcring_wait() and a set look ahead without moving the position,
	 * so the next call may still pass discarded records.
	 */
	bool settled;
	__u64 settled_pos;
	/* The record a failed callback left: the next call starts with it. */
	const void *pending;
	__u32 pending_len;
	__u64 consumed;		/* records consumed, all calls */
	/* The call in progress. */
	unsigned int seen;	/* records handed out */
	bool stopped;		/* the callback returned > 0 */
	bool failed;		/* the callback returned < 0 */
	bool had_pending;
};

/* Every record handed out, by any path. */
static void check_record(struct run *run, const void *data, __u32 len)
{
	uintptr_t lo = (uintptr_t)run->ring->data;
	uintptr_t hi = lo + 2 * run->size;
	uintptr_t p = (uintptr_t)data;
	const struct zcring_rec_hdr *hdr;
	volatile const __u8 *b = data;
	__u32 raw, i;
	__u8 sum = 0;

	/* Its header in the first copy, aligned; the payload in the mapping. */
	CHECK(p >= lo + HDR_SIZE && p - HDR_SIZE - lo < run->size);
	CHECK((p - lo) % ZCRING_REC_ALIGN == 0);
	CHECK(len >= 1 && len <= run->size - HDR_SIZE);
	CHECK(len <= hi - p);
	/* A committed record, of the length we were given. */
	hdr = (const struct zcring_rec_hdr *)(p - HDR_SIZE);
	raw = __atomic_load_n(&hdr->len, __ATOMIC_RELAXED);
	CHECK((raw & ZCRING_REC_LEN_MASK) == len);
	CHECK(!(raw & (ZCRING_REC_BUSY | ZCRING_REC_DISCARD)));
	/* None after the ring said it had no more. */
	CHECK(run->state == RING_LIVE);
	/* No more in one call than the ring holds: a call that loops. */
	CHECK(++run->seen <= run->size / MIN_REC_SIZE);
	if (run->seen == 1 && run->pending) {
		CHECK(data == run->pending && len == run->pending_len);
		run->pending = NULL;
	}
	/* Read every byte, as a consumer would. */
	for (i = 0; i < len; i++)
		sum += b[i];
	payload_sink = sum;
}

static int record_cb(void *ctx, const void *data, __u32 len)
{
	struct run *run = ctx;

	check_record(run, data, len);
	if (run->seen != run->h.stop_at)
		return 0;
	if (run->h.opts & FUZZ_OPT_CB_FAIL) {
		run->failed = true;
		run->pending = data;
		run->pending_len = len;
		return -ECANCELED;
	}
	run->stopped = true;
	return 1;
}

static void call_begin(struct run *run)
{
	run->seen = 0;
	run->stopped = false;
	run->failed = false;
	run->had_pending = run->pending != NULL;
}

static void call_end(struct run *run, enum call_end end,
		     unsigned int consumed)
{
	__u64 pos = run->ring->pos;
	__u64 moved = pos - run->pos0, ahead = run->prod - run->pos0;

	/* A record a callback refused is not lost. */
	CHECK(!run->had_pending || run->seen);
	if (run->state != RING_LIVE) {
		CHECK(end == (run->state == RING_DRAINED ? END_EMPTY : END_BAD));
		if (run->settled)
			CHECK(pos == run->settled_pos);
		run->settled = true;
		run->settled_pos = pos;
	} else if (end == END_EMPTY) {
		run->state = RING_DRAINED;
	} else if (end == END_BAD) {
		run->state = RING_BROKEN;
	}
	run->consumed += consumed;

	/* What the handle passed, it handed back: one position, published. */
	CHECK(pos == __atomic_load_n(&run->ring->cons->consumer_pos,
				     __ATOMIC_RELAXED));
	/* Only from sane positions, and never past the producer. */
	if (moved) {
		CHECK(ahead <= run->size && moved <= ahead);
		CHECK(!(pos & (ZCRING_REC_ALIGN - 1)));
	}
	CHECK(run->consumed * MIN_REC_SIZE <= moved);
}

/* zcring_consume()'s answer, checked against what its callback saw. */
static void consume_ended(struct run *run, int ret)
{
	if (run->failed) {
		/* The callback's error, and no record after it. */
		CHECK(ret == -ECANCELED && run->seen == run->h.stop_at);
		call_end(run, END_FAILED, run->seen - 1);
	} else if (run->stopped) {
		CHECK(ret >= 0 && (unsigned int)ret == run->seen);
		call_end(run, END_LIMIT, ret);
	} else if (ret == -EBADMSG) {
		/* Records before the damage stay consumed. */
		call_end(run, END_BAD, run->seen);
	} else {
		CHECK(ret >= 0 && (unsigned int)ret == run->seen);
		CHECK((unsigned int)ret <= run->max);
		call_end(run, (unsigned int)ret < run->max ? END_EMPTY :
							     END_LIMIT, ret);
	}
}

static void round_consume(struct run *run)
{
	int ret;

	call_begin(run);
	ret = zcring_consume(run->ring, record_cb, run, run->h.max_records);
	consume_ended(run, ret);
}

/* The iterator, as libzcring.h shows it, with the same stops as the callback. */
static void round_iter(struct run *run)
{
	enum call_end end = END_LIMIT;
	unsigned int released = 0;
	const void *data, *again;
	struct zcring_iter it;
	__u32 len, again_len;
	int ret;

	call_begin(run);
	CHECK(zcring_iter_begin(run->ring, &it) == 0);
	while (released < run->max) {
		ret = zcring_peek(&it, &data, &len);
		if (ret <= 0) {
			CHECK(ret == 0 || ret == -EBADMSG);
			end = ret ? END_BAD : END_EMPTY;
			break;
		}
		CHECK(ret == 1);
		check_record(run, data, len);
		/* Until released, a peek gives the same record again. */
		CHECK(zcring_peek(&it, &again, &again_len) == 1);
		CHECK(again == data && again_len == len);
		if (run->seen == run->h.stop_at &&
		    (run->h.opts & FUZZ_OPT_CB_FAIL)) {
			/* Peeked, never released: the next call starts here. */
			run->pending = data;
			run->pending_len = len;
			end = END_FAILED;
			break;
		}
		zcring_release(&it);
		released++;
		if (run->h.opts & FUZZ_OPT_END_EACH) {
			/* The iterator goes on after it is ended. */
			zcring_iter_end(&it);
			CHECK(run->ring->pos == it.pos);
		}
		if (run->seen == run->h.stop_at)
			break;
	}
	zcring_iter_end(&it);
	CHECK(run->ring->pos == it.pos);
	call_end(run, end, released);
}

/*
 * poll() says a file is always ready, so on a file image zcring_wait()
 * says 1 until the ring is closed; then it looks for a record itself, and
 * what it found must be what zcring_consume() finds.
 */
static void round_wait(struct run *run)
{
	int ret = zcring_wait(run->ring, 0);

	if (ret == -EINTR || !run->closed) {
		CHECK(ret == -EINTR || ret == 1);
		round_consume(run);
		return;
	}
	CHECK(ret == 1 || ret == -EPIPE || ret == -EBADMSG);
	if (run->state == RING_DRAINED)
		CHECK(ret == -EPIPE);
	if (run->state == RING_BROKEN)
		CHECK(ret == -EBADMSG);
	round_consume(run);
	if (ret == -EPIPE)
		CHECK(run->state == RING_DRAINED && !run->seen);
	else if (ret == -EBADMSG)
		CHECK(run->state == RING_BROKEN && !run->seen);
	else
		CHECK(run->seen > 0);
}

/*
 * A set of this one ring.  A file image is taken as always ready; a closed
 * ring found drained leaves the set, which then says -EPIPE.
 */
static void round_set(struct run *run)
{
	int ret;

	if (!run->set) {
		CHECK(zcring_set_new(&run->set) == 0);
		CHECK(zcring_set_add(run->set, run->ring, record_cb, run) == 0);
		CHECK(zcring_set_add(run->set, run->ring, record_cb, run) ==
		      -EEXIST);
	}
	call_begin(run);
	ret = zcring_set_poll(run->set, 0);
	if (run->failed) {
		CHECK(ret == -ECANCELED && run->seen == run->h.stop_at);
		call_end(run, END_FAILED, run->seen - 1);
	} else if (ret == -EBADMSG) {
		/*
		 * From zcring_consume(), or from the look a set takes past
		 * the records of a closed ring: those stay consumed.
		 */
		CHECK(!run->stopped || run->closed);
		call_end(run, END_BAD, run->seen);
	} else if (ret == -EPIPE) {
		CHECK(run->closed && !run->seen && run->state != RING_BROKEN);
		call_end(run, END_EMPTY, 0);
	} else {
		CHECK(ret >= 0 && (unsigned int)ret == run->seen);
		call_end(run, run->stopped ? END_LIMIT : END_EMPTY, ret);
	}
}

/* What the handle says of the image, before anything is consumed. */
static void check_opened(struct run *run)
{
	struct zcring *ring = run->ring;
	struct zcring_stats st;
	struct zcring_info info;
	int ret;

	CHECK(ring->pos == run->h.consumer_pos);
	CHECK(zcring_dropped_records(ring) == run->h.dropped_records);
	CHECK(zcring_closed(ring) == run->closed);
	CHECK(zcring_fd(ring) >= 0);
	/* A file image has no ioctls. */
	CHECK(zcring_info(ring, &info) == -ENOTTY);
	CHECK(zcring_stats(ring, &st) == -ENOTTY);
	/* The watermark is at most the data size; the page keeps it. */
	ret = zcring_set_watermark(ring, run->h.wake_watermark);
	CHECK(ret == (run->h.wake_watermark > run->size ? -EINVAL : 0));
	CHECK(ring->cons->wake_watermark == run->h.wake_watermark);
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct run run;
	unsigned int r, rounds, path;
	size_t file_len;
	__u64 size;
	int ret;

	if (len < sizeof(struct fuzz_hdr))
		return 0;
	image_init();
	memset(&run, 0, sizeof(run));
	decode_hdr(&run.h, buf);

	size = (__u64)img.page << (run.h.size_order % FUZZ_SIZE_ORDERS);
	file_len = build_image(&run.h, buf + sizeof(run.h),
			       len - sizeof(run.h), size);
	ret = zcring_open_fd(img.fd, run.h.opts & FUZZ_OPT_NONBLOCK ?
				     ZCRING_OPEN_NONBLOCK : 0, &run.ring);
	CHECK(ret == expected_open(&run.h, size ^ run.h.data_size_xor,
				   file_len));
	if (ret)
		return 0;

	run.size = zcring_data_size(run.ring);
	CHECK(run.size == (size ^ run.h.data_size_xor));
	run.pos0 = run.h.consumer_pos;
	run.prod = run.h.consumer_pos + run.h.producer_ahead;
	run.closed = run.h.state & ZCRING_STATE_CLOSED;
	run.max = !run.h.max_records || run.h.max_records > INT_MAX ?
		  INT_MAX : run.h.max_records;
	check_opened(&run);

	rounds = 1 + run.h.rounds % FUZZ_MAX_ROUNDS;
	for (r = 0; r < rounds; r++) {
		path = (run.h.paths >> (FUZZ_PATH_BITS * r)) & FUZZ_PATH_MASK;
		switch (path) {
		case FUZZ_PATH_CONSUME:
			round_consume(&run);
			break;
		case FUZZ_PATH_ITER:
			round_iter(&run);
			break;
		case FUZZ_PATH_WAIT:
			round_wait(&run);
			break;
		default:
			round_set(&run);
			break;
		}
		CHECK(zcring_closed(run.ring) == run.closed);
	}
	/* Consuming writes the position only, never the watermark. */
	CHECK(run.ring->cons->wake_watermark == run.h.wake_watermark);

	zcring_set_free(run.set);
	zcring_close(run.ring);
	return 0;
}
