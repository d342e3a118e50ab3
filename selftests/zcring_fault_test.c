// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection through every allocation site, on a kernel with
 * CONFIG_FAULT_INJECTION (the debug kernel of make check-debug; others
 * skip).  For each operation the sweep makes the 1st, 2nd, ... nth
 * allocation the task attempts fail (/proc/thread-self/fail-nth, with
 * failslab and fail_page_alloc told to fail sleeping and order-0
 * allocations too), until the operation completes without reaching the
 * nth: every call either succeeds or fails with ENOMEM, a ring is either
 * whole and usable or cleanly absent, and KASAN and kmemleak (checked by
 * the session) stay silent.
 */
#define _GNU_SOURCE
#include <inttypes.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define RING_SIZE (4 * 4096UL)
#define DBG "/sys/kernel/debug/"
/* Well past the sites one operation meets: the sweep ends before. */
#define MAX_SITES 4000

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* The knobs this test turns, and what they were. */
static const char *const knobs[][2] = {
	{ DBG "failslab/ignore-gfp-wait", "N" },
	{ DBG "fail_page_alloc/ignore-gfp-wait", "N" },
	{ DBG "fail_page_alloc/min-order", "0" },
	{ DBG "failslab/verbose", "0" },
	{ DBG "fail_page_alloc/verbose", "0" },
};
#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

FIXTURE(fault)
{
	char name[32];
	int nth;		/* /proc/thread-self/fail-nth */
	char saved[NKNOBS][32];
};

FIXTURE_SETUP(fault)
{
	unsigned int i;
	ssize_t n;
	int fd;

	snprintf(self->name, sizeof(self->name), "fault-%d", getpid());
	self->nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (self->nth < 0)
		return;
	for (i = 0; i < NKNOBS; i++) {
		fd = open(knobs[i][0], O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s", knobs[i][0]);
		n = read(fd, self->saved[i], sizeof(self->saved[i]) - 1);
		close(fd);
		ASSERT_LT(0, n);
		self->saved[i][n] = '\0';
		ASSERT_EQ(0, write_str(knobs[i][0], knobs[i][1]));
	}
}

/* Each test's first line: the kernels of make check have no fail-nth. */
#define NEED_FAULT_INJECTION()                                              \
	do {                                                                \
		if (self->nth < 0)                                          \
			SKIP(return,                                        \
			     "no fault injection in this kernel (fail-nth)"); \
	} while (0)

FIXTURE_TEARDOWN(fault)
{
	unsigned int i;

	if (self->nth < 0)
		return;
	for (i = 0; i < NKNOBS; i++)
		write_str(knobs[i][0], self->saved[i]);
	close(self->nth);
	zc_destroy(self->name);
}

/* Make the nth fault-injectable allocation of this thread fail. */
static void arm(int nth_fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	pwrite(nth_fd, buf, len, 0);
}

/*
 * Whether the armed failure was used (the count ran out), and disarm it:
 * an operation that never reached the nth site leaves it set.
 */
static bool fired(int nth_fd)
{
	char buf[16] = { 0 };

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return false;
	if (atoi(buf) == 0)
		return true;
	pwrite(nth_fd, "0", 1, 0);
	return false;
}

/* A ring whole and usable: a record goes in and comes back out. */
static int ring_works(const char *name)
{
	char buf[16];
	int fd = zc_open(name, O_RDWR), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, "fault", 5) == 5 && read(fd, buf, sizeof(buf)) == 5 &&
	     !memcmp(buf, "fault", 5);
	close(fd);
	return ok ? 0 : -EIO;
}

TEST_F(fault, every_allocation_of_ring_creation)
{
	unsigned int n, failed = 0, no_node = 0;
	char path[128];
	int ret;

	NEED_FAULT_INJECTION();
	for (n = 1; n < MAX_SITES; n++) {
		arm(self->nth, n);
		ret = zc_create(self->name, RING_SIZE, 0, 0);
		if (!fired(self->nth)) {
			ASSERT_EQ(0, ret) TH_LOG("site %u", n);
			ASSERT_EQ(0, ring_works(self->name));
			ASSERT_EQ(0, zc_destroy(self->name));
			break;
		}
		if (ret) {
			ASSERT_EQ(-ENOMEM, ret) TH_LOG("site %u", n);
			ASSERT_EQ(-1, zc_open(self->name, O_RDONLY));
			ASSERT_EQ(ENOENT, errno);
			failed++;
		} else if (ring_works(self->name) == -ENOENT) {
			/*
			 * The one failure the kernel cannot report: device_add()
			 * ignores devtmpfs's, so the ring exists (sysfs lists
			 * it) without its /dev node.  It must still go cleanly.
			 */
			snprintf(path, sizeof(path), "/sys/class/zcring/%s",
				 self->name);
			ASSERT_EQ(0, access(path, F_OK)) TH_LOG("site %u", n);
			ASSERT_EQ(0, zc_destroy(self->name));
			no_node++;
		} else {
			/* A failure the kernel absorbed: the ring is whole. */
			ASSERT_EQ(0, ring_works(self->name)) TH_LOG("site %u", n);
			ASSERT_EQ(0, zc_destroy(self->name));
		}
	}
	ASSERT_LT(n, MAX_SITES);
	TH_LOG("ring creation: %u allocation sites, %u refused with ENOMEM, %u without a devtmpfs node",
	       n - 1, failed, no_node);
	EXPECT_LT(0, failed);
}

/*
 * mmap() of both pieces, lazy and populated (vm_insert_pages() may need
 * page tables): ENOMEM or a mapping that reads the ring.
 */
static void sweep_mmap(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fault) *self, uint32_t flags)
{
	size_t len = PAGE + 2 * RING_SIZE;
	unsigned int n, failed = 0;
	void *cons, *ro;
	int fd;

	ASSERT_EQ(0, zc_create(self->name, RING_SIZE, flags, 0));
	fd = zc_open(self->name, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(2, write(fd, "mm", 2));
	for (n = 1; n < MAX_SITES; n++) {
		bool was;
		int err;

		arm(self->nth, n);
		cons = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    0);
		ro = cons == MAP_FAILED ? MAP_FAILED :
			mmap(NULL, len, PROT_READ, MAP_SHARED, fd, PAGE);
		err = errno;
		was = fired(self->nth);
		if (ro == MAP_FAILED) {
			/* Only ever for an injected failure, and ENOMEM. */
			ASSERT_TRUE(was) TH_LOG("site %u", n);
			ASSERT_EQ(ENOMEM, err) TH_LOG("site %u", n);
			failed++;
		} else {
			const uint8_t *data = (const uint8_t *)ro + PAGE;

			ASSERT_EQ(0, memcmp(data + sizeof(struct zcring_rec_hdr),
					    "mm", 2));
			munmap(ro, len);
		}
		if (cons != MAP_FAILED)
			munmap(cons, PAGE);
		/* Done once the calls no longer reach the nth site. */
		if (!was)
			break;
	}
	close(fd);
	ASSERT_LT(n, MAX_SITES);
	TH_LOG("mmap (%s): %u allocation sites, %u refused with ENOMEM",
	       flags & ZCRING_F_POPULATE ? "populated" : "lazy", n - 1, failed);
}

TEST_F(fault, every_allocation_of_mmap_lazy)
{
	NEED_FAULT_INJECTION();
	sweep_mmap(_metadata, self, 0);
}

TEST_F(fault, every_allocation_of_mmap_populated)
{
	NEED_FAULT_INJECTION();
	sweep_mmap(_metadata, self, ZCRING_F_POPULATE);
}

/*
 * write(), read() and the generator on a ring that exists: they allocate
 * nothing of their own, so every armed failure goes unused or lands in
 * the system call's own machinery; either way records stay whole.
 */
TEST_F(fault, write_read_and_generate_under_injection)
{
	uint64_t committed, dropped;
	unsigned int n;
	char buf[64];
	int fd, ret;

	NEED_FAULT_INJECTION();
	ASSERT_EQ(0, zc_create(self->name, RING_SIZE, 0, 0));
	fd = zc_open(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	for (n = 1; n <= 16; n++) {
		arm(self->nth, n);
		ret = write(fd, "abcd", 4);
		if (ret < 0) {
			ASSERT_EQ(ENOMEM, errno);
		}
		fired(self->nth);
		if (ret == 4) {
			ASSERT_EQ(4, read(fd, buf, sizeof(buf)));
			ASSERT_EQ(0, memcmp(buf, "abcd", 4));
		}
		arm(self->nth, n);
		ret = zc_generate(fd, 4, 32, 0, &committed, &dropped);
		fired(self->nth);
		if (ret) {
			ASSERT_EQ(-ENOMEM, ret);
		} else {
			ASSERT_EQ(4, committed + dropped);
		}
		while (read(fd, buf, sizeof(buf)) == 32)
			;
	}
	close(fd);
}

TEST_HARNESS_MAIN
