// SPDX-License-Identifier: GPL-2.0
/*
 * The mapping: its layout, every refusal of a wrong offset, length, flag
 * or protection, read-only pages that stay read-only (mprotect, mremap,
 * /proc/self/mem, fork), faults in lazy and populate mode, and mappings
 * that outlive their file and the ring's destruction.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define RING_SIZE (4 * 4096UL)

FIXTURE(ring)
{
	char name[32];
	struct zc_map m;
};

FIXTURE_VARIANT(ring)
{
	uint32_t flags;
};

FIXTURE_VARIANT_ADD(ring, lazy)
{
	.flags = 0,
};

FIXTURE_VARIANT_ADD(ring, populate)
{
	.flags = ZCRING_F_POPULATE,
};

FIXTURE_SETUP(ring)
{
	snprintf(self->name, sizeof(self->name), "mmap-%d", getpid());
	ASSERT_EQ(0, zc_create(self->name, RING_SIZE, variant->flags, 0));
	self->m.fd = zc_open(self->name, O_RDWR);
	ASSERT_LE(0, self->m.fd);
}

FIXTURE_TEARDOWN(ring)
{
	zc_unmap(&self->m);
	zc_destroy(self->name);
}

static void *map(int fd, size_t len, int prot, int flags, size_t pgoff)
{
	return mmap(NULL, len, prot, flags, fd, pgoff * PAGE);
}

/* A refused mmap: MAP_FAILED and @err. */
#define EXPECT_MAP_ERR(err, len, prot, flags, pgoff)                        \
	do {                                                                \
		errno = 0;                                                  \
		EXPECT_EQ(MAP_FAILED,                                       \
			  map(self->m.fd, len, prot, flags, pgoff));        \
		EXPECT_EQ(err, errno);                                      \
	} while (0)

TEST_F(ring, layout_of_the_producer_page)
{
	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	EXPECT_EQ(ZCRING_ABI_VERSION, self->m.prod->abi_version);
	EXPECT_EQ(RING_SIZE, self->m.prod->data_size);
	EXPECT_EQ(variant->flags, self->m.prod->flags);
	EXPECT_EQ(0, self->m.prod->state);
	EXPECT_EQ(0, self->m.prod->producer_pos);
	EXPECT_EQ(0, self->m.prod->dropped_records);
	EXPECT_EQ(0, self->m.cons->consumer_pos);
	EXPECT_EQ(0, self->m.cons->wake_watermark);
}

TEST_F(ring, refuses_private_and_exec_mappings)
{
	EXPECT_MAP_ERR(EINVAL, PAGE, PROT_READ, MAP_PRIVATE, 0);
	EXPECT_MAP_ERR(EINVAL, PAGE + 2 * RING_SIZE, PROT_READ, MAP_PRIVATE, 1);
	EXPECT_MAP_ERR(EPERM, PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, 0);
	EXPECT_MAP_ERR(EPERM, PAGE + 2 * RING_SIZE, PROT_READ | PROT_EXEC,
		       MAP_SHARED, 1);
}

TEST_F(ring, refuses_write_on_read_only_region)
{
	EXPECT_MAP_ERR(EPERM, PAGE + 2 * RING_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED, 1);
	EXPECT_MAP_ERR(EPERM, PAGE + 2 * RING_SIZE, PROT_WRITE, MAP_SHARED, 1);
}

/*
 * A file open only to read maps the read-only piece, but not the consumer
 * page for writing (the VFS refuses a writable shared mapping of it), and
 * may not produce: write() and the generator are both EBADF.
 */
TEST_F(ring, read_only_file_can_neither_write_nor_generate)
{
	struct zcring_generate gen = {
		.size = sizeof(gen), .count = 1, .record_size = 64,
	};
	int fd = zc_open(self->name, O_RDONLY);
	void *p;

	ASSERT_LE(0, fd);
	errno = 0;
	EXPECT_EQ(MAP_FAILED, map(fd, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(EACCES, errno);
	p = map(fd, PAGE + 2 * RING_SIZE, PROT_READ, MAP_SHARED, 1);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, PAGE + 2 * RING_SIZE);
	EXPECT_EQ(-1, write(fd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(fd, ZCRING_IOC_GENERATE, &gen));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, gen.committed);
	close(fd);
}

TEST_F(ring, refuses_other_offsets_and_lengths)
{
	size_t n = RING_SIZE / PAGE;

	/* Offsets inside the data, past it, and far beyond. */
	EXPECT_MAP_ERR(EINVAL, PAGE, PROT_READ, MAP_SHARED, 2);
	EXPECT_MAP_ERR(EINVAL, PAGE, PROT_READ, MAP_SHARED, 3);
	EXPECT_MAP_ERR(EINVAL, PAGE, PROT_READ, MAP_SHARED, 2 + n);
	EXPECT_MAP_ERR(EINVAL, PAGE, PROT_READ, MAP_SHARED, 2 + 2 * n);
	EXPECT_MAP_ERR(EINVAL, PAGE, PROT_READ, MAP_SHARED, 1UL << 30);
	/* The consumer page alone, nothing more. */
	EXPECT_MAP_ERR(EINVAL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	/* The producer region whole, nothing less and nothing more. */
	EXPECT_MAP_ERR(EINVAL, PAGE, PROT_READ, MAP_SHARED, 1);
	EXPECT_MAP_ERR(EINVAL, PAGE + RING_SIZE, PROT_READ, MAP_SHARED, 1);
	EXPECT_MAP_ERR(EINVAL, 2 * PAGE + 2 * RING_SIZE, PROT_READ, MAP_SHARED,
		       1);
	/* Lengths that overflow are the VFS's to refuse. */
	EXPECT_MAP_ERR(ENOMEM, (size_t)-PAGE, PROT_READ, MAP_SHARED, 1);
}

TEST_F(ring, mprotect_cannot_make_read_only_writable_or_executable)
{
	size_t len = PAGE + 2 * RING_SIZE;

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	EXPECT_EQ(-1, mprotect(self->m.prod_map, len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	/* A part of it, the data only, is no different. */
	EXPECT_EQ(-1, mprotect((char *)self->m.prod_map + PAGE, PAGE,
			       PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(self->m.prod_map, len, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(self->m.cons, PAGE, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* Dropping to read-only and back is the consumer page's right. */
	EXPECT_EQ(0, mprotect(self->m.cons, PAGE, PROT_READ));
	EXPECT_EQ(0, mprotect(self->m.cons, PAGE, PROT_READ | PROT_WRITE));
}

TEST_F(ring, mremap_cannot_grow_a_mapping)
{
	size_t len = PAGE + 2 * RING_SIZE;
	void *p;

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	p = mremap(self->m.prod_map, len, len + PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
	p = mremap(self->m.cons, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
	/* Moving it whole is allowed, and the moved copy still reads. */
	p = mremap(self->m.prod_map, len, len, MREMAP_MAYMOVE);
	ASSERT_NE(MAP_FAILED, p);
	self->m.prod_map = p;
	self->m.prod = p;
	EXPECT_EQ(RING_SIZE, self->m.prod->data_size);
}

TEST_F(ring, proc_self_mem_cannot_write_read_only_pages)
{
	uint64_t evil = 0xdeadbeef;
	int fd;

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* Both the producer page and the data. */
	EXPECT_EQ(-1, pwrite(fd, &evil, sizeof(evil),
			     (uintptr_t)self->m.prod_map));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pwrite(fd, &evil, sizeof(evil),
			     (uintptr_t)self->m.data + PAGE));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(RING_SIZE, self->m.prod->data_size);
	EXPECT_EQ(0, self->m.data[PAGE]);
	/* Reading through it works, so the refusals above are about writes. */
	EXPECT_EQ(sizeof(evil), pread(fd, &evil, sizeof(evil),
				      (uintptr_t)&self->m.prod->data_size));
	EXPECT_EQ(RING_SIZE, evil);
	close(fd);
}

/* A store to a read-only page kills the process that tries it. */
TEST_F(ring, store_to_read_only_page_faults_in_parent_and_child)
{
	int status, i;
	pid_t pid;

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	for (i = 0; i < 2; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			/* The forked copy is no more writable than ours. */
			if (i == 1 && !mprotect(self->m.prod_map, PAGE,
						PROT_READ | PROT_WRITE))
				_exit(1);
			*(volatile uint8_t *)(self->m.data + i * RING_SIZE) = 1;
			_exit(2);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
		if (WIFSIGNALED(status))
			EXPECT_EQ(SIGSEGV, WTERMSIG(status));
	}
	EXPECT_EQ(0, self->m.data[0]);
}

/* A forked child reads and consumes through the mapping it inherited. */
TEST_F(ring, forked_child_consumes_inherited_mapping)
{
	char rec[40] = "from the parent";
	int status;
	pid_t pid;

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		const struct zcring_rec_hdr *hdr = (const void *)self->m.data;

		if (zc_prod_pos(&self->m) != ZCRING_REC_SIZE(sizeof(rec)) ||
		    hdr->len != sizeof(rec) ||
		    memcmp(hdr + 1, rec, sizeof(rec)))
			_exit(1);
		zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's consumer position is the ring's. */
	EXPECT_EQ(ZCRING_REC_SIZE(sizeof(rec)), zc_cons_pos(&self->m));
}

/*
 * Lazy mode: each page faults once, on first touch, and is counted.
 * Populate mode: every page is there at mmap() time, no faults at all.
 */
TEST_F(ring, faults_once_per_page_in_lazy_mode_never_in_populate)
{
	size_t pages = 1 + 1 + 2 * RING_SIZE / PAGE, i;
	struct zcring_stats st;
	volatile uint8_t sink;
	int round;

	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(0, st.faults);
	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	ASSERT_EQ(0, zc_stats(self->m.fd, &st));
	EXPECT_EQ(0, st.faults);
	for (round = 0; round < 2; round++) {
		self->m.cons->wake_watermark = 0;
		for (i = 0; i < PAGE + 2 * RING_SIZE; i += PAGE)
			sink = ((const uint8_t *)self->m.prod_map)[i];
		ASSERT_EQ(0, zc_stats(self->m.fd, &st));
		EXPECT_EQ(variant->flags & ZCRING_F_POPULATE ? 0 : pages,
			  st.faults);
	}
	(void)sink;
}

/* MADV_DONTNEED drops the pages; the next touch brings the same ones back. */
TEST_F(ring, dontneed_then_touch_restores_the_same_pages)
{
	char rec[16] = "still here";

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	self->m.cons->wake_watermark = 77;
	ASSERT_EQ(0, madvise(self->m.prod_map, PAGE + 2 * RING_SIZE,
			     MADV_DONTNEED));
	ASSERT_EQ(0, madvise(self->m.cons, PAGE, MADV_DONTNEED));
	EXPECT_EQ(77, self->m.cons->wake_watermark);
	EXPECT_EQ(0, memcmp(self->m.data + sizeof(struct zcring_rec_hdr), rec,
			    sizeof(rec)));
}

/* The data appears twice back to back: byte i and byte N + i agree. */
TEST_F(ring, data_is_mapped_twice)
{
	uint8_t rec[1000];
	size_t i;

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	for (i = 0; i < sizeof(rec); i++)
		rec[i] = i * 7 + 1;
	for (i = 0; i < 3 * RING_SIZE / ZCRING_REC_SIZE(sizeof(rec)); i++) {
		ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
		zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	}
	EXPECT_EQ(0, memcmp(self->m.data, self->m.data + RING_SIZE, RING_SIZE));
}

/* The pages outlive the file, and the ring's destruction, while mapped. */
TEST_F(ring, mapping_outlives_file_and_destroy)
{
	char rec[24] = "survives destroy", path[64];

	ASSERT_EQ(0, zc_map(&self->m, self->name, RING_SIZE));
	ASSERT_EQ(sizeof(rec), write(self->m.fd, rec, sizeof(rec)));
	close(self->m.fd);
	self->m.fd = -1;
	ASSERT_EQ(0, zc_destroy(self->name));
	snprintf(path, sizeof(path), ZCRING_DEV_DIR "/%s", self->name);
	EXPECT_EQ(-1, access(path, F_OK));
	EXPECT_EQ(ZCRING_STATE_CLOSED,
		  __atomic_load_n(&self->m.prod->state, __ATOMIC_ACQUIRE));
	EXPECT_EQ(0, memcmp(self->m.data + sizeof(struct zcring_rec_hdr), rec,
			    sizeof(rec)));
	/* Still writable where it was: the consumer page. */
	zc_set_cons_pos(&self->m, zc_prod_pos(&self->m));
	EXPECT_EQ(ZCRING_REC_SIZE(sizeof(rec)), zc_cons_pos(&self->m));
}

TEST_HARNESS_MAIN
