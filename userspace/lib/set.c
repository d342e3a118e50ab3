// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * A set of rings consumed together: one epoll to wait in, one callback per
 * ring.  Rings are polled level-triggered for EPOLLIN; a closed ring keeps
 * reporting EPOLLHUP, so once it is drained it leaves the epoll, and the
 * set says -EPIPE when no ring is left open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "internal.h"

/* Rings handled per epoll_wait(); more ready ones wait for the next call. */
#define SET_EVENTS 32

struct set_entry {
	struct set_entry *next;
	struct zcring *ring;
	zcring_record_fn fn;
	void *ctx;
	/* A file image: not in the epoll, taken as always ready. */
	bool always_ready;
	/* Closed and drained: no longer waited for. */
	bool done;
};

struct zcring_set {
	int epfd;
	struct set_entry *entries;
	unsigned int nr_always_ready;
	unsigned int nr_live;
};

int zcring_set_new(struct zcring_set **setp)
{
	struct zcring_set *set;

	if (!setp)
		return -EINVAL;
	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	set->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (set->epfd < 0) {
		int err = -errno;

		free(set);
		return err;
	}
	*setp = set;
	return 0;
}

void zcring_set_free(struct zcring_set *set)
{
	struct set_entry *e, *next;

	if (!set)
		return;
	for (e = set->entries; e; e = next) {
		next = e->next;
		free(e);
	}
	close(set->epfd);
	free(set);
}

static struct set_entry **find_entry(struct zcring_set *set,
				     const struct zcring *ring)
{
	struct set_entry **pe;

	for (pe = &set->entries; *pe; pe = &(*pe)->next)
		if ((*pe)->ring == ring)
			return pe;
	return NULL;
}

int zcring_set_add(struct zcring_set *set, struct zcring *ring,
		   zcring_record_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct set_entry *e;

	if (!set || !ring || !fn)
		return -EINVAL;
	if (!ring->cons)
		return -EBADF;
	if (find_entry(set, ring))
		return -EEXIST;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ring = ring;
	e->fn = fn;
	e->ctx = ctx;
	ev.data.ptr = e;
	if (epoll_ctl(set->epfd, EPOLL_CTL_ADD, ring->fd, &ev)) {
		int err = -errno;

		/* EPERM: a file that cannot be polled, a file image. */
		if (err != -EPERM || !ring->file_image) {
			free(e);
			return err;
		}
		e->always_ready = true;
		set->nr_always_ready++;
	}
	e->next = set->entries;
	set->entries = e;
	set->nr_live++;
	return 0;
}

/* The ring leaves the epoll, but stays in the set. */
static void entry_retire(struct zcring_set *set, struct set_entry *e)
{
	if (e->done)
		return;
	if (e->always_ready)
		set->nr_always_ready--;
	else
		epoll_ctl(set->epfd, EPOLL_CTL_DEL, e->ring->fd, NULL);
	e->done = true;
	set->nr_live--;
}

int zcring_set_remove(struct zcring_set *set, struct zcring *ring)
{
	struct set_entry **pe, *e;

	if (!set || !ring)
		return -EINVAL;
	pe = find_entry(set, ring);
	if (!pe)
		return -ENOENT;
	e = *pe;
	entry_retire(set, e);
	*pe = e->next;
	free(e);
	return 0;
}

int zcring_set_fd(const struct zcring_set *set)
{
	return set->epfd;
}

/* Consume what the ring has, and retire it if it is closed and drained. */
static int entry_consume(struct zcring_set *set, struct set_entry *e)
{
	int n, ready;

	n = zcring_consume(e->ring, e->fn, e->ctx, 0);
	if (n < 0)
		return n;
	if (zcring_closed(e->ring)) {
		ready = zcring__ready(e->ring);
		if (ready < 0)
			return ready;
		if (!ready)
			entry_retire(set, e);
	}
	return n;
}

static int add_count(int total, int n)
{
	return n > INT_MAX - total ? INT_MAX : total + n;
}

int zcring_set_poll(struct zcring_set *set, int timeout_ms)
{
	struct epoll_event events[SET_EVENTS];
	struct set_entry *e, *next;
	int i, n, ret, total = 0;

	if (!set)
		return -EINVAL;
	if (set->entries && !set->nr_live)
		return -EPIPE;
	/* An always-ready ring: look, but do not sleep. */
	if (set->nr_always_ready)
		timeout_ms = 0;
	n = epoll_wait(set->epfd, events, SET_EVENTS,
		       timeout_ms < 0 ? -1 : timeout_ms);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		ret = entry_consume(set, events[i].data.ptr);
		if (ret < 0)
			return ret;
		total = add_count(total, ret);
	}
	for (e = set->entries; e; e = next) {
		next = e->next;
		if (!e->always_ready || e->done)
			continue;
		ret = entry_consume(set, e);
		if (ret < 0)
			return ret;
		total = add_count(total, ret);
	}
	return total;
}
