// SPDX-License-Identifier: GPL-2.0
/*
 * The copying paths and readiness: write() and read() of records of every
 * size, wrap-around, -EMSGSIZE, blocking and non-blocking calls, drops and
 * their accounting, poll and epoll with the watermark and batched wake-ups,
 * the generator, a ring destroyed under its users, and consumer positions a
 * hostile process writes.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <time.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define RING_SIZE 4096UL
#define MAX_PAYLOAD (RING_SIZE - sizeof(struct zcring_rec_hdr))

FIXTURE(io)
{
	char name[32];
	struct zc_map m;
	uint8_t buf[2 * RING_SIZE];
};

FIXTURE_SETUP(io)
{
	snprintf(self->name, sizeof(self->name), "io-%d", getpid());
	ASSERT_EQ(0, zc_create(self->name, RING_SIZE, 0, 0));
	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
}

FIXTURE_TEARDOWN(io)
{
	zc_unmap(&self->m);
	zc_destroy(self->name);
}

static void pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7);
}

static int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Fill the ring with records of @len bytes; returns how many fit. */
static int fill_ring(int fd, size_t len)
{
	uint8_t rec[RING_SIZE];
	int n = 0;

	set_nonblock(fd, true);
	memset(rec, 0xab, len);
	while (write(fd, rec, len) == (ssize_t)len)
		n++;
	set_nonblock(fd, false);
	return n;
}

/* Every size from 1 byte to the largest, written then read back whole. */
TEST_F(io, every_size_round_trips_through_read)
{
	uint8_t rec[MAX_PAYLOAD];
	size_t len;

	for (len = 1; len <= MAX_PAYLOAD; len++) {
		pattern(rec, len, len);
		ASSERT_EQ(len, write(self->m.fd, rec, len));
		ASSERT_EQ(len, read(self->m.fd, self->buf, sizeof(self->buf)));
		ASSERT_EQ(0, memcmp(rec, self->buf, len)) {
			TH_LOG("record of %zu bytes came back different", len);
		}
	}
	EXPECT_EQ(zc_prod_pos(&self->m), zc_cons_pos(&self->m));
}

/*
 * Every size again, consumed through the mapping: each record is whole
 * and contiguous at data + (pos & mask), those that cross the end of the
 * ring included.
 */
TEST_F(io, every_size_contiguous_in_mapping_across_the_seam)
{
	uint8_t rec[MAX_PAYLOAD];
	unsigned int wrapped = 0;
	size_t len;

	for (len = 1; len <= MAX_PAYLOAD; len++) {
		uint64_t pos = zc_cons_pos(&self->m);
		const struct zcring_rec_hdr *hdr =
			(const void *)(self->m.data + (pos & (RING_SIZE - 1)));

		pattern(rec, len, len);
		ASSERT_EQ(len, write(self->m.fd, rec, len));
		ASSERT_EQ(pos + ZCRING_REC_SIZE(len), zc_prod_pos(&self->m));
		ASSERT_EQ(len, __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE));
		ASSERT_EQ(0, memcmp(hdr + 1, rec, len));
		if ((pos & (RING_SIZE - 1)) + ZCRING_REC_SIZE(len) > RING_SIZE)
			wrapped++;
		zc_set_cons_pos(&self->m, pos + ZCRING_REC_SIZE(len));
	}
	/* The walk crossed the seam about once per ring's worth. */
	EXPECT_LT(100, wrapped);
}

TEST_F(io, records_carry_consecutive_seq)
{
	uint64_t pos = 0;
	uint32_t i;

	for (i = 0; i < 100; i++) {
		ASSERT_EQ(4, write(self->m.fd, &i, 4));
		EXPECT_EQ(i, ((const struct zcring_rec_hdr *)(self->m.data +
							      (pos & (RING_SIZE - 1))))
				     ->seq);
		pos += ZCRING_REC_SIZE(4);
		zc_set_cons_pos(&self->m, pos);
	}
}

TEST_F(io, write_too_large_or_empty)
{
	uint8_t rec[RING_SIZE + 1] = { 0 };
	struct zcring_stats st;

	EXPECT_EQ(-1, write(self->m.fd, rec, MAX_PAYLOAD + 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(0, write(self->m.fd, rec, 0));
	/* None of these made a record or counted a drop. */
	EXPECT_EQ(0, zc_prod_pos(&self->m));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(0, st.produced_records);
	EXPECT_EQ(0, st.dropped_records);
	/* The largest fits. */
	EXPECT_EQ(MAX_PAYLOAD, write(self->m.fd, rec, MAX_PAYLOAD));
}

/*
 * A source that faults: the source is faulted in before any space is
 * reserved, so nothing is, and nothing is left for a reader.
 */
TEST_F(io, write_from_bad_address_reserves_nothing)
{
	struct zcring_stats st;

	EXPECT_EQ(-1, syscall(__NR_write, self->m.fd, NULL, 8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, zc_prod_pos(&self->m));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(0, st.produced_records);
	EXPECT_EQ(0, st.discarded_records);
	ASSERT_EQ(3, write(self->m.fd, "abc", 3));
	EXPECT_EQ(3, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, memcmp("abc", self->buf, 3));
	EXPECT_EQ(zc_prod_pos(&self->m), zc_cons_pos(&self->m));
}

TEST_F(io, writev_gathers_one_record)
{
	char a[] = "zero-", b[] = "copy ", c[] = "ring";
	struct iovec iov[3] = {
		{ a, 5 }, { b, 5 }, { c, 4 },
	};

	EXPECT_EQ(14, writev(self->m.fd, iov, 3));
	EXPECT_EQ(ZCRING_REC_SIZE(14), zc_prod_pos(&self->m));
	EXPECT_EQ(14, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, memcmp("zero-copy ring", self->buf, 14));
}

/* A buffer smaller than the next record: EMSGSIZE, and the record stays. */
TEST_F(io, read_into_small_buffer_keeps_the_record)
{
	uint8_t rec[100];

	pattern(rec, sizeof(rec), 5);
	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(-1, read(self->m.fd, self->buf, sizeof(rec) - 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(0, zc_cons_pos(&self->m));
	EXPECT_EQ(-1, syscall(__NR_read, self->m.fd, NULL, sizeof(rec)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(sizeof(rec), read(self->m.fd, self->buf, sizeof(rec)));
	EXPECT_EQ(0, memcmp(rec, self->buf, sizeof(rec)));
}

TEST_F(io, nonblocking_read_of_empty_ring)
{
	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	EXPECT_EQ(-1, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * A full ring in drop mode: a non-blocking write gets EAGAIN and the
 * record is counted as dropped, in the stats and on the producer page.
 */
TEST_F(io, nonblocking_write_to_full_ring_drops_and_counts)
{
	struct zcring_stats st;
	uint8_t rec[100] = { 1 };
	int fit, i;

	fit = fill_ring(self->m.fd, sizeof(rec));
	EXPECT_EQ(RING_SIZE / ZCRING_REC_SIZE(sizeof(rec)), fit);
	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(-1, write(self->m.fd, rec, sizeof(rec)));
		EXPECT_EQ(EAGAIN, errno);
	}
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	/* fill_ring's last try was a drop too. */
	EXPECT_EQ(6, st.dropped_records);
	EXPECT_EQ(6 * sizeof(rec), st.dropped_bytes);
	EXPECT_EQ(fit, st.produced_records - st.dropped_records);
	EXPECT_EQ(6, self->m.prod->dropped_records);
	EXPECT_EQ(6 * sizeof(rec), self->m.prod->dropped_bytes);
	EXPECT_EQ(0, st.consumed_records);
	/* Room again once the consumer moves. */
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	EXPECT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
}

struct delayed {
	int fd;
	pid_t tid;	/* the thread's, once it runs */
	unsigned int ms;
	size_t len;
	ssize_t ret;
	int err;
};

static void *delayed_write(void *arg)
{
	struct delayed *d = arg;
	uint8_t rec[RING_SIZE];

	zc_msleep(d->ms);
	pattern(rec, d->len, 9);
	d->ret = write(d->fd, rec, d->len);
	d->err = errno;
	return NULL;
}

static void *delayed_read(void *arg)
{
	struct delayed *d = arg;
	uint8_t buf[RING_SIZE];

	__atomic_store_n(&d->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	zc_msleep(d->ms);
	d->ret = read(d->fd, buf, sizeof(buf));
	d->err = errno;
	return NULL;
}

TEST_F(io, blocking_read_waits_for_a_record)
{
	struct delayed d = { .fd = self->m.fd, .ms = 100, .len = 33 };
	uint8_t rec[33];
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_write, &d));
	EXPECT_EQ(33, read(self->m.fd, self->buf, sizeof(self->buf)));
	pthread_join(t, NULL);
	EXPECT_EQ(33, d.ret);
	pattern(rec, sizeof(rec), 9);
	EXPECT_EQ(0, memcmp(rec, self->buf, sizeof(rec)));
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal ends a blocked read with EINTR (no SA_RESTART). */
TEST_F(io, blocking_read_is_interruptible)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-1, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(EINTR, errno);
	alarm(0);
}

/* A blocking write to a full ring waits until the consumer makes room. */
TEST_F(io, blocking_write_waits_for_space)
{
	struct delayed d = { .fd = self->m.fd, .ms = 150 };
	struct zcring_stats st;
	uint8_t rec[500] = { 3 };
	pthread_t t;

	ASSERT_LT(0, fill_ring(self->m.fd, sizeof(rec)));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	ASSERT_EQ(1, st.dropped_records);
	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_read, &d));
	EXPECT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	pthread_join(t, NULL);
	EXPECT_EQ(sizeof(rec), d.ret);
	/* The waiting write was not a drop. */
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(1, st.dropped_records);
}

TEST_F(io, blocking_write_is_interruptible)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	uint8_t rec[500] = { 3 };

	ASSERT_LT(0, fill_ring(self->m.fd, sizeof(rec)));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-1, write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(EINTR, errno);
	alarm(0);
}

/* poll: nothing, then POLLIN with a record, POLLOUT while there is room. */
TEST_F(io, poll_reports_readiness)
{
	struct pollfd pfd = { .fd = self->m.fd, .events = POLLIN | POLLOUT };
	uint8_t rec[64] = { 0 };

	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
	fill_ring(self->m.fd, sizeof(rec));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 50));
}

/* Asks for producer wake-ups without end, whether space was freed or not. */
struct waker {
	int fd;
	volatile bool stop;
	uint64_t calls;
};

static void *waker_thread(void *arg)
{
	struct waker *w = arg;

	while (!w->stop) {
		ioctl(w->fd, ZCRING_IOC_WAKE_PRODUCERS);
		w->calls++;
	}
	return NULL;
}

static uint64_t thread_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * A wait for space on a full ring, from a read-only descriptor, sleeps and
 * ends at its timeout, by poll() and by epoll_wait(), even while another
 * thread asks for producer wake-ups all along.  It once spun until a
 * signal came: poll() woke the queue it had just put the caller on.
 */
TEST_F(io, poll_for_space_on_a_full_ring_sleeps_until_its_timeout)
{
	struct epoll_event ev = { .events = EPOLLOUT }, out;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct waker w = { .fd = self->m.fd };
	uint64_t t0, cpu0, ms, cpu;
	struct pollfd pfd;
	pthread_t t;
	int fd, ep, i;

	ASSERT_LT(0, fill_ring(self->m.fd, 64));
	fd = zc_open(self->name, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	for (i = 0; i < 4; i++) {
		if (i == 2)
			ASSERT_EQ(0, pthread_create(&t, NULL, waker_thread, &w));
		/* A spinning wait would end here, with EINTR. */
		alarm(10);
		t0 = zc_now_ms();
		cpu0 = thread_cpu_ms();
		if (i % 2 == 0) {
			pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
			EXPECT_EQ(0, poll(&pfd, 1, 1000));
		} else {
			EXPECT_EQ(0, epoll_wait(ep, &out, 1, 1000));
		}
		ms = zc_now_ms() - t0;
		cpu = thread_cpu_ms() - cpu0;
		alarm(0);
		TH_LOG("%s: %" PRIu64 " ms, %" PRIu64 " ms of CPU",
		       i % 2 ? "epoll_wait" : "poll", ms, cpu);
		EXPECT_LE(1000, ms);
		/* Asleep: the CPU it used is a small part of its wait. */
		EXPECT_GT(ms / 4, cpu);
	}
	w.stop = true;
	pthread_join(t, NULL);
	EXPECT_LT(0, w.calls);
	close(ep);
	close(fd);
}

/*
 * A consumer moving only through the mapping wakes a producer waiting in
 * poll() for space: the producer page says one waits, and one
 * ZCRING_IOC_WAKE_PRODUCERS after the move wakes it.
 */
TEST_F(io, mapping_consumer_wakes_a_producer_waiting_for_space)
{
	struct zc_poller p = { .fd = self->m.fd, .events = POLLOUT };
	pthread_t t;
	int i;

	ASSERT_LT(0, fill_ring(self->m.fd, 64));
	ASSERT_EQ(0, pthread_create(&t, NULL, zc_poll_thread, &p));
	for (i = 0; i < 5000 && !(__atomic_load_n(&self->m.prod->wait_flags,
						   __ATOMIC_ACQUIRE) &
				  ZCRING_WAIT_SPACE);
	     i++)
		zc_msleep(1);
	EXPECT_TRUE(self->m.prod->wait_flags & ZCRING_WAIT_SPACE);
	/* Without the position moving, the call wakes nobody. */
	EXPECT_EQ(0, ioctl(self->m.fd, ZCRING_IOC_WAKE_PRODUCERS));
	EXPECT_FALSE(zc_poller_wait(&p, 200));
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	EXPECT_EQ(0, ioctl(self->m.fd, ZCRING_IOC_WAKE_PRODUCERS));
	/* Woken, long before its timeout. */
	EXPECT_TRUE(zc_poller_wait(&p, 10000));
	pthread_join(t, NULL);
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLOUT, p.revents);
	EXPECT_EQ(0, self->m.prod->wait_flags);
}

/* The watermark: no readiness, and no wake-up, until that many bytes wait. */
TEST_F(io, watermark_defers_readiness)
{
	struct pollfd pfd = { .fd = self->m.fd, .events = POLLIN };
	uint8_t rec[56] = { 0 };
	int i;

	self->m.cons->wake_watermark = 1024;
	for (i = 0; i < 1024 / 64 - 1; i++) {
		ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
		ASSERT_EQ(0, poll(&pfd, 1, 0));
	}
	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(1024, zc_prod_pos(&self->m));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	/* Capped at half the ring: a huge watermark still wakes by then. */
	self->m.cons->wake_watermark = UINT64_MAX;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	fill_ring(self->m.fd, sizeof(rec));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
}

/* epoll_wait returns when a record arrives; the wake-up is counted. */
TEST_F(io, epoll_wakes_on_commit)
{
	struct delayed d = { .fd = self->m.fd, .ms = 100, .len = 16 };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct zcring_stats st;
	pthread_t t;
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->m.fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_write, &d));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_EQ(EPOLLIN, out.events);
	pthread_join(t, NULL);
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(1, st.wakeups);
	close(ep);
}

/* Nobody waits: commits send no wake-up at all. */
TEST_F(io, no_wakeup_without_a_waiter)
{
	struct zcring_stats st;
	uint8_t rec[8] = { 0 };
	int i;

	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
		zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	}
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(0, st.wakeups);
	EXPECT_EQ(1000, st.consumed_records);
}

/*
 * A consumer in epoll while the generator commits many records: far fewer
 * wake-ups than records, and every record arrives in order.
 */
TEST_F(io, wakeups_are_batched_under_load)
{
	struct zc_gen_job g = { .fd = self->m.fd, .count = 20000, .size = 24 };
	struct epoll_event ev = { .events = EPOLLIN }, out;
	uint64_t got = 0, waits = 0, pos = 0;
	struct zcring_stats st;
	pthread_t t;
	int ep;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->m.fd, &ev));
	ASSERT_EQ(0, pthread_create(&t, NULL, zc_gen_thread, &g));
	while (got < g.count) {
		const struct zcring_rec_hdr *hdr;
		uint64_t prod = zc_prod_pos(&self->m);
		uint32_t len;

		while (pos != prod) {
			hdr = (const void *)(self->m.data +
					     (pos & (RING_SIZE - 1)));
			len = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE);
			if (len & ZCRING_REC_BUSY)
				break;
			ASSERT_EQ(24, len);
			ASSERT_EQ(got, ((const struct zcring_gen_payload *)(hdr + 1))->seq);
			pos += ZCRING_REC_SIZE(len);
			got++;
		}
		zc_set_cons_pos(&self->m, pos);
		if (got < g.count) {
			ASSERT_LE(0, epoll_wait(ep, &out, 1, 1000));
			waits++;
		}
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, g.ret);
	EXPECT_EQ(g.count, g.committed);
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	/*
	 * epoll stays on the wait queue between calls, so a wake-up may land
	 * while the consumer is still reading rather than in epoll_wait();
	 * what is promised is one per return to waiting, not one per record.
	 */
	EXPECT_GT(g.count / 4, st.wakeups);
	TH_LOG("%" PRIu64 " records, %" PRIu64 " waits, %llu wake-ups", got,
	       waits, (unsigned long long)st.wakeups);
	close(ep);
}

/*
 * Drop mode under a full ring: every offered record is committed or
 * counted dropped, and once drained produced == consumed + dropped.
 */
TEST_F(io, drop_accounting_and_conservation)
{
	uint64_t committed, dropped, n = 0, seq, last = 0;
	struct zcring_stats st;
	ssize_t len;

	ASSERT_EQ(0, zc_generate(self->m.fd, 1000, 40, 0, &committed,
				 &dropped));
	EXPECT_EQ(1000, committed + dropped);
	EXPECT_EQ(RING_SIZE / ZCRING_REC_SIZE(40), committed);
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(1000, st.produced_records);
	EXPECT_EQ(dropped, st.dropped_records);
	EXPECT_EQ(0, st.consumed_records);

	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	while ((len = read(self->m.fd, self->buf, sizeof(self->buf))) > 0) {
		EXPECT_EQ(40, len);
		seq = ((struct zcring_gen_payload *)self->buf)->seq;
		/* The ones that fit came first; the rest were dropped. */
		EXPECT_EQ(n, seq);
		last = seq;
		n++;
	}
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(committed, n);
	EXPECT_EQ(committed - 1, last);
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(st.produced_records, st.consumed_records + st.dropped_records);
	EXPECT_EQ(st.produced_bytes, st.consumed_bytes + st.dropped_bytes);
	EXPECT_EQ(committed, st.consumed_records);
}

/*
 * ZCRING_GEN_COPY: records of any size from 1 byte, each a copy of the
 * pattern (byte i is i), committed in order like any other.
 */
TEST_F(io, generator_copy_mode_writes_the_pattern)
{
	static const uint32_t sizes[] = { 1, 7, 8, 100, 1000, MAX_PAYLOAD };
	uint64_t committed, dropped;
	unsigned int i, j;
	ssize_t len;

	EXPECT_EQ(-EINVAL, zc_generate(self->m.fd, 1, 0, ZCRING_GEN_COPY,
				       &committed, &dropped));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ASSERT_EQ(0, zc_generate(self->m.fd, 1, sizes[i],
					 ZCRING_GEN_COPY, &committed,
					 &dropped));
		EXPECT_EQ(1, committed);
		len = read(self->m.fd, self->buf, sizeof(self->buf));
		ASSERT_EQ(sizes[i], len);
		for (j = 0; j < sizes[i]; j++)
			ASSERT_EQ((uint8_t)j, self->buf[j]) TH_LOG("byte %u", j);
	}
	/* Drop mode as ever: four of 1008 bytes fit in the empty ring. */
	ASSERT_EQ(0, zc_generate(self->m.fd, 5, 1000, ZCRING_GEN_COPY,
				 &committed, &dropped));
	EXPECT_EQ(4, committed);
	EXPECT_EQ(1, dropped);
}

/* A generator payload's seq; its length field must match the record's. */
static uint64_t gen_seq(const void *payload, uint32_t len)
{
	const struct zcring_gen_payload *p = payload;

	return p->len == len ? p->seq : UINT64_MAX;
}

/*
 * ZCRING_GEN_BATCH in drop mode: batches of up to 32 fill the ring exactly
 * as single records do; the rest of the batch that overflows, and every
 * later batch, are dropped, and their seqs skipped.
 */
TEST_F(io, generator_batch_fills_then_drops)
{
	uint64_t committed, dropped, n = 0;
	struct zcring_stats st;
	ssize_t len;

	ASSERT_EQ(0, zc_generate(self->m.fd, 1000, 40, ZCRING_GEN_BATCH,
				 &committed, &dropped));
	EXPECT_EQ(RING_SIZE / ZCRING_REC_SIZE(40), committed);
	EXPECT_EQ(1000 - committed, dropped);
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(1000, st.produced_records);
	EXPECT_EQ(dropped, st.dropped_records);
	EXPECT_EQ(dropped * 40, st.dropped_bytes);

	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	while ((len = read(self->m.fd, self->buf, sizeof(self->buf))) > 0) {
		ASSERT_EQ(40, len);
		EXPECT_EQ(n, gen_seq(self->buf, len));
		n++;
	}
	EXPECT_EQ(committed, n);
	/* The seqs dropped are skipped: the next record says how many. */
	ASSERT_EQ(0, zc_generate(self->m.fd, 1, 40, ZCRING_GEN_BATCH,
				 &committed, &dropped));
	ASSERT_EQ(40, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(1000, gen_seq(self->buf, 40));
}

/*
 * ZCRING_GEN_BATCH with ZCRING_GEN_BLOCK, two generators at once against
 * a consumer through the mapping: every record arrives once, verifies,
 * and each generator's records are in its own order; nothing drops.
 */
TEST_F(io, generator_batches_from_two_threads)
{
	struct zc_gen_job g[2] = {
		{ .fd = self->m.fd, .count = 5000, .size = 24,
		  .flags = ZCRING_GEN_BATCH },
		{ .fd = self->m.fd, .count = 5000, .size = 200,
		  .flags = ZCRING_GEN_BATCH },
	};
	uint64_t got = 0, pos = 0, last[2] = { 0, 0 }, seen[2] = { 0, 0 };
	struct zcring_stats st;
	pthread_t t[2];
	uint64_t moved = zc_now_ms();
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, zc_gen_thread, &g[i]));
	while (got < g[0].count + g[1].count) {
		uint64_t prod = zc_prod_pos(&self->m);

		while (pos != prod) {
			const struct zcring_rec_hdr *hdr = (const void *)
				(self->m.data + (pos & (RING_SIZE - 1)));
			uint32_t len = __atomic_load_n(&hdr->len,
						       __ATOMIC_ACQUIRE);
			uint64_t seq;
			int k;

			if (len & ZCRING_REC_BUSY)
				break;
			ASSERT_TRUE(len == 24 || len == 200) TH_LOG("len %u", len);
			seq = gen_seq(hdr + 1, len);
			/* Seqs are the ring's: each thread's rise. */
			k = len == 200;
			if (seen[k])
				ASSERT_LT(last[k], seq);
			last[k] = seq;
			seen[k]++;
			pos += ZCRING_REC_SIZE(len);
			got++;
		}
		if (zc_cons_pos(&self->m) != pos) {
			zc_set_cons_pos(&self->m, pos);
			moved = zc_now_ms();
		}
		ASSERT_GT(moved + 20000, zc_now_ms())
			TH_LOG("stalled at %" PRIu64, got);
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, g[i].ret);
		EXPECT_EQ(g[i].count, g[i].committed);
		EXPECT_EQ(0, g[i].dropped);
		EXPECT_EQ(g[i].count, seen[i]);
	}
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(got, st.produced_records);
	EXPECT_EQ(got, st.consumed_records);
	EXPECT_EQ(0, st.dropped_records);
}

TEST_F(io, generator_rejects_bad_requests)
{
	struct zcring_generate gen = {
		.size = sizeof(gen), .count = 1, .record_size = 64,
	};

	gen.size = 8;
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EINVAL, errno);
	gen.size = sizeof(gen);
	gen.flags = 0x100;
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EOPNOTSUPP, errno);
	gen.flags = 0;
	gen.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EINVAL, errno);
	gen.reserved[1] = 0;
	gen.record_size = sizeof(struct zcring_gen_payload) - 1;
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EINVAL, errno);
	gen.record_size = MAX_PAYLOAD + 1;
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_STATS, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->m.fd, _IOR(ZCRING_IOC_MAGIC, 0x7e, int),
			    &gen));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, zc_prod_pos(&self->m));
}

static void *delayed_destroy(void *arg)
{
	const char *name = arg;

	zc_msleep(150);
	zc_destroy(name);
	return NULL;
}

/*
 * Destroyed under its users: a blocked reader wakes with 0 (end of file),
 * committed records stay readable first, writers get EPIPE, poll reports
 * POLLHUP, the generator EPIPE.
 */
TEST_F(io, destroy_wakes_blocked_reader_and_stops_writers)
{
	struct pollfd pfd = { .fd = self->m.fd, .events = POLLIN };
	uint8_t rec[16] = { 7 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_destroy, self->name));
	EXPECT_EQ(0, read(self->m.fd, self->buf, sizeof(self->buf)));
	pthread_join(t, NULL);
	EXPECT_EQ(-1, write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-EPIPE, zc_generate(self->m.fd, 1, 64, 0, NULL, NULL));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_EQ(ZCRING_STATE_CLOSED, self->m.prod->state);
	EXPECT_EQ(-1, zc_open(self->name, O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(io, destroy_leaves_committed_records_readable)
{
	uint8_t rec[16] = "last words";

	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	ASSERT_EQ(0, zc_destroy(self->name));
	EXPECT_EQ(sizeof(rec), read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, memcmp(rec, self->buf, sizeof(rec)));
	EXPECT_EQ(0, read(self->m.fd, self->buf, sizeof(self->buf)));
}

static void *blocked_writer(void *arg)
{
	struct delayed *d = arg;
	uint8_t rec[500] = { 0 };

	d->ret = write(d->fd, rec, sizeof(rec));
	d->err = errno;
	return NULL;
}

TEST_F(io, destroy_wakes_blocked_writer)
{
	struct delayed d = { .fd = self->m.fd };
	pthread_t t;

	ASSERT_LT(0, fill_ring(self->m.fd, 500));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_writer, &d));
	zc_msleep(100);
	ASSERT_EQ(0, zc_destroy(self->name));
	pthread_join(t, NULL);
	EXPECT_EQ(-1, d.ret);
	EXPECT_EQ(EPIPE, d.err);
}

struct stalled_write {
	int fd;
	const void *src;
	size_t len;
	ssize_t ret;
	int err;
};

static void *stalled_write_thread(void *arg)
{
	struct stalled_write *w = arg;

	w->ret = write(w->fd, w->src, w->len);
	w->err = errno;
	return NULL;
}

/*
 * A write() whose source faults and stalls (userfaultfd standing for a
 * FUSE or remote mapping) holds no reservation meanwhile: the generator
 * goes on committing, read() goes on reading, nothing is dropped.  Once
 * the fault is served the write completes.  It once reserved first and
 * copied after, so every producer stopped behind its busy record.
 */
TEST_F(io, write_stalled_in_a_fault_holds_up_no_producer)
{
	struct stalled_write w = { .fd = self->m.fd, .len = 100 };
	uint64_t committed, dropped, total = 0, reads = 0;
	struct zc_stall st;
	pthread_t t;
	int i;

	ASSERT_EQ(0, zc_stall_init(&st));
	w.src = st.page;
	ASSERT_EQ(0, pthread_create(&t, NULL, stalled_write_thread, &w));
	ASSERT_EQ(0, zc_stall_wait(&st, 10000));
	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, zc_generate(self->m.fd, 40, 64, 0, &committed,
					 &dropped));
		total += committed;
		EXPECT_EQ(0, dropped);
		while (read(self->m.fd, self->buf, sizeof(self->buf)) == 64)
			reads++;
		EXPECT_EQ(EAGAIN, errno);
	}
	EXPECT_EQ(4000, total);
	EXPECT_EQ(4000, reads);
	ASSERT_EQ(0, zc_stall_release(&st));
	pthread_join(t, NULL);
	EXPECT_EQ(100, w.ret);
	EXPECT_EQ(100, read(self->m.fd, self->buf, sizeof(self->buf)));
	zc_stall_fini(&st);
}

/*
 * A ring destroyed while a write() stalls in a fault: read() gives every
 * record committed before the destroy, then end of file.  It once said
 * end of file at once, the stalled write's busy record at the head, and
 * the committed records behind it were lost to a reader such as cat.
 */
TEST_F(io, destroy_with_a_write_stalled_reads_every_record)
{
	struct stalled_write w = { .fd = self->m.fd, .len = 100 };
	uint8_t rec[64];
	struct zc_stall st;
	pthread_t t;

	ASSERT_EQ(0, zc_stall_init(&st));
	w.src = st.page;
	ASSERT_EQ(0, pthread_create(&t, NULL, stalled_write_thread, &w));
	ASSERT_EQ(0, zc_stall_wait(&st, 10000));
	pattern(rec, sizeof(rec), 4);
	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	ASSERT_EQ(0, zc_destroy(self->name));
	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	EXPECT_EQ(sizeof(rec), read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(0, memcmp(rec, self->buf, sizeof(rec)));
	EXPECT_EQ(0, read(self->m.fd, self->buf, sizeof(self->buf)));
	ASSERT_EQ(0, zc_stall_release(&st));
	pthread_join(t, NULL);
	/* Its reservation came after the destroy: refused. */
	EXPECT_EQ(-1, w.ret);
	EXPECT_EQ(EPIPE, w.err);
	zc_stall_fini(&st);
}

/*
 * A non-blocking read() answers at once while another thread of the
 * consumer sleeps in read() on the empty ring.  It once waited for the
 * sleeping reader's lock, as long as the ring stayed empty.  One file,
 * the consumer's: the flag is set on it once the other read() sleeps.
 */
TEST_F(io, nonblocking_read_does_not_wait_behind_a_blocked_reader)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct delayed d = { .fd = self->m.fd };
	uint64_t t0;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, delayed_read, &d));
	while (!__atomic_load_n(&d.tid, __ATOMIC_ACQUIRE))
		zc_msleep(1);
	ASSERT_EQ(0, zc_wait_blocked_in(d.tid, SYS_read));
	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(10);
	t0 = zc_now_ms();
	EXPECT_EQ(-1, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(EAGAIN, errno);
	alarm(0);
	TH_LOG("non-blocking read: %" PRIu64 " ms", zc_now_ms() - t0);
	ASSERT_EQ(0, set_nonblock(self->m.fd, false));
	ASSERT_EQ(16, write(self->m.fd, self->buf, 16));
	pthread_join(t, NULL);
	EXPECT_EQ(16, d.ret);
}

/*
 * A drop wakes a consumer waiting below its watermark: records did not
 * fit, so it must hear of it before the watermark is reached, if ever.
 * Drops once woke nobody, so such a consumer slept on through them.
 */
TEST_F(io, a_drop_wakes_a_consumer_below_its_watermark)
{
	struct zc_poller p = { .fd = self->m.fd, .events = POLLIN };
	struct pollfd pfd = { .fd = self->m.fd, .events = POLLIN };
	uint8_t big[RING_SIZE - 16] = { 0 };
	pthread_t t;
	int i;

	self->m.cons->wake_watermark = 2048;
	ASSERT_EQ(16, write(self->m.fd, self->buf, 16));
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, zc_poll_thread, &p));
	zc_msleep(300);
	ASSERT_FALSE(p.done);
	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	/*
	 * One drop, then wait: a drop made while the woken poller has not
	 * yet looked would be news still after it, and may or may not be.
	 */
	EXPECT_EQ(-1, write(self->m.fd, big, sizeof(big)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_TRUE(zc_poller_wait(&p, 10000));
	pthread_join(t, NULL);
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLIN, p.revents);
	/* Told once: no new drop, back to the watermark. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* Each new drop is news, once. */
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(-1, write(self->m.fd, big, sizeof(big)));
		EXPECT_EQ(EAGAIN, errno);
		EXPECT_EQ(1, poll(&pfd, 1, 0));
		EXPECT_EQ(0, poll(&pfd, 1, 0));
	}
}

/*
 * Consuming is the role of one file, here the fixture's, which maps the
 * consumer page.  Every other open, whatever its access mode, gets EBUSY
 * from read() and from a mapping of the consumer page, and moves nothing;
 * it may still inspect: info, stats, poll, the producer page.  A
 * descriptor of the consumer's own file (a dup, a child's) consumes.
 */
TEST_F(io, consuming_is_one_files_role)
{
	static const int modes[] = { O_RDONLY, O_RDWR, O_RDONLY | O_NONBLOCK };
	struct pollfd pfd = { .events = POLLIN };
	struct zcring_info info;
	struct zcring_stats st;
	unsigned int i;
	void *p;
	int fd;

	ASSERT_EQ(16, write(self->m.fd, self->buf, 16));
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fd = zc_open(self->name, modes[i]);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, read(fd, self->buf, sizeof(self->buf)));
		EXPECT_EQ(EBUSY, errno);
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd,
			 ZCRING_PGOFF_CONSUMER * PAGE);
		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EBUSY, errno);
		if (modes[i] == O_RDWR) {
			p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, ZCRING_PGOFF_CONSUMER * PAGE);
			EXPECT_EQ(MAP_FAILED, p);
			EXPECT_EQ(EBUSY, errno);
		}
		memset(&info, 0, sizeof(info));
		EXPECT_EQ(0, ioctl(fd, ZCRING_IOC_INFO, &info));
		EXPECT_EQ(RING_SIZE, info.data_size);
		EXPECT_EQ(0, zc_stats(fd, &st));
		EXPECT_EQ(1, st.produced_records);
		pfd.fd = fd;
		EXPECT_EQ(1, poll(&pfd, 1, 0));
		EXPECT_EQ(POLLIN, pfd.revents & POLLIN);
		p = mmap(NULL, PAGE + 2 * RING_SIZE, PROT_READ, MAP_SHARED, fd,
			 ZCRING_PGOFF_PRODUCER * PAGE);
		ASSERT_NE(MAP_FAILED, p);
		EXPECT_EQ(ZCRING_REC_SIZE(16),
			  ((const struct zcring_producer_page *)p)->producer_pos);
		munmap(p, PAGE + 2 * RING_SIZE);
		close(fd);
	}
	EXPECT_EQ(0, zc_cons_pos(&self->m));
	fd = dup(self->m.fd);
	ASSERT_LE(0, fd);
	EXPECT_EQ(16, read(fd, self->buf, sizeof(self->buf)));
	close(fd);
	EXPECT_EQ(ZCRING_REC_SIZE(16), zc_cons_pos(&self->m));
}

/*
 * The role lasts as long as the consumer's file: its mappings hold it
 * after the last descriptor is closed, and only when the last of them is
 * gone may another file take the role.  Then the first consumer, back
 * with a new file, is the one refused.
 */
TEST_F(io, the_consumer_role_ends_with_the_consumers_file)
{
	struct zc_map again;
	int fd;

	ASSERT_EQ(16, write(self->m.fd, self->buf, 16));
	fd = zc_open(self->name, O_RDONLY);
	ASSERT_LE(0, fd);
	close(self->m.fd);
	self->m.fd = -1;
	EXPECT_EQ(-1, read(fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(EBUSY, errno);
	munmap(self->m.cons, PAGE);
	self->m.cons = NULL;
	/* The producer piece is a mapping of the same file. */
	EXPECT_EQ(-1, read(fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(EBUSY, errno);
	munmap(self->m.prod_map, PAGE + 2 * RING_SIZE);
	self->m.prod_map = NULL;
	EXPECT_EQ(16, read(fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(-EBUSY, zc_map(&again, self->name, RING_SIZE));
	zc_unmap(&again);
	close(fd);
	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	EXPECT_EQ(ZCRING_REC_SIZE(16), zc_cons_pos(&self->m));
}

/*
 * News of drops is the consumer's.  Another file's poll() sees them but
 * leaves them untold, so that the consumer below its watermark still
 * wakes for them; once, an onlooker's poll took the news for itself.
 */
TEST_F(io, an_onlookers_poll_leaves_the_drops_to_the_consumer)
{
	struct pollfd pfd = { .fd = self->m.fd, .events = POLLIN };
	struct pollfd look = { .events = POLLIN };
	uint8_t big[RING_SIZE - 16] = { 0 };
	int i;

	self->m.cons->wake_watermark = 2048;
	ASSERT_EQ(16, write(self->m.fd, self->buf, 16));
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	look.fd = zc_open(self->name, O_RDONLY);
	ASSERT_LE(0, look.fd);
	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	EXPECT_EQ(-1, write(self->m.fd, big, sizeof(big)));
	EXPECT_EQ(EAGAIN, errno);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(1, poll(&look, 1, 0));
		EXPECT_EQ(POLLIN, look.revents);
	}
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	/* Told once, and the onlooker sees what the consumer was told. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, poll(&look, 1, 0));
	close(look.fd);
}

/*
 * Hostile consumer positions: far ahead, far behind, misaligned.  The
 * ring looks full to producers (drops, counted), read() reports EBADMSG,
 * nothing else happens; a sane position brings the ring back.
 */
TEST_F(io, hostile_consumer_positions_are_contained)
{
	/*
	 * The last: misaligned, 4 bytes behind the producer (3 * 40 bytes).
	 * (uint64_t)-8 is 128 bytes behind, aligned: only its header shows
	 * it is no record, so it is the one producers need not stop at.
	 */
	static const uint64_t bad[] = {
		1ULL << 40, (uint64_t)-8, 4, RING_SIZE * 3, UINT64_MAX, 116,
	};
	uint64_t committed, dropped;
	uint8_t rec[32] = { 0 };
	struct zcring_stats st;
	unsigned int i;

	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	ASSERT_EQ(120, zc_prod_pos(&self->m));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		zc_set_cons_pos(&self->m, bad[i]);
		EXPECT_EQ(-1, read(self->m.fd, self->buf, sizeof(self->buf)));
		EXPECT_EQ(EBADMSG, errno) {
			TH_LOG("consumer position %#llx",
			       (unsigned long long)bad[i]);
		}
		ASSERT_EQ(0, zc_stats(self->m.fd, &st));
		EXPECT_EQ(st.produced_records,
			  st.consumed_records + st.dropped_records);
		if (bad[i] == (uint64_t)-8)
			continue;
		/* The ring looks full: a write and a generated record drop. */
		EXPECT_EQ(-1, write(self->m.fd, rec, sizeof(rec)));
		EXPECT_EQ(EAGAIN, errno) {
			TH_LOG("consumer position %#llx",
			       (unsigned long long)bad[i]);
		}
		ASSERT_EQ(0, zc_generate(self->m.fd, 1, 32, 0, &committed,
					 &dropped));
		EXPECT_EQ(1, dropped);
		EXPECT_EQ(120, zc_prod_pos(&self->m));
	}
	/* Far behind (more than the ring): producers see a full ring. */
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m) - RING_SIZE - 8);
	EXPECT_EQ(-1, write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(EAGAIN, errno);
	/* Back to the producer position: all is well again. */
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	EXPECT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	EXPECT_EQ(sizeof(rec), read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(zc_prod_pos(&self->m), zc_cons_pos(&self->m));
}

/*
 * A thread rewrites the consumer position at random while the generator
 * produces and a reader reads: calls fail or succeed, the kernel stays
 * silent (the runner checks its log), and the accounting stays whole.
 */
TEST_F(io, consumer_position_changing_under_load)
{
	struct zc_scribbler s = { .m = &self->m };
	uint64_t committed, dropped, total = 0, reads = 0;
	struct zcring_stats st;
	pthread_t t;
	int i;

	ASSERT_EQ(0, set_nonblock(self->m.fd, true));
	ASSERT_EQ(0, pthread_create(&t, NULL, zc_scribble_thread, &s));
	/* Changing from the first record on, however threads are scheduled. */
	ASSERT_EQ(0, zc_scribbler_wait(&s, 0, 1));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, zc_generate(self->m.fd, 50, 32 + i, 0,
					 &committed, &dropped));
		EXPECT_EQ(50, committed + dropped);
		total += 50;
		while (read(self->m.fd, self->buf, sizeof(self->buf)) > 0)
			reads++;
	}
	s.stop = true;
	pthread_join(t, NULL);
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(total, st.produced_records);
	/* Calm again: a sane position and the ring works. */
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	ASSERT_EQ(0, zc_generate(self->m.fd, 3, 64, 0, &committed, &dropped));
	EXPECT_EQ(3, committed);
	EXPECT_EQ(64, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(64, read(self->m.fd, self->buf, sizeof(self->buf)));
	EXPECT_EQ(64, read(self->m.fd, self->buf, sizeof(self->buf)));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(total + 3, st.produced_records);
	EXPECT_EQ(st.produced_records, st.consumed_records + st.dropped_records);
	TH_LOG("%" PRIu64 " position writes, %" PRIu64 " reads", s.writes,
	       reads);
}

TEST_HARNESS_MAIN
