// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The in-process test producer (producer.h): the kernel's reservation
 * protocol, played on a memfd laid out as the ring's mapping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libzcring.h"
#include "producer.h"

#define HDR_SIZE sizeof(struct zcring_rec_hdr)

int tprod_init(struct tprod *p, __u64 data_size)
{
	long page = sysconf(_SC_PAGESIZE);
	int err;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (page <= 0 || !data_size || (data_size & (data_size - 1)) ||
	    data_size < (__u64)page)
		return -EINVAL;
	p->page_size = page;
	p->size = data_size;
	p->map_len = 2 * p->page_size + 2 * data_size;

	p->fd = memfd_create("zcring-test", MFD_CLOEXEC);
	if (p->fd < 0)
		return -errno;
	/* A new memfd reads as zeroes, as the kernel's fresh pages do. */
	if (ftruncate(p->fd, p->map_len))
		goto fail;
	p->map = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      p->fd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		goto fail;
	}
	p->cons = p->map;
	p->prod = (void *)((char *)p->map + p->page_size);
	p->data = (__u8 *)p->map + 2 * p->page_size;

	/* What zcring_alloc() sets; everything else starts at zero. */
	p->prod->abi_version = ZCRING_ABI_VERSION;
	p->prod->flags = 0;
	p->prod->data_size = data_size;
	return 0;
fail:
	err = -errno;
	tprod_fini(p);
	return err;
}

void tprod_fini(struct tprod *p)
{
	if (p->map)
		munmap(p->map, p->map_len);
	if (p->fd >= 0)
		close(p->fd);
	p->map = NULL;
	p->fd = -1;
}

int tprod_fd(const struct tprod *p)
{
	return p->fd;
}

/*
 * Copy len bytes at x (0 <= x, x + len <= 2N: a record, contiguous in the
 * doubled view) into the other copy, so that both copies hold the same
 * bytes, as the kernel's double mapping of the same pages guarantees.
 */
static void mirror(struct tprod *p, __u64 x, __u64 len)
{
	__u64 n;

	while (len) {
		if (x < p->size) {
			n = p->size - x < len ? p->size - x : len;
			memcpy(p->data + x + p->size, p->data + x, n);
		} else {
			n = len;
			memcpy(p->data + x - p->size, p->data + x, n);
		}
		x += n;
		len -= n;
	}
}

/*
 * The header of the record at ring position pos, in the first copy; the
 * second copy's is size bytes on.
 */
static struct zcring_rec_hdr *hdr_at(struct tprod *p, __u64 pos)
{
	return (struct zcring_rec_hdr *)(p->data + (pos & (p->size - 1)));
}

/* Release: whatever was written before is visible before this len. */
static void store_len(struct tprod *p, struct zcring_rec_hdr *hdr, __u32 len)
{
	struct zcring_rec_hdr *copy = (void *)((__u8 *)hdr + p->size);

	/* The consumer reads headers from the first copy: that one last. */
	__atomic_store_n(&copy->len, len, __ATOMIC_RELEASE);
	__atomic_store_n(&hdr->len, len, __ATOMIC_RELEASE);
}

/*
 * Room for rec more bytes, bounded by the consumer position as the kernel
 * bounds it: unsigned, so a consumer "ahead" of us is far behind, and the
 * ring looks full, as it does for a misaligned position.
 */
static int has_space(struct tprod *p, __u64 rec)
{
	__u64 cons = __atomic_load_n(&p->cons->consumer_pos, __ATOMIC_ACQUIRE);

	if (cons & (ZCRING_REC_ALIGN - 1))
		return 0;
	return p->pos + rec - cons <= p->size;
}

int tprod_reserve(struct tprod *p, __u32 len, void **payload)
{
	struct zcring_rec_hdr *hdr;
	__u64 rec;

	if (!len)
		return -EINVAL;
	if (len > p->size - HDR_SIZE)
		return -EMSGSIZE;
	if (__atomic_load_n(&p->prod->state, __ATOMIC_ACQUIRE) &
	    ZCRING_STATE_CLOSED)
		return -EPIPE;
	rec = ZCRING_REC_SIZE(len);
	if (!has_space(p, rec)) {
		/* Counted, as the kernel counts a record it refuses. */
		p->prod->dropped_records++;
		p->prod->dropped_bytes += len;
		return -ENOSPC;
	}

	hdr = hdr_at(p, p->pos);
	hdr->seq = p->seq++;
	store_len(p, hdr, len | ZCRING_REC_BUSY);
	mirror(p, p->pos & (p->size - 1), HDR_SIZE);
	p->pos += rec;
	/* The busy header is visible before the position that covers it. */
	__atomic_store_n(&p->prod->producer_pos, p->pos, __ATOMIC_RELEASE);
	*payload = hdr + 1;
	return 0;
}

static void publish(struct tprod *p, void *payload, __u32 extra)
{
	struct zcring_rec_hdr *hdr = (struct zcring_rec_hdr *)payload - 1;
	__u32 len = hdr->len & ZCRING_REC_LEN_MASK;
	__u64 x = (__u8 *)payload - p->data;

	/* The payload, in both copies, before the header that releases it. */
	mirror(p, x, ZCRING_REC_SIZE(len) - HDR_SIZE);
	store_len(p, hdr, len | extra);
}

void tprod_commit(struct tprod *p, void *payload)
{
	publish(p, payload, 0);
}

void tprod_discard(struct tprod *p, void *payload)
{
	publish(p, payload, ZCRING_REC_DISCARD);
}

int tprod_write(struct tprod *p, const void *buf, __u32 len)
{
	void *payload;
	int err;

	err = tprod_reserve(p, len, &payload);
	if (err)
		return err;
	memcpy(payload, buf, len);
	tprod_commit(p, payload);
	return 0;
}

int tprod_write_gen(struct tprod *p, __u32 len, __u64 seq)
{
	void *payload;
	int err;

	if (len < sizeof(struct zcring_gen_payload))
		return -EINVAL;
	err = tprod_reserve(p, len, &payload);
	if (err)
		return err;
	zcring_gen_fill(payload, len, seq);
	tprod_commit(p, payload);
	return 0;
}

int tprod_write_fill(struct tprod *p, __u8 byte, __u32 len)
{
	void *payload;
	int err;

	err = tprod_reserve(p, len, &payload);
	if (err)
		return err;
	memset(payload, byte, len);
	tprod_commit(p, payload);
	return 0;
}

__u64 tprod_consumer_pos(const struct tprod *p)
{
	return __atomic_load_n(&p->cons->consumer_pos, __ATOMIC_ACQUIRE);
}

void tprod_set_producer_pos(struct tprod *p, __u64 pos)
{
	__atomic_store_n(&p->prod->producer_pos, pos, __ATOMIC_RELEASE);
}

void tprod_set_hdr_len(struct tprod *p, __u64 pos, __u32 raw)
{
	/* Headers sit on ZCRING_REC_ALIGN boundaries. */
	store_len(p, hdr_at(p, pos & ~(__u64)(ZCRING_REC_ALIGN - 1)), raw);
}

void tprod_close(struct tprod *p)
{
	/* Records committed before the close are visible with the state. */
	__atomic_store_n(&p->prod->state, ZCRING_STATE_CLOSED,
			 __ATOMIC_RELEASE);
}
