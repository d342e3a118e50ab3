// SPDX-License-Identifier: GPL-2.0
/*
 * The zcring module as a module: it is live, its control device appears
 * with the right type and mode, answers open and close, refuses what it does
 * not offer, and the module cannot be unloaded while a file, a mapping or a
 * kernel producer uses it; unloading destroys the rings left behind.
 *
 * Run as root with the module loaded.  ZCRING_KO names the module file, so
 * that the unload tests can load it back; ZCRING_SAMPLE_KO the sample
 * producer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/zcring.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define MODULE_SYSFS "/sys/module/zcring"
#define CONTROL_SYSFS "/sys/class/misc/zcring-control"

/* The module's reference count, as /sys/module/zcring/refcnt shows it. */
static int module_refcnt(void)
{
	char buf[32];

	if (zc_read_text(MODULE_SYSFS "/refcnt", buf, sizeof(buf)) < 0)
		return -1;
	return atoi(buf);
}

TEST(module_is_live)
{
	char buf[32];

	ASSERT_LT(0, zc_read_text(MODULE_SYSFS "/initstate", buf, sizeof(buf)));
	EXPECT_STREQ("live\n", buf);
}

TEST(control_node_is_root_only_char_device)
{
	unsigned int maj, min;
	char buf[32];
	struct stat st;

	ASSERT_EQ(0, stat(ZCRING_CONTROL_PATH, &st)) {
		TH_LOG("stat %s: %s", ZCRING_CONTROL_PATH, strerror(errno));
	}
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);

	/* The node is the device the module registered, not a stale one. */
	ASSERT_LT(0, zc_read_text(CONTROL_SYSFS "/dev", buf, sizeof(buf)));
	ASSERT_EQ(2, sscanf(buf, "%u:%u", &maj, &min));
	EXPECT_EQ(maj, major(st.st_rdev));
	EXPECT_EQ(min, minor(st.st_rdev));
}

TEST(open_close_takes_and_drops_module_reference)
{
	int before, fd;

	before = module_refcnt();
	ASSERT_LE(0, before);

	fd = open(ZCRING_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) {
		TH_LOG("open %s: %s", ZCRING_CONTROL_PATH, strerror(errno));
	}
	EXPECT_EQ(before + 1, module_refcnt());
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(before, module_refcnt());
}

TEST(many_opens_all_released)
{
	enum { N = 64 };
	int fds[N], before, i;

	before = module_refcnt();
	ASSERT_LE(0, before);
	for (i = 0; i < N; i++) {
		fds[i] = open(ZCRING_CONTROL_PATH, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(before + N, module_refcnt());
	for (i = 0; i < N; i++)
		EXPECT_EQ(0, close(fds[i]));
	EXPECT_EQ(before, module_refcnt());
}

/* The control device offers no data path: each call fails as the VFS says. */
TEST(control_refuses_seek_read_write_mmap_ioctl)
{
	char buf[8] = { 0 };
	void *p;
	int fd;

	fd = open(ZCRING_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);

	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENODEV, errno);
	EXPECT_EQ(-1, ioctl(fd, _IO(0xb8, 0)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, close(fd));
}

TEST(unprivileged_open_refused)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* nobody:nogroup, with no supplementary groups */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
		if (open(ZCRING_CONTROL_PATH, O_RDONLY) >= 0)
			_exit(1);
		_exit(errno == EACCES ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("child: 1 opened it, 2 wrong errno, 3 could not drop privileges");
	}
}

/*
 * Unloading is refused while the control device is open and succeeds once
 * it is closed; the node goes with the module.  The teardown loads the
 * module back whatever happened, so that later tests find it.
 */
FIXTURE(unload)
{
	const char *ko;
	char params[64];
};

FIXTURE_SETUP(unload)
{
	self->ko = getenv("ZCRING_KO");
	if (!self->ko)
		SKIP(return, "ZCRING_KO (the module's path) is not set");
}

FIXTURE_TEARDOWN(unload)
{
	int ret;

	if (!self->ko || access(MODULE_SYSFS, F_OK) == 0)
		return;
	ret = zc_finit_module(self->ko, "");
	ASSERT_EQ(0, ret) {
		TH_LOG("cannot reload %s: %s", self->ko, strerror(-ret));
	}
	ASSERT_EQ(0, access(ZCRING_CONTROL_PATH, F_OK));
}

TEST_F(unload, refused_while_open_then_allowed)
{
	struct stat st;
	int fd, ret;

	fd = open(ZCRING_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, zc_delete_module("zcring"));
	EXPECT_EQ(0, access(MODULE_SYSFS, F_OK));
	ASSERT_EQ(0, close(fd));

	ret = zc_delete_module("zcring");
	ASSERT_EQ(0, ret) {
		TH_LOG("delete_module after close: %s", strerror(-ret));
	}
	EXPECT_EQ(-1, stat(ZCRING_CONTROL_PATH, &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, access(MODULE_SYSFS, F_OK));
}

/*
 * A mapping outlives its file descriptor and holds the module: unloading
 * is refused until it is gone.  Then the unload destroys the ring that
 * nobody destroyed, and a fresh load starts with no rings.
 */
TEST_F(unload, refused_while_mapped_then_leftover_rings_destroyed)
{
	char name[32], path[96];
	struct zc_map m;
	int ret;

	snprintf(name, sizeof(name), "left-%d", getpid());
	snprintf(path, sizeof(path), ZCRING_SYSFS_DIR "/%s", name);
	ASSERT_EQ(0, zc_create(name, PAGE, 0, 0));
	ASSERT_EQ(0, zc_map(&m, name, PAGE));
	close(m.fd);
	m.fd = -1;
	EXPECT_EQ(-EWOULDBLOCK, zc_delete_module("zcring"));
	/* The mapping still reads: the ring lives while it is mapped. */
	EXPECT_EQ(PAGE, m.prod->data_size);
	zc_unmap(&m);

	ret = zc_delete_module("zcring");
	ASSERT_EQ(0, ret) {
		TH_LOG("delete_module after munmap: %s", strerror(-ret));
	}
	EXPECT_EQ(-1, access(path, F_OK));
	ASSERT_EQ(0, zc_finit_module(self->ko, ""));
	EXPECT_EQ(-1, access(path, F_OK));
	/* The name is free again in the new instance. */
	EXPECT_EQ(0, zc_create(name, PAGE, 0, 0));
	EXPECT_EQ(0, zc_destroy(name));
}

/*
 * A module that uses the exported API holds zcring: unloading zcring is
 * refused while the sample producer is loaded.  The sample's ring is
 * kernel-owned, so userspace cannot destroy it; unloading the sample does,
 * and then zcring unloads.
 */
TEST_F(unload, kernel_producer_holds_the_module)
{
	const char *sample = getenv("ZCRING_SAMPLE_KO");
	char name[32], path[96];
	int ret;

	if (!sample)
		SKIP(return, "ZCRING_SAMPLE_KO is not set");
	snprintf(name, sizeof(name), "held-%d", getpid());
	snprintf(path, sizeof(path), ZCRING_SYSFS_DIR "/%s", name);
	snprintf(self->params, sizeof(self->params), "name=%s", name);
	ASSERT_EQ(0, zc_finit_module(sample, self->params));
	EXPECT_EQ(0, access(path, F_OK));
	EXPECT_EQ(-EPERM, zc_destroy(name));
	EXPECT_EQ(-EWOULDBLOCK, zc_delete_module("zcring"));

	ASSERT_EQ(0, zc_delete_module("zcring_sample"));
	EXPECT_EQ(-1, access(path, F_OK));
	ret = zc_delete_module("zcring");
	ASSERT_EQ(0, ret) {
		TH_LOG("delete_module after the sample: %s", strerror(-ret));
	}
}

TEST_HARNESS_MAIN
