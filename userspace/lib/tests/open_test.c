// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Opening rings: file images good and bad, argument checks, names, and
 * resuming where the last consumer stopped.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "producer.h"

#include "kselftest_harness.h"

FIXTURE(image) {
	struct tprod p;
	struct zcring *ring;
};

FIXTURE_SETUP(image)
{
	ASSERT_EQ(0, tprod_init(&self->p, 4 * sysconf(_SC_PAGESIZE)));
	self->ring = NULL;
}

FIXTURE_TEARDOWN(image)
{
	zcring_close(self->ring);
	tprod_fini(&self->p);
}

TEST_F(image, open_fd)
{
	__u64 committed, dropped;
	struct zcring_stats st;
	struct zcring_info info;
	int fd;

	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	EXPECT_EQ(self->p.size, zcring_data_size(self->ring));
	EXPECT_EQ(0, zcring_closed(self->ring));
	EXPECT_EQ(0, zcring_dropped_records(self->ring));
	/* The ring holds its own descriptor, close-on-exec. */
	fd = zcring_fd(self->ring);
	ASSERT_GE(fd, 0);
	EXPECT_NE(tprod_fd(&self->p), fd);
	EXPECT_NE(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* A file image has no ioctls. */
	EXPECT_EQ(-ENOTTY, zcring_info(self->ring, &info));
	EXPECT_EQ(-ENOTTY, zcring_stats(self->ring, &st));
	EXPECT_EQ(-ENOTTY, zcring_generate(self->ring, 1, 64, 0, &committed,
					   &dropped));
	/* The state is read live from the producer page. */
	self->p.prod->dropped_records = 5;
	EXPECT_EQ(5, zcring_dropped_records(self->ring));
	tprod_close(&self->p);
	EXPECT_EQ(1, zcring_closed(self->ring));
}

/* The caller's descriptor is the caller's: closing it changes nothing. */
TEST_F(image, open_fd_keeps_own_descriptor)
{
	int fd = dup(tprod_fd(&self->p)), n;
	__u8 b = 7;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, zcring_open_fd(fd, 0, &self->ring));
	close(fd);
	ASSERT_EQ(0, tprod_write(&self->p, &b, 1));
	n = zcring__ready(self->ring);
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, fcntl(zcring_fd(self->ring), F_GETFL) & O_NONBLOCK);
}

/* NONBLOCK lands on the shared open file description. */
TEST_F(image, open_fd_nonblock)
{
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), ZCRING_OPEN_NONBLOCK,
				    &self->ring));
	EXPECT_NE(0, fcntl(zcring_fd(self->ring), F_GETFL) & O_NONBLOCK);
	EXPECT_NE(0, fcntl(tprod_fd(&self->p), F_GETFL) & O_NONBLOCK);
}

/* A path with '/' is opened as is: here, the memfd through /proc. */
TEST_F(image, open_by_path)
{
	char path[64];
	__u8 b = 3;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", tprod_fd(&self->p));
	ASSERT_EQ(0, tprod_write(&self->p, &b, 1));
	ASSERT_EQ(0, zcring_open(path, 0, &self->ring));
	EXPECT_EQ(self->p.size, zcring_data_size(self->ring));
	EXPECT_EQ(1, zcring__ready(self->ring));
}

static int no_record(void *ctx, const void *data, __u32 len)
{
	return -EIO;
}

/*
 * Handles that inspect or produce map nothing: every way to consume says
 * -EBADF, and the position stays; the state and the drops are read from
 * the image.  INSPECT opens a path read-only.
 */
TEST_F(image, handles_that_do_not_consume)
{
	static const unsigned int flags[] = { ZCRING_OPEN_INSPECT,
					      ZCRING_OPEN_PRODUCE };
	struct zcring_set *set;
	struct zcring_iter it;
	unsigned int i;
	char path[64];
	__u8 b = 5;

	ASSERT_EQ(0, tprod_write(&self->p, &b, 1));
	self->p.prod->dropped_records = 3;
	ASSERT_EQ(0, zcring_set_new(&set));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), flags[i],
					    &self->ring));
		EXPECT_EQ(self->p.size, zcring_data_size(self->ring));
		EXPECT_EQ(0, zcring_closed(self->ring));
		EXPECT_EQ(3, zcring_dropped_records(self->ring));
		EXPECT_EQ(-EBADF, zcring_iter_begin(self->ring, &it));
		EXPECT_EQ(-EBADF, zcring_consume(self->ring, no_record, NULL,
						 0));
		EXPECT_EQ(-EBADF, zcring_wait(self->ring, 0));
		EXPECT_EQ(-EBADF, zcring_set_watermark(self->ring, 0));
		EXPECT_EQ(-EBADF, zcring_set_add(set, self->ring, no_record,
						 NULL));
		zcring_close(self->ring);
		self->ring = NULL;
	}
	zcring_set_free(set);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", tprod_fd(&self->p));
	ASSERT_EQ(0, zcring_open(path, ZCRING_OPEN_INSPECT, &self->ring));
	EXPECT_EQ(O_RDONLY, fcntl(zcring_fd(self->ring), F_GETFL) & O_ACCMODE);
	tprod_close(&self->p);
	EXPECT_EQ(1, zcring_closed(self->ring));
	zcring_close(self->ring);
	/* The record is still there for a handle that consumes. */
	ASSERT_EQ(0, zcring_open(path, 0, &self->ring));
	EXPECT_EQ(O_RDWR, fcntl(zcring_fd(self->ring), F_GETFL) & O_ACCMODE);
	EXPECT_EQ(1, zcring__ready(self->ring));
}

TEST_F(image, bad_arguments)
{
	struct zcring *ring = NULL;

	EXPECT_EQ(-EINVAL, zcring_open_fd(tprod_fd(&self->p), 0x80, &ring));
	EXPECT_EQ(-EINVAL, zcring_open_fd(tprod_fd(&self->p),
					  ~ZCRING_OPEN_ALL, &ring));
	EXPECT_EQ(-EINVAL, zcring_open_fd(-1, 0, &ring));
	EXPECT_EQ(-EINVAL, zcring_open_fd(tprod_fd(&self->p), 0, NULL));
	EXPECT_EQ(-EINVAL, zcring_open_fd(tprod_fd(&self->p),
					  ZCRING_OPEN_INSPECT |
						  ZCRING_OPEN_PRODUCE,
					  &ring));
	EXPECT_EQ(-EINVAL, zcring_open("x", 0x80, &ring));
	EXPECT_EQ(-EINVAL, zcring_open("x", ZCRING_OPEN_INSPECT |
						    ZCRING_OPEN_PRODUCE,
				       &ring));
	EXPECT_EQ(-EINVAL, zcring_open(NULL, 0, &ring));
	EXPECT_EQ(-EINVAL, zcring_open("x", 0, NULL));
	EXPECT_EQ(NULL, ring);
	/* Not a descriptor at all. */
	EXPECT_EQ(-EBADF, zcring_open_fd(1000000, 0, &ring));
	EXPECT_EQ(NULL, ring);
}

/* One byte short of the two pages and two copies of the data. */
TEST_F(image, short_file)
{
	ASSERT_EQ(0, ftruncate(tprod_fd(&self->p), self->p.map_len - 1));
	EXPECT_EQ(-EPROTO, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	/* Only one copy of the data. */
	ASSERT_EQ(0, ftruncate(tprod_fd(&self->p),
			       2 * self->p.page_size + self->p.size));
	EXPECT_EQ(-EPROTO, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	/* Not even a whole producer page. */
	ASSERT_EQ(0, ftruncate(tprod_fd(&self->p), self->p.page_size + 8));
	EXPECT_EQ(-EPROTO, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	ASSERT_EQ(0, ftruncate(tprod_fd(&self->p), 0));
	EXPECT_EQ(-EPROTO, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	EXPECT_EQ(NULL, self->ring);
}

TEST_F(image, wrong_abi_version)
{
	self->p.prod->abi_version = ZCRING_ABI_VERSION + 1;
	EXPECT_EQ(-EPROTO, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	self->p.prod->abi_version = ~0U;
	EXPECT_EQ(-EPROTO, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	EXPECT_EQ(NULL, self->ring);
	/* Back as it was, it opens: the failures were the version. */
	self->p.prod->abi_version = ZCRING_ABI_VERSION;
	EXPECT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
}

TEST_F(image, bad_data_size)
{
	__u64 bad[] = {
		0,
		3 * self->p.page_size,		/* not a power of two */
		self->p.size + 8,
		self->p.page_size / 2,		/* below a page */
		8,
		1ULL << 63,			/* bigger than the file */
		2 * self->p.size,		/* the file holds one copy */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		self->p.prod->data_size = bad[i];
		EXPECT_EQ(-EPROTO, zcring_open_fd(tprod_fd(&self->p), 0,
						  &self->ring)) {
			TH_LOG("data_size %llu", (unsigned long long)bad[i]);
		}
	}
	EXPECT_EQ(NULL, self->ring);
	/* A smaller ring than the file holds is a good image of that ring. */
	self->p.prod->data_size = self->p.size / 2;
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	EXPECT_EQ(self->p.size / 2, zcring_data_size(self->ring));
}

/* A new handle starts at the consumer page's position. */
TEST_F(image, resumes_at_consumer_pos)
{
	struct zcring_iter it;
	const void *data;
	__u32 len;
	__u8 b;

	for (b = 0; b < 3; b++)
		ASSERT_EQ(0, tprod_write(&self->p, &b, 1));
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
	ASSERT_EQ(1, zcring_peek(&it, &data, &len));
	zcring_release(&it);
	zcring_iter_end(&it);
	zcring_close(self->ring);
	self->ring = NULL;

	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	ASSERT_EQ(0, zcring_iter_begin(self->ring, &it));
	ASSERT_EQ(1, zcring_peek(&it, &data, &len));
	EXPECT_EQ(1, *(const __u8 *)data);
	EXPECT_EQ(1, zcring_rec_seq(data));
}

TEST_F(image, watermark)
{
	ASSERT_EQ(0, zcring_open_fd(tprod_fd(&self->p), 0, &self->ring));
	EXPECT_EQ(-EINVAL, zcring_set_watermark(self->ring, self->p.size + 1));
	EXPECT_EQ(0, self->p.cons->wake_watermark);
	EXPECT_EQ(0, zcring_set_watermark(self->ring, self->p.size));
	EXPECT_EQ(self->p.size, self->p.cons->wake_watermark);
	EXPECT_EQ(0, zcring_set_watermark(self->ring, 100));
	EXPECT_EQ(100, self->p.cons->wake_watermark);
}

/* Ring names are checked before anything is opened. */
TEST(name_checks)
{
	char name[ZCRING_NAME_MAX + 1];
	struct zcring *ring = NULL;

	memset(name, 'a', sizeof(name));
	name[ZCRING_NAME_MAX] = '\0';
	/* ZCRING_NAME_MAX bytes: no room for the NUL. */
	EXPECT_EQ(-ENAMETOOLONG, zcring_open(name, 0, &ring));
	EXPECT_EQ(-ENOENT, zcring_open("", 0, &ring));
	EXPECT_EQ(-ENAMETOOLONG, zcring_create(name, 4096, 0, 0));
	EXPECT_EQ(-ENAMETOOLONG, zcring_destroy(name));
	EXPECT_EQ(NULL, ring);
}

/* Without the module there is no device, and no control device. */
TEST(missing_device)
{
	char name[ZCRING_NAME_MAX];
	struct zcring *ring = NULL;

	if (!access(ZCRING_DEV_DIR, F_OK))
		SKIP(return, ZCRING_DEV_DIR " exists: the module is loaded");
	/* The longest name that is allowed gets as far as open(). */
	memset(name, 'a', sizeof(name));
	name[ZCRING_NAME_MAX - 1] = '\0';
	EXPECT_EQ(-ENOENT, zcring_open(name, 0, &ring));
	EXPECT_EQ(-ENOENT, zcring_open("nosuchring", 0, &ring));
	EXPECT_EQ(-ENOENT, zcring_open("/nonexistent/zcring/ring", 0, &ring));
	EXPECT_EQ(-ENOENT, zcring_create("r", 4096, 0, 0));
	EXPECT_EQ(-ENOENT, zcring_destroy("r"));
	EXPECT_EQ(NULL, ring);
}

TEST_HARNESS_MAIN
