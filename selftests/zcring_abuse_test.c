// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile use of every entry point: each ioctl with bad pointers (NULL,
 * unmapped, kernel space, straddling into an inaccessible page, read-only
 * where the kernel writes back), wrong sizes in the argument and in the
 * command number, garbage, and the wrong device; madvise, mremap, partial
 * munmap and mprotect on the mapping; and races between users and the
 * module: close during poll, unloading the hard-IRQ producer mid-stream,
 * rmmod in a loop under load, a generator that only a signal stops.
 * Each asserts the exact errno or outcome; the debug kernel (make
 * check-debug) adds that KASAN, lockdep and kmemleak stay silent.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define RING_SIZE (4 * 4096UL)
#define KERNEL_ADDR ((void *)0xffff888000000000UL)

FIXTURE(abuse)
{
	char name[32];
	struct zc_map m;
	int ctl;
	/* Two pages, the second inaccessible: for arguments straddling it. */
	uint8_t *guard;
	/* A page mapped and unmapped again: an address with nothing there. */
	void *hole;
};

FIXTURE_SETUP(abuse)
{
	snprintf(self->name, sizeof(self->name), "abuse-%d", getpid());
	ASSERT_EQ(0, zc_create(self->name, RING_SIZE, 0, 0));
	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	self->ctl = open(ZCRING_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->ctl);
	self->guard = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->guard);
	ASSERT_EQ(0, mprotect(self->guard + PAGE, PAGE, PROT_NONE));
	self->hole = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ASSERT_NE(MAP_FAILED, self->hole);
	ASSERT_EQ(0, munmap(self->hole, PAGE));
}

FIXTURE_TEARDOWN(abuse)
{
	munmap(self->guard, 2 * PAGE);
	close(self->ctl);
	zc_unmap(&self->m);
	zc_destroy(self->name);
}

/*
 * Pointers no ioctl may use for an argument of @size bytes: NULL, a hole,
 * kernel space, and one whose second half lies in the inaccessible page.
 */
#define BAD_POINTERS 4
static void bad_pointers(FIXTURE_DATA(abuse) *self, size_t size,
			 void *p[BAD_POINTERS])
{
	p[0] = NULL;
	p[1] = self->hole;
	p[2] = KERNEL_ADDR;
	p[3] = self->guard + PAGE - size / 2;
}

/* The same command number with the argument size changed by @delta. */
static unsigned long resized(unsigned long cmd, int delta)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd),
		    _IOC_SIZE(cmd) + delta);
}

static uint64_t produced_records(int fd)
{
	struct zcring_stats st;

	return zc_stats(fd, &st) ? UINT64_MAX : st.produced_records;
}

/* ---- ioctl arguments ------------------------------------------------- */

TEST_F(abuse, create_with_bad_pointers)
{
	void *p[BAD_POINTERS];
	int i;

	bad_pointers(self, sizeof(struct zcring_create), p);
	for (i = 0; i < BAD_POINTERS; i++) {
		EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_CREATE, p[i]));
		EXPECT_EQ(EFAULT, errno) TH_LOG("pointer %d", i);
	}
}

/*
 * The size field short, long, zero and garbage, and the command number
 * encoding another size: EINVAL and ENOTTY, and nothing created.
 */
TEST_F(abuse, create_with_wrong_sizes)
{
	static const uint32_t sizes[] = { 0, 8, sizeof(struct zcring_create) - 8,
					  sizeof(struct zcring_create) + 8,
					  0xffffffff };
	struct zcring_create req = { .data_size = RING_SIZE };
	unsigned int i;

	snprintf(req.name, sizeof(req.name), "abuse-new-%d", getpid());
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		req.size = sizes[i];
		EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_CREATE, &req));
		EXPECT_EQ(EINVAL, errno) TH_LOG("size %u", sizes[i]);
	}
	req.size = sizeof(req);
	EXPECT_EQ(-1, ioctl(self->ctl, resized(ZCRING_IOC_CREATE, -8), &req));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, resized(ZCRING_IOC_CREATE, 8), &req));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, zc_open(req.name, O_RDONLY));
	EXPECT_EQ(ENOENT, errno);
}

/* Every byte 0xff, then less and less of it: no ring, each refusal its own. */
TEST_F(abuse, create_with_garbage)
{
	struct zcring_create req;

	memset(&req, 0xff, sizeof(req));
	EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_CREATE, &req));
	EXPECT_EQ(EINVAL, errno);
	/* The right size, garbage in the reserved fields. */
	req.size = sizeof(req);
	EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_CREATE, &req));
	EXPECT_EQ(EINVAL, errno);
	/* Reserved fields clear, a name with no end. */
	req.reserved0 = 0;
	memset(req.reserved, 0, sizeof(req.reserved));
	EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_CREATE, &req));
	EXPECT_EQ(ENAMETOOLONG, errno);
}

TEST_F(abuse, destroy_with_bad_pointers_and_sizes)
{
	struct zcring_destroy req = { 0 };
	void *p[BAD_POINTERS];
	int i;

	bad_pointers(self, sizeof(req), p);
	for (i = 0; i < BAD_POINTERS; i++) {
		EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_DESTROY, p[i]));
		EXPECT_EQ(EFAULT, errno) TH_LOG("pointer %d", i);
	}
	memcpy(req.name, self->name, strlen(self->name));
	req.size = sizeof(req) - 8;
	EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_DESTROY, &req));
	EXPECT_EQ(EINVAL, errno);
	req.size = sizeof(req);
	EXPECT_EQ(-1, ioctl(self->ctl, resized(ZCRING_IOC_DESTROY, 8), &req));
	EXPECT_EQ(ENOTTY, errno);
	/* The ring is still there. */
	EXPECT_EQ(0, produced_records(self->m.fd));
	i = zc_open(self->name, O_RDONLY);
	EXPECT_LE(0, i);
	close(i);
}

/*
 * INFO and STATS write their answer back: into a read-only page too it is
 * EFAULT.
 */
TEST_F(abuse, info_and_stats_with_bad_pointers)
{
	static const unsigned long cmds[] = { ZCRING_IOC_INFO,
					      ZCRING_IOC_STATS };
	void *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	void *p[BAD_POINTERS];
	unsigned int c;
	int i;

	ASSERT_NE(MAP_FAILED, ro);
	for (c = 0; c < 2; c++) {
		bad_pointers(self, _IOC_SIZE(cmds[c]), p);
		for (i = 0; i < BAD_POINTERS; i++) {
			EXPECT_EQ(-1, ioctl(self->m.fd, cmds[c], p[i]));
			EXPECT_EQ(EFAULT, errno) TH_LOG("cmd %u pointer %d", c, i);
		}
		EXPECT_EQ(-1, ioctl(self->m.fd, cmds[c], ro));
		EXPECT_EQ(EFAULT, errno);
	}
	munmap(ro, PAGE);
}

/* A command number encoding another size is another command: ENOTTY. */
TEST_F(abuse, ring_ioctls_with_resized_commands)
{
	static const unsigned long cmds[] = { ZCRING_IOC_INFO, ZCRING_IOC_STATS,
					      ZCRING_IOC_GENERATE };
	uint8_t buf[4096] = { 0 };
	unsigned int c;

	for (c = 0; c < 3; c++) {
		EXPECT_EQ(-1, ioctl(self->m.fd, resized(cmds[c], -8), buf));
		EXPECT_EQ(ENOTTY, errno);
		EXPECT_EQ(-1, ioctl(self->m.fd, resized(cmds[c], 8), buf));
		EXPECT_EQ(ENOTTY, errno);
	}
	EXPECT_EQ(0, produced_records(self->m.fd));
}

/* GENERATE reads its argument first: a bad one produces nothing. */
TEST_F(abuse, generate_with_bad_pointers)
{
	void *p[BAD_POINTERS];
	int i;

	bad_pointers(self, sizeof(struct zcring_generate), p);
	for (i = 0; i < BAD_POINTERS; i++) {
		EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, p[i]));
		EXPECT_EQ(EFAULT, errno) TH_LOG("pointer %d", i);
	}
	EXPECT_EQ(0, produced_records(self->m.fd));
}

/*
 * An argument in a read-only page: the records are produced, but the
 * counts cannot be written back, so the call says EFAULT; the stats have
 * the truth.
 */
TEST_F(abuse, generate_with_read_only_argument)
{
	struct zcring_generate gen = {
		.size = sizeof(gen), .count = 3, .record_size = 64,
	};
	void *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, &gen, sizeof(gen));
	ASSERT_EQ(0, mprotect(ro, PAGE, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, ro));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(3, produced_records(self->m.fd));
	munmap(ro, PAGE);
}

/* Every field wrong in turn, or all of it garbage: nothing produced. */
TEST_F(abuse, generate_with_garbage)
{
	struct zcring_generate gen;

	memset(&gen, 0xff, sizeof(gen));
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EINVAL, errno);
	gen.size = sizeof(gen);
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EOPNOTSUPP, errno);
	gen.flags = 0;
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EINVAL, errno);
	/* Outputs must come in as zero. */
	memset(&gen, 0, sizeof(gen));
	gen.size = sizeof(gen);
	gen.count = 1;
	gen.record_size = 64;
	gen.committed = 1;
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, produced_records(self->m.fd));
}

/* Each device answers only its own commands; unknown numbers too. */
TEST_F(abuse, ioctls_on_the_wrong_device)
{
	uint8_t buf[4096] = { 0 };

	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_CREATE, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_DESTROY, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_INFO, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_STATS, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, ZCRING_IOC_GENERATE, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->m.fd, _IO(ZCRING_IOC_MAGIC, 0x7f), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->m.fd, _IOR('x', 0x10, struct zcring_info),
			    buf));
	EXPECT_EQ(ENOTTY, errno);
}

/* ---- the mapping ----------------------------------------------------- */

/* A store that kills the process doing it: how a child proves a fault. */
static int child_status(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void read_first_byte(void *p)
{
	*(volatile const uint8_t *)p;
}

/*
 * MADV_DONTFORK on the read-only piece: the child has no mapping there
 * (reading faults), the parent's is untouched.
 */
TEST_F(abuse, dontfork_leaves_the_child_without_the_mapping)
{
	int status;

	ASSERT_EQ(1, write(self->m.fd, "x", 1));
	ASSERT_EQ(0, madvise(self->m.prod_map, PAGE + 2 * RING_SIZE,
			     MADV_DONTFORK));
	status = child_status(read_first_byte, (void *)self->m.data);
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	EXPECT_EQ('x', self->m.data[sizeof(struct zcring_rec_hdr)]);
}

/*
 * MADV_REMOVE punches holes only in memory that can have them: the
 * read-only piece is not writable (EACCES), and the consumer page is a
 * character device's, not a regular file's (ENODEV); nothing changes.
 */
TEST_F(abuse, remove_is_refused_and_changes_nothing)
{
	ASSERT_EQ(3, write(self->m.fd, "abc", 3));
	zc_set_cons_pos(&self->m, 0);
	EXPECT_EQ(-1, madvise(self->m.prod_map, PAGE + 2 * RING_SIZE,
			      MADV_REMOVE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, madvise(self->m.cons, PAGE, MADV_REMOVE));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(0, memcmp(self->m.data + sizeof(struct zcring_rec_hdr),
			    "abc", 3));
	EXPECT_EQ(ZCRING_REC_SIZE(3), zc_prod_pos(&self->m));
}

/*
 * MADV_DONTNEED drops the consumer page's PTE; the next touch maps the
 * same page again, with the position the consumer wrote.
 */
TEST_F(abuse, dontneed_keeps_the_consumer_position)
{
	struct zcring_stats st;

	ASSERT_EQ(3, write(self->m.fd, "abc", 3));
	zc_set_cons_pos(&self->m, ZCRING_REC_SIZE(3));
	ASSERT_EQ(0, madvise(self->m.cons, PAGE, MADV_DONTNEED));
	EXPECT_EQ(ZCRING_REC_SIZE(3), zc_cons_pos(&self->m));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(ZCRING_REC_SIZE(3), st.consumer_pos);
	EXPECT_EQ(1, st.consumed_records);
}

/*
 * Unmapping part of the read-only piece splits the mapping; what is left
 * still shows the ring, and unmapping the rest later releases it (on the
 * debug kernel, kmemleak checks the references balanced).
 */
TEST_F(abuse, partial_munmap_leaves_the_rest_working)
{
	uint8_t *end = (uint8_t *)self->m.prod_map + PAGE + 2 * RING_SIZE;

	ASSERT_EQ(0, munmap(end - PAGE, PAGE));
	ASSERT_EQ(0, munmap((uint8_t *)self->m.prod_map + PAGE + PAGE, PAGE));
	ASSERT_EQ(5, write(self->m.fd, "hello", 5));
	EXPECT_EQ(0, memcmp(self->m.data + sizeof(struct zcring_rec_hdr),
			    "hello", 5));
	EXPECT_EQ(ZCRING_REC_SIZE(5), zc_prod_pos(&self->m));
	/* The teardown unmaps the whole range again: holes and all. */
}

/* A moved consumer page is still the ring's: the kernel sees its writes. */
TEST_F(abuse, mremap_moves_the_consumer_page_with_it)
{
	struct zcring_stats st;
	void *to = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	void *moved;

	ASSERT_NE(MAP_FAILED, to);
	ASSERT_EQ(2, write(self->m.fd, "hi", 2));
	moved = mremap(self->m.cons, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
		       to);
	ASSERT_EQ(to, moved);
	self->m.cons = moved;
	zc_set_cons_pos(&self->m, ZCRING_REC_SIZE(2));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(ZCRING_REC_SIZE(2), st.consumer_pos);
	/* Growing it stays refused. */
	EXPECT_EQ(MAP_FAILED, mremap(moved, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
}

/* PROT_NONE and back to read is allowed; write never is. */
TEST_F(abuse, mprotect_none_and_back)
{
	size_t len = PAGE + 2 * RING_SIZE;

	ASSERT_EQ(1, write(self->m.fd, "z", 1));
	ASSERT_EQ(0, mprotect(self->m.prod_map, len, PROT_NONE));
	ASSERT_EQ(0, mprotect(self->m.prod_map, len, PROT_READ));
	EXPECT_EQ('z', self->m.data[sizeof(struct zcring_rec_hdr)]);
	EXPECT_EQ(-1, mprotect(self->m.prod_map, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
}

/* read() into kernel space or a hole: EFAULT, and the record stays. */
TEST_F(abuse, read_into_bad_buffers_keeps_the_record)
{
	char buf[16];

	ASSERT_EQ(4, write(self->m.fd, "keep", 4));
	EXPECT_EQ(-1, read(self->m.fd, KERNEL_ADDR, sizeof(buf)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(self->m.fd, self->hole, sizeof(buf)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(self->m.fd, self->guard + PAGE - 2, sizeof(buf)));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(4, read(self->m.fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "keep", 4));
}

/*
 * A node made by hand for a destroyed ring's device number opens nothing
 * (ENODEV), and a ring destroyed under an open file can still be mapped:
 * it reads as closed, with its records.
 */
TEST_F(abuse, destroyed_ring_stale_node_and_late_mapping)
{
	char path[64], node[64];
	struct stat st;
	void *ro;

	ASSERT_EQ(3, write(self->m.fd, "old", 3));
	snprintf(path, sizeof(path), ZCRING_DEV_DIR "/%s", self->name);
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0, zc_destroy(self->name));
	snprintf(node, sizeof(node), "/tmp/zcring-stale-%d", getpid());
	ASSERT_EQ(0, mknod(node, S_IFCHR | 0600, st.st_rdev));
	EXPECT_EQ(-1, open(node, O_RDWR));
	EXPECT_EQ(ENODEV, errno);
	unlink(node);
	ro = mmap(NULL, PAGE + 2 * RING_SIZE, PROT_READ, MAP_SHARED,
		  self->m.fd, PAGE);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(ZCRING_STATE_CLOSED,
		  ((const struct zcring_producer_page *)ro)->state);
	EXPECT_EQ(0, memcmp((const uint8_t *)ro + PAGE +
				    sizeof(struct zcring_rec_hdr), "old", 3));
	munmap(ro, PAGE + 2 * RING_SIZE);
}

/*
 * Hundreds of mappings of one ring, the file closed and the ring
 * destroyed before they go: each holds the ring until unmapped (the
 * debug kernel's kmemleak and KASAN check the counting).
 */
TEST_F(abuse, many_mappings_outlive_file_and_ring)
{
	enum { MAPS = 300 };
	size_t len = PAGE + 2 * RING_SIZE;
	void **maps = calloc(MAPS, sizeof(*maps));
	int i;

	ASSERT_NE(NULL, maps);
	ASSERT_EQ(2, write(self->m.fd, "mm", 2));
	for (i = 0; i < MAPS; i++) {
		maps[i] = mmap(NULL, len, PROT_READ, MAP_SHARED, self->m.fd,
			       PAGE);
		ASSERT_NE(MAP_FAILED, maps[i]) TH_LOG("mapping %d", i);
	}
	zc_unmap(&self->m);
	ASSERT_EQ(0, zc_destroy(self->name));
	for (i = 0; i < MAPS; i++) {
		EXPECT_EQ('m', ((const uint8_t *)maps[i])[PAGE + 8]);
		munmap(maps[i], len);
	}
	free(maps);
}

/*
 * A hostile thread (zc_scribble_thread()) writes random consumer
 * positions and watermarks while two generator threads and write()
 * produce: every producer call returns (records committed or dropped,
 * never anything else), and once the position is honest again the ring
 * works and the counts add up.
 */
TEST_F(abuse, random_consumer_positions_under_producers)
{
	struct zc_gen_job g[2] = {
		{ .fd = self->m.fd, .count = 3000, .size = 40 },
		{ .fd = self->m.fd, .count = 3000, .size = 200 },
	};
	struct zc_scribbler s = { .m = &self->m, .watermark = true };
	struct zcring_stats st;
	uint64_t since;
	pthread_t t[3];
	char buf[256];
	int i, wfd = zc_open(self->name, O_WRONLY | O_NONBLOCK);

	ASSERT_LE(0, wfd);
	/* Drop mode: a ring that looks full must not block them. */
	for (i = 0; i < 2; i++)
		g[i].flags = 0;
	ASSERT_EQ(0, pthread_create(&t[2], NULL, zc_scribble_thread, &s));
	ASSERT_EQ(0, zc_scribbler_wait(&s, 0, 1));
	since = zc_scribbles(&s);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, zc_gen_drop_thread,
					    &g[i]));
	/*
	 * write() goes on until positions have changed under it, however
	 * the threads were scheduled (a bound, in case they never do).
	 */
	for (i = 0; i < 2000 || (zc_scribbles(&s) - since < 1000 && i < 1000000);
	     i++) {
		ssize_t n = write(wfd, buf, 1 + i % 200);

		ASSERT_TRUE(n > 0 || errno == EAGAIN)
			TH_LOG("write: %s", strerror(errno));
	}
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, g[i].ret);
		EXPECT_EQ(g[i].count, g[i].committed + g[i].dropped);
	}
	s.stop = true;
	pthread_join(t[2], NULL);
	EXPECT_LE(1000, zc_scribbles(&s) - since);
	/* Honest again: consume everything, then a record round-trips. */
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	self->m.cons->wake_watermark = 0;
	ASSERT_EQ(4, write(self->m.fd, "back", 4));
	ASSERT_EQ(4, read(self->m.fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "back", 4));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(st.produced_records,
		  st.consumed_records + st.dropped_records);
	close(wfd);
}

/* ---- races with users and the module -------------------------------- */

struct poller {
	int fd;
	int ret;
	short revents;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	p->ret = poll(&pfd, 1, 10000);
	p->revents = pfd.revents;
	return NULL;
}

/*
 * Another thread unmaps the ring and closes the very fd a reader blocks
 * in poll on.  Closing wakes no one; the reader sleeps on, holding the
 * file, until a record written through another file wakes it, and its
 * poll then finds the fd closed: POLLNVAL, not a hang or a stale POLLIN.
 */
TEST_F(abuse, munmap_and_close_during_poll)
{
	struct poller p = { .fd = self->m.fd };
	int wfd = zc_open(self->name, O_WRONLY);
	pthread_t t;

	ASSERT_LE(0, wfd);
	ASSERT_EQ(0, pthread_create(&t, NULL, poll_thread, &p));
	zc_msleep(200);
	munmap(self->m.cons, PAGE);
	munmap(self->m.prod_map, PAGE + 2 * RING_SIZE);
	self->m.cons = NULL;
	self->m.prod_map = NULL;
	close(self->m.fd);
	self->m.fd = -1;
	zc_msleep(200);
	ASSERT_EQ(1, write(wfd, "w", 1));
	pthread_join(t, NULL);
	EXPECT_EQ(1, p.ret);
	EXPECT_EQ(POLLNVAL, p.revents);
	close(wfd);
}

/*
 * The hard-IRQ sample producer is unloaded, destroying its ring, while it
 * streams and a consumer reads: the consumer gets every committed record,
 * then end of file; nothing is left behind.
 */
TEST_F(abuse, unload_the_hard_irq_producer_mid_stream)
{
	uint64_t records = 0;
	uint8_t buf[256];
	char name[32];
	int fd;
	ssize_t n;

	snprintf(name, sizeof(name), "irq-%d", getpid());
	ZC_LOAD_SAMPLE_OR_SKIP("name=%s size=16384 period_us=100 burst=8 record_size=32 count=0",
			       name);
	fd = zc_open(name, O_RDONLY);
	ASSERT_LE(0, fd);
	while (records < 2000) {
		n = read(fd, buf, sizeof(buf));
		ASSERT_EQ(32, n);
		records++;
	}
	ASSERT_EQ(0, zc_delete_module("zcring_sample"));
	while ((n = read(fd, buf, sizeof(buf))) == 32)
		records++;
	EXPECT_EQ(0, n) TH_LOG("read: %s", n < 0 ? strerror(errno) : "short");
	EXPECT_EQ(-1, zc_open(name, O_RDONLY));
	close(fd);
}

/*
 * rmmod in a loop while a ring is open, mapped and fed by a generator:
 * refused every time, and the stream is whole afterwards.
 */
TEST_F(abuse, rmmod_in_a_loop_under_load)
{
	struct zc_gen_job g = { .fd = self->m.fd, .count = 20000, .size = 24 };
	uint64_t got = 0;
	uint8_t buf[64];
	pthread_t t;
	int i;

	ASSERT_EQ(0, pthread_create(&t, NULL, zc_gen_thread, &g));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(-EWOULDBLOCK, zc_delete_module("zcring"));
		if (read(self->m.fd, buf, sizeof(buf)) == 24)
			got++;
	}
	while (got < g.count && read(self->m.fd, buf, sizeof(buf)) == 24)
		got++;
	pthread_join(t, NULL);
	EXPECT_EQ(0, g.ret);
	EXPECT_EQ(g.count, got);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * A generator asked for 2^40 records into a full ring in drop mode would
 * run for ever: a signal stops it, EINTR, with the counts so far.
 */
TEST_F(abuse, endless_generator_stops_on_a_signal)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct zcring_generate gen = {
		.size = sizeof(gen), .count = 1ULL << 40, .record_size = 64,
	};
	uint64_t t0;

	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	t0 = zc_now_ms();
	EXPECT_EQ(-1, ioctl(self->m.fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EINTR, errno);
	EXPECT_GT(t0 + 30000, zc_now_ms());
	EXPECT_EQ(RING_SIZE / ZCRING_REC_SIZE(64), gen.committed);
	EXPECT_LT(0, gen.dropped);
	EXPECT_EQ(gen.committed + gen.dropped, produced_records(self->m.fd));
}

TEST_HARNESS_MAIN
