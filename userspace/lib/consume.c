// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Consuming records: the iterator's setup, the callback loop built on it,
 * and waiting for records.  The per-record work is the inline iterator in
 * libzcring.h; this file only adds what needs the private handle.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/ioctl.h>

#include "internal.h"

int zcring_iter_begin(struct zcring *ring, struct zcring_iter *it)
{
	if (!ring || !it)
		return -EINVAL;
	if (!ring->cons)
		return -EBADF;
	it->pos = ring->pos;
	/* limit == pos: the first peek reads and checks producer_pos. */
	it->limit = ring->pos;
	it->start = ring->pos;
	it->mask = ring->data_size - 1;
	it->size = ring->data_size;
	it->data = ring->data;
	it->prod = ring->prod;
	it->cons = ring->cons;
	it->ring_pos = &ring->pos;
	it->rec_size = 0;
	/* A file image has no producers to wake. */
	it->fd = ring->file_image ? -1 : ring->fd;
	return 0;
}

int zcring_iter_wake(const struct zcring_iter *it)
{
	if (!it || it->fd < 0)
		return -EINVAL;
	return ioctl(it->fd, ZCRING_IOC_WAKE_PRODUCERS) ? -errno : 0;
}

int zcring_consume(struct zcring *ring, zcring_record_fn fn, void *ctx,
		   unsigned int max)
{
	struct zcring_iter it;
	const void *data;
	unsigned int n = 0;
	__u32 len;
	int ret;

	if (!fn)
		return -EINVAL;
	ret = zcring_iter_begin(ring, &it);
	if (ret)
		return ret;
	/* The count is returned as an int. */
	if (!max || max > INT_MAX)
		max = INT_MAX;
	while (n < max) {
		ret = zcring_peek(&it, &data, &len);
		if (ret <= 0)
			break;
		ret = fn(ctx, data, len);
		if (ret < 0)
			break;
		zcring_release(&it);
		n++;
		if (ret > 0)
			break;
	}
	zcring_iter_end(&it);
	return ret < 0 ? ret : (int)n;
}

int zcring__ready(struct zcring *ring)
{
	struct zcring_iter it;
	const void *data;
	__u32 len;
	int ret = zcring_iter_begin(ring, &it);

	return ret ? ret : zcring_peek(&it, &data, &len);
}

int zcring_wait(struct zcring *ring, int timeout_ms)
{
	struct pollfd pfd = { .fd = ring->fd, .events = POLLIN };
	int n, ret;

	if (!ring->cons)
		return -EBADF;
	n = poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	/*
	 * The kernel says POLLHUP once the ring is closed; a file image
	 * says nothing of the kind, so the producer page is asked too.
	 * Records committed before the close are still to be read.
	 */
	if ((pfd.revents & POLLHUP) || zcring_closed(ring)) {
		ret = zcring__ready(ring);
		return ret ? ret : -EPIPE;
	}
	if (pfd.revents & POLLERR)
		return -EIO;
	return 1;
}
