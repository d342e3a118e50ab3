/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the zcring selftests share: the control ioctls, and opening and
 * mapping a ring through the raw ABI, for the tests of the ABI itself.
 * Tests that consume records do it through libzcring.
 */
#ifndef ZCRING_UTIL_H
#define ZCRING_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/userfaultfd.h>
#include <linux/zcring.h>

#define PAGE ((size_t)sysconf(_SC_PAGESIZE))

static inline int zc_control(unsigned long cmd, void *arg)
{
	int fd = open(ZCRING_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, arg) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * The control device given to a group, as the packages' udev rule gives it
 * to zcring (0660 root:ZC_SHARED_GID), or back as the module makes it
 * (0600 root:root).  0 or -errno.
 */
#define ZC_SHARED_GID 4242

static inline int zc_share_control(bool shared)
{
	if (chown(ZCRING_CONTROL_PATH, 0, shared ? ZC_SHARED_GID : 0) ||
	    chmod(ZCRING_CONTROL_PATH, shared ? 0660 : 0600))
		return -errno;
	return 0;
}

/* ZCRING_IOC_CREATE: 0 or -errno. */
static inline int zc_create(const char *name, uint64_t size, uint32_t flags,
			    uint32_t mode)
{
	struct zcring_create req = {
		.size = sizeof(req),
		.flags = flags,
		.data_size = size,
		.mode = mode,
	};

	memcpy(req.name, name, strnlen(name, sizeof(req.name)));
	return zc_control(ZCRING_IOC_CREATE, &req);
}

static inline int zc_destroy(const char *name)
{
	struct zcring_destroy req = { .size = sizeof(req) };

	memcpy(req.name, name, strnlen(name, sizeof(req.name)));
	return zc_control(ZCRING_IOC_DESTROY, &req);
}

static inline int zc_open(const char *name, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), ZCRING_DEV_DIR "/%s", name);
	return open(path, flags | O_CLOEXEC);
}

/* A ring opened and mapped through the raw ABI. */
struct zc_map {
	int fd;
	size_t size;
	struct zcring_consumer_page *cons;
	const struct zcring_producer_page *prod;
	const uint8_t *data;
	void *prod_map;
};

static inline int zc_map(struct zc_map *m, const char *name, size_t size)
{
	memset(m, 0, sizeof(*m));
	m->size = size;
	m->fd = zc_open(name, O_RDWR);
	if (m->fd < 0)
		return -errno;
	m->cons = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd,
		       ZCRING_PGOFF_CONSUMER * PAGE);
	if (m->cons == MAP_FAILED)
		return -errno;
	m->prod_map = mmap(NULL, PAGE + 2 * size, PROT_READ, MAP_SHARED, m->fd,
			   ZCRING_PGOFF_PRODUCER * PAGE);
	if (m->prod_map == MAP_FAILED)
		return -errno;
	m->prod = m->prod_map;
	m->data = (const uint8_t *)m->prod_map + PAGE;
	return 0;
}

static inline void zc_unmap(struct zc_map *m)
{
	if (m->cons && m->cons != MAP_FAILED)
		munmap(m->cons, PAGE);
	if (m->prod_map && m->prod_map != MAP_FAILED)
		munmap(m->prod_map, PAGE + 2 * m->size);
	if (m->fd > 0)
		close(m->fd);
	m->fd = -1;
}

static inline uint64_t zc_prod_pos(const struct zc_map *m)
{
	return __atomic_load_n(&m->prod->producer_pos, __ATOMIC_ACQUIRE);
}

static inline uint64_t zc_cons_pos(const struct zc_map *m)
{
	return __atomic_load_n(&m->cons->consumer_pos, __ATOMIC_RELAXED);
}

static inline void zc_set_cons_pos(struct zc_map *m, uint64_t pos)
{
	__atomic_store_n(&m->cons->consumer_pos, pos, __ATOMIC_RELEASE);
}

static inline int zc_stats(int fd, struct zcring_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, ZCRING_IOC_STATS, st) ? -errno : 0;
}

/* ZCRING_IOC_GENERATE: 0 or -errno; counts in *committed and *dropped. */
static inline int zc_generate(int fd, uint64_t count, uint32_t size,
			      uint32_t flags, uint64_t *committed,
			      uint64_t *dropped)
{
	struct zcring_generate gen = {
		.size = sizeof(gen),
		.flags = flags,
		.count = count,
		.record_size = size,
	};
	int ret = ioctl(fd, ZCRING_IOC_GENERATE, &gen) ? -errno : 0;

	if (committed)
		*committed = gen.committed;
	if (dropped)
		*dropped = gen.dropped;
	return ret;
}

static inline uint64_t zc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static inline void zc_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * A generator run in its own thread: ZCRING_GEN_BLOCK and @flags, results
 * kept.
 */
struct zc_gen_job {
	int fd;
	uint64_t count;
	uint32_t size;
	uint32_t flags;
	uint64_t committed, dropped;
	int ret;
};

static inline void *zc_gen_thread(void *arg)
{
	struct zc_gen_job *g = arg;

	g->ret = zc_generate(g->fd, g->count, g->size,
			     ZCRING_GEN_BLOCK | g->flags,
			     &g->committed, &g->dropped);
	return NULL;
}

/* The same without ZCRING_GEN_BLOCK: a full ring drops. */
static inline void *zc_gen_drop_thread(void *arg)
{
	struct zc_gen_job *g = arg;

	g->ret = zc_generate(g->fd, g->count, g->size, g->flags,
			     &g->committed, &g->dropped);
	return NULL;
}

/* Step a xorshift64 generator (seed not 0): cheap randomness for tests. */
static inline uint64_t zc_xorshift64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * A hostile consumer in a thread: until stop, rewrite the consumer
 * position at random, near the producer, or exactly on it, and with
 * @watermark the wake watermark too.
 */
struct zc_scribbler {
	struct zc_map *m;
	bool watermark;
	volatile bool stop;
	uint64_t writes;
};

static inline void *zc_scribble_thread(void *arg)
{
	struct zc_scribbler *s = arg;
	uint64_t x = 88172645463325252ULL;

	while (!s->stop) {
		zc_xorshift64(&x);
		switch (x % 3) {
		case 0:
			zc_set_cons_pos(s->m, x);
			break;
		case 1:
			zc_set_cons_pos(s->m, zc_prod_pos(s->m) - (x % 8192));
			break;
		default:
			zc_set_cons_pos(s->m, zc_prod_pos(s->m));
		}
		if (s->watermark)
			__atomic_store_n(&s->m->cons->wake_watermark, x >> 3,
					 __ATOMIC_RELAXED);
		__atomic_store_n(&s->writes, s->writes + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* How many positions the scribbler has written so far. */
static inline uint64_t zc_scribbles(const struct zc_scribbler *s)
{
	return __atomic_load_n(&s->writes, __ATOMIC_RELAXED);
}

/*
 * Wait until the scribbler has written @n more positions than @since:
 * two threads need not run at the same time (one emulated CPU may run a
 * whole time slice before the other runs at all), so a test that means
 * to produce while positions change waits for the changes.  0, or -1
 * after ten seconds without them.
 */
static inline int zc_scribbler_wait(const struct zc_scribbler *s,
				    uint64_t since, uint64_t n)
{
	int i;

	for (i = 0; i < 10000; i++) {
		if (zc_scribbles(s) - since >= n)
			return 0;
		usleep(1000);
	}
	return -1;
}

static inline int zc_finit_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int zc_delete_module(const char *name)
{
	return syscall(__NR_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/*
 * A poll() in its own thread, for 20 s at most: a test starts it, makes
 * something happen and checks that it woke (done) with what it wanted
 * (ret, revents), rather than timing out.
 */
struct zc_poller {
	int fd;
	short events;
	int ret;
	short revents;
	volatile bool done;
};

static inline void *zc_poll_thread(void *arg)
{
	struct zc_poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = p->events };

	p->ret = poll(&pfd, 1, 20000);
	p->revents = pfd.revents;
	__atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait up to @ms for the poller to return: whether it did. */
static inline bool zc_poller_wait(struct zc_poller *p, unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms && !__atomic_load_n(&p->done, __ATOMIC_ACQUIRE);
	     i++)
		zc_msleep(1);
	return p->done;
}

/* A small text file (sysfs, /proc) into @buf: its length, or -errno. */
static inline int zc_read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/*
 * Load the sample producer module, ZCRING_SAMPLE_KO, with the parameters
 * @fmt makes: 0, -ENOENT when ZCRING_SAMPLE_KO is not set (a test then
 * skips), or -errno.
 */
static inline int zc_load_sample(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int zc_load_sample(const char *fmt, ...)
{
	const char *ko = getenv("ZCRING_SAMPLE_KO");
	char params[256];
	va_list ap;

	if (!ko)
		return -ENOENT;
	va_start(ap, fmt);
	vsnprintf(params, sizeof(params), fmt, ap);
	va_end(ap);
	return zc_finit_module(ko, params);
}

/*
 * In a test: load the sample producer as zc_load_sample() does, skipping
 * the test when ZCRING_SAMPLE_KO is not set, failing it on any other error.
 */
#define ZC_LOAD_SAMPLE_OR_SKIP(...)                                         \
	do {                                                                \
		int __zc_ret = zc_load_sample(__VA_ARGS__);                 \
		if (__zc_ret == -ENOENT)                                    \
			SKIP(return, "ZCRING_SAMPLE_KO is not set");         \
		ASSERT_EQ(0, __zc_ret);                                     \
	} while (0)

/* The sample module's count of records offered, or -1. */
static inline int64_t zc_sample_offered(void)
{
	char text[32];

	if (zc_read_text("/sys/module/zcring_sample/parameters/offered", text,
			 sizeof(text)) <= 0)
		return -1;
	return strtoll(text, NULL, 10);
}

/*
 * Wait until thread @tid of this process sleeps in system call @nr, as
 * /proc says: a test that needs another thread blocked in a call cannot
 * count on it having run, so it waits to see it there.  0, or -1 after
 * ten seconds.
 */
static inline int zc_wait_blocked_in(pid_t tid, long nr)
{
	char path[64], line[256];
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	for (i = 0; i < 10000; i++) {
		if (zc_read_text(path, line, sizeof(line)) < 0)
			return -1;
		/* "running" while it runs; the number while it waits. */
		if (line[0] != 'r' && strtol(line, NULL, 10) == nr)
			return 0;
		zc_msleep(1);
	}
	return -1;
}

/*
 * A page whose first touch waits on userfaultfd until the test says so:
 * a system call that copies from it sleeps in the fault for as long as
 * the test likes, as on a FUSE or remote mapping whose server stalls.
 */
struct zc_stall {
	int uffd;
	void *page;
};

/* 0, or -errno (userfaultfd needs CAP_SYS_PTRACE for kernel faults). */
static inline int zc_stall_init(struct zc_stall *st)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	st->page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st->page == MAP_FAILED)
		return -errno;
	st->uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (st->uffd < 0)
		return -errno;
	reg.range.start = (unsigned long)st->page;
	reg.range.len = PAGE;
	if (ioctl(st->uffd, UFFDIO_API, &api) ||
	    ioctl(st->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

/* Wait up to @ms for a fault on the page: 0 once one waits, else -1. */
static inline int zc_stall_wait(struct zc_stall *st, int ms)
{
	struct pollfd pfd = { .fd = st->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, ms) != 1 ||
	    read(st->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return -1;
	return 0;
}

/* Let the faults go: the page comes in, zero-filled.  0, or -errno. */
static inline int zc_stall_release(struct zc_stall *st)
{
	struct uffdio_zeropage zp = {
		.range = { .start = (unsigned long)st->page, .len = PAGE },
	};

	return ioctl(st->uffd, UFFDIO_ZEROPAGE, &zp) ? -errno : 0;
}

static inline void zc_stall_fini(struct zc_stall *st)
{
	close(st->uffd);
	munmap(st->page, PAGE);
}

#endif /* ZCRING_UTIL_H */
