// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Opening a ring: learn its geometry, check it speaks our ABI, map it.
 * Nothing the mapping holds is trusted before it has been checked against
 * what the kernel told us through the INFO ioctl.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* The INFO fields the library uses end with page_size. */
#define INFO_MIN_SIZE \
	(offsetof(struct zcring_info, page_size) + sizeof(__u32))

static bool is_pow2(__u64 x)
{
	return x && !(x & (x - 1));
}

/*
 * A data size we can map: a power of two of at least a page, and small
 * enough that the page + 2N of the mapping fit in a size_t.
 */
static bool data_size_ok(__u64 size, size_t page)
{
	return is_pow2(size) && size >= page && size <= (SIZE_MAX - page) / 2;
}

static int geometry_from_info(struct zcring *ring)
{
	struct zcring_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(ring->fd, ZCRING_IOC_INFO, &info))
		return -errno;
	if (info.size < INFO_MIN_SIZE ||
	    info.abi_version != ZCRING_ABI_VERSION ||
	    info.page_size != ring->page_size ||
	    !data_size_ok(info.data_size, ring->page_size))
		return -EPROTO;
	ring->data_size = info.data_size;
	return 0;
}

/* A file image's producer page, read from the file: 0 or -errno. */
static int read_producer_page(struct zcring *ring,
			      struct zcring_producer_page *prod)
{
	ssize_t n = pread(ring->fd, prod, sizeof(*prod), ring->page_size);

	if (n < 0)
		return -errno;
	return (size_t)n < sizeof(*prod) ? -EPROTO : 0;
}

/* A file image: the producer page is read from the file itself. */
static int geometry_from_file(struct zcring *ring)
{
	struct zcring_producer_page prod;
	struct stat st;
	int err = read_producer_page(ring, &prod);

	if (err)
		return err;
	if (prod.abi_version != ZCRING_ABI_VERSION ||
	    !data_size_ok(prod.data_size, ring->page_size))
		return -EPROTO;
	if (fstat(ring->fd, &st))
		return -errno;
	/* Mapping past the end of a file would fault with SIGBUS. */
	if ((__u64)st.st_size < 2 * ring->page_size + 2 * prod.data_size)
		return -EPROTO;
	ring->data_size = prod.data_size;
	ring->file_image = true;
	return 0;
}

/*
 * A consuming handle maps the consumer page and the read-only piece.  One
 * that only inspects or produces maps nothing: the kernel answers it, so
 * that looking at a ring faults in none of its pages (and counts no fault
 * in its stats).
 */
static int map_ring(struct zcring *ring)
{
	const struct zcring_producer_page *prod;
	size_t page = ring->page_size;
	void *p;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ring->fd,
		 ZCRING_PGOFF_CONSUMER * page);
	if (p == MAP_FAILED)
		return -errno;
	ring->cons = p;

	ring->prod_map_len = page + 2 * ring->data_size;
	p = mmap(NULL, ring->prod_map_len, PROT_READ, MAP_SHARED, ring->fd,
		 ZCRING_PGOFF_PRODUCER * page);
	if (p == MAP_FAILED)
		return -errno;
	ring->prod_map = p;
	prod = p;
	ring->prod = prod;
	ring->data = (const __u8 *)p + page;

	/* What we map must be the ring we asked about. */
	if (prod->abi_version != ZCRING_ABI_VERSION ||
	    prod->data_size != ring->data_size)
		return -EPROTO;
	ring->pos = __atomic_load_n(&ring->cons->consumer_pos,
				    __ATOMIC_ACQUIRE);
	return 0;
}

static bool open_flags_ok(unsigned int flags)
{
	return !(flags & ~ZCRING_OPEN_ALL) &&
	       !((flags & ZCRING_OPEN_INSPECT) && (flags & ZCRING_OPEN_PRODUCE));
}

/* Takes fd, which zcring_close() closes, whatever happens. */
static int ring_setup(int fd, unsigned int flags, struct zcring **ringp)
{
	struct zcring *ring;
	long page;
	int err;

	ring = calloc(1, sizeof(*ring));
	if (!ring) {
		close(fd);
		return -ENOMEM;
	}
	ring->fd = fd;
	page = sysconf(_SC_PAGESIZE);
	if (page <= 0) {
		err = -EINVAL;
		goto fail;
	}
	ring->page_size = page;

	err = geometry_from_info(ring);
	if (err == -ENOTTY)
		err = geometry_from_file(ring);
	if (err)
		goto fail;
	if (!(flags & (ZCRING_OPEN_INSPECT | ZCRING_OPEN_PRODUCE))) {
		err = map_ring(ring);
		if (err)
			goto fail;
	}
	*ringp = ring;
	return 0;
fail:
	zcring_close(ring);
	return err;
}

int zcring_open(const char *name_or_path, unsigned int flags,
		struct zcring **ringp)
{
	char path[sizeof(ZCRING_DEV_DIR) + ZCRING_NAME_MAX];
	int fd, oflags = O_RDWR | O_CLOEXEC;

	if (!name_or_path || !ringp || !open_flags_ok(flags))
		return -EINVAL;
	if (flags & ZCRING_OPEN_NONBLOCK)
		oflags |= O_NONBLOCK;
	if (flags & ZCRING_OPEN_INSPECT)
		oflags = (oflags & ~O_ACCMODE) | O_RDONLY;
	if (!strchr(name_or_path, '/')) {
		if (!*name_or_path)
			return -ENOENT;
		if (strlen(name_or_path) >= ZCRING_NAME_MAX)
			return -ENAMETOOLONG;
		snprintf(path, sizeof(path), "%s/%s", ZCRING_DEV_DIR,
			 name_or_path);
		name_or_path = path;
	}
	fd = open(name_or_path, oflags);
	if (fd < 0)
		return -errno;
	return ring_setup(fd, flags, ringp);
}

int zcring_open_fd(int fd, unsigned int flags, struct zcring **ringp)
{
	int dup_fd, fl;

	if (fd < 0 || !ringp || !open_flags_ok(flags))
		return -EINVAL;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	if (flags & ZCRING_OPEN_NONBLOCK) {
		fl = fcntl(dup_fd, F_GETFL);
		if (fl < 0 || fcntl(dup_fd, F_SETFL, fl | O_NONBLOCK)) {
			int err = -errno;

			close(dup_fd);
			return err;
		}
	}
	return ring_setup(dup_fd, flags, ringp);
}

void zcring_close(struct zcring *ring)
{
	if (!ring)
		return;
	if (ring->prod_map)
		munmap(ring->prod_map, ring->prod_map_len);
	if (ring->cons)
		munmap(ring->cons, ring->page_size);
	close(ring->fd);
	free(ring);
}

int zcring_fd(const struct zcring *ring)
{
	return ring->fd;
}

int zcring_info(struct zcring *ring, struct zcring_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(ring->fd, ZCRING_IOC_INFO, info) ? -errno : 0;
}

int zcring_stats(struct zcring *ring, struct zcring_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(ring->fd, ZCRING_IOC_STATS, st) ? -errno : 0;
}

__u64 zcring_data_size(const struct zcring *ring)
{
	return ring->data_size;
}

/*
 * A handle without the mapping asks: the kernel's poll() says POLLHUP once
 * the ring is closed, and a file image is read.
 */
int zcring_closed(struct zcring *ring)
{
	struct pollfd pfd = { .fd = ring->fd };
	struct zcring_producer_page prod;

	if (ring->prod)
		return !!(__atomic_load_n(&ring->prod->state,
					  __ATOMIC_ACQUIRE) &
			  ZCRING_STATE_CLOSED);
	if (ring->file_image)
		return !read_producer_page(ring, &prod) &&
		       (prod.state & ZCRING_STATE_CLOSED);
	return poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP);
}

__u64 zcring_dropped_records(struct zcring *ring)
{
	struct zcring_producer_page prod;
	struct zcring_stats st;

	if (ring->prod)
		return __atomic_load_n(&ring->prod->dropped_records,
				       __ATOMIC_RELAXED);
	if (ring->file_image)
		return read_producer_page(ring, &prod) ? 0 :
							 prod.dropped_records;
	return zcring_stats(ring, &st) ? 0 : st.dropped_records;
}

int zcring_set_watermark(struct zcring *ring, __u64 bytes)
{
	if (!ring->cons)
		return -EBADF;
	if (bytes > ring->data_size)
		return -EINVAL;
	__atomic_store_n(&ring->cons->wake_watermark, bytes,
			 __ATOMIC_RELEASE);
	return 0;
}
