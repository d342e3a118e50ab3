// SPDX-License-Identifier: GPL-2.0
/*
 * Creating and destroying rings through /dev/zcring/control: the device
 * node and sysfs entry of each ring, and a distinct errno for each kind of
 * bad request.  Run as root with the module loaded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define PARAM(name) "/sys/module/zcring/parameters/" name
#define MAX_RING_SIZE_PARAM PARAM("max_ring_size")
#define MAX_USER_RINGS_PARAM PARAM("max_user_rings")
#define MAX_USER_BYTES_PARAM PARAM("max_user_bytes")

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int create_raw(struct zcring_create *req)
{
	return zc_control(ZCRING_IOC_CREATE, req);
}

static void fill_create(struct zcring_create *req, const char *name)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->data_size = 4096;
	memcpy(req->name, name, strnlen(name, sizeof(req->name)));
}

TEST(create_makes_node_with_mode_and_sysfs_entry)
{
	char buf[64];
	struct stat st;

	ASSERT_EQ(0, zc_create("ctl-a", 8192, 0, 0640));
	ASSERT_EQ(0, stat(ZCRING_DEV_DIR "/ctl-a", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0640, st.st_mode & 07777);
	ASSERT_LE(0, zc_read_text(ZCRING_SYSFS_DIR "/ctl-a/data_size", buf,
			       sizeof(buf)));
	EXPECT_STREQ("8192\n", buf);
	ASSERT_LE(0, zc_read_text(ZCRING_SYSFS_DIR "/ctl-a/flags", buf,
			       sizeof(buf)));
	EXPECT_STREQ("0x0\n", buf);
	ASSERT_LE(0, zc_read_text(ZCRING_SYSFS_DIR "/ctl-a/owner", buf,
			       sizeof(buf)));
	EXPECT_STREQ("user\n", buf);

	ASSERT_EQ(0, zc_create("ctl-b", 4096, ZCRING_F_POPULATE, 0));
	ASSERT_EQ(0, stat(ZCRING_DEV_DIR "/ctl-b", &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	ASSERT_LE(0, zc_read_text(ZCRING_SYSFS_DIR "/ctl-b/flags", buf,
			       sizeof(buf)));
	EXPECT_STREQ("0x1\n", buf);

	EXPECT_EQ(0, zc_destroy("ctl-a"));
	EXPECT_EQ(0, zc_destroy("ctl-b"));
}

TEST(destroy_removes_node_and_sysfs_entry)
{
	struct stat st;

	ASSERT_EQ(0, zc_create("ctl-gone", 4096, 0, 0));
	ASSERT_EQ(0, zc_destroy("ctl-gone"));
	EXPECT_EQ(-1, stat(ZCRING_DEV_DIR "/ctl-gone", &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, stat(ZCRING_SYSFS_DIR "/ctl-gone", &st));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-ENOENT, zc_destroy("ctl-gone"));
	/* The name is free again. */
	EXPECT_EQ(0, zc_create("ctl-gone", 4096, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-gone"));
}

TEST(info_reports_geometry)
{
	struct zcring_info info;
	int fd;

	ASSERT_EQ(0, zc_create("ctl-info", 16384, ZCRING_F_POPULATE, 0));
	fd = zc_open("ctl-info", O_RDONLY);
	ASSERT_LE(0, fd);
	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, ioctl(fd, ZCRING_IOC_INFO, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(ZCRING_ABI_VERSION, info.abi_version);
	EXPECT_EQ(16384, info.data_size);
	EXPECT_EQ(ZCRING_F_POPULATE, info.flags);
	EXPECT_EQ(PAGE, info.page_size);
	EXPECT_STREQ("ctl-info", info.name);
	EXPECT_EQ(0, info.reserved[0] | info.reserved[3]);
	close(fd);
	EXPECT_EQ(0, zc_destroy("ctl-info"));
}

/* Each bad name has its own errno. */
TEST(create_rejects_bad_names)
{
	struct zcring_create req;
	char longname[ZCRING_NAME_MAX + 1];

	EXPECT_EQ(-ENOENT, zc_create("", 4096, 0, 0));
	EXPECT_EQ(-EILSEQ, zc_create("a/b", 4096, 0, 0));
	EXPECT_EQ(-EILSEQ, zc_create(".", 4096, 0, 0));
	EXPECT_EQ(-EILSEQ, zc_create("..", 4096, 0, 0));
	EXPECT_EQ(-EILSEQ, zc_create("control", 4096, 0, 0));
	EXPECT_EQ(-EILSEQ, zc_create("sp ace", 4096, 0, 0));
	EXPECT_EQ(-EILSEQ, zc_create("tab\t", 4096, 0, 0));

	/* Exactly ZCRING_NAME_MAX bytes: no room for the NUL. */
	memset(longname, 'x', sizeof(longname));
	longname[ZCRING_NAME_MAX] = '\0';
	fill_create(&req, "");
	memcpy(req.name, longname, ZCRING_NAME_MAX);
	EXPECT_EQ(-ENAMETOOLONG, create_raw(&req));
	/* One shorter fits. */
	longname[ZCRING_NAME_MAX - 1] = '\0';
	EXPECT_EQ(0, zc_create(longname, 4096, 0, 0));
	EXPECT_EQ(0, zc_destroy(longname));

	ASSERT_EQ(0, zc_create("ctl-dup", 4096, 0, 0));
	EXPECT_EQ(-EEXIST, zc_create("ctl-dup", 8192, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-dup"));
}

TEST(create_rejects_bad_sizes)
{
	EXPECT_EQ(-ERANGE, zc_create("ctl-size", 0, 0, 0));
	EXPECT_EQ(-ERANGE, zc_create("ctl-size", 1, 0, 0));
	EXPECT_EQ(-ERANGE, zc_create("ctl-size", PAGE / 2, 0, 0));
	EXPECT_EQ(-ERANGE, zc_create("ctl-size", 3 * PAGE, 0, 0));
	EXPECT_EQ(-ERANGE, zc_create("ctl-size", (1ULL << 40) + 1, 0, 0));
	EXPECT_EQ(-EFBIG, zc_create("ctl-size", 1ULL << 40, 0, 0));
	EXPECT_EQ(-EFBIG, zc_create("ctl-size", 1ULL << 63, 0, 0));
	EXPECT_EQ(0, zc_create("ctl-size", PAGE, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-size"));
}

TEST(create_rejects_flags_reserved_size_and_mode)
{
	struct zcring_create req;

	fill_create(&req, "ctl-bad");
	req.flags = 0x80;
	EXPECT_EQ(-EOPNOTSUPP, create_raw(&req));

	fill_create(&req, "ctl-bad");
	req.reserved0 = 1;
	EXPECT_EQ(-EINVAL, create_raw(&req));

	fill_create(&req, "ctl-bad");
	req.reserved[3] = 1;
	EXPECT_EQ(-EINVAL, create_raw(&req));

	fill_create(&req, "ctl-bad");
	req.size = sizeof(req) - 8;
	EXPECT_EQ(-EINVAL, create_raw(&req));

	fill_create(&req, "ctl-bad");
	req.mode = 01644;
	EXPECT_EQ(-EINVAL, create_raw(&req));

	/* Bits beyond a umode_t's 16 are refused too, not cut off. */
	fill_create(&req, "ctl-bad");
	req.mode = 0x10000 | 0777;
	EXPECT_EQ(-EINVAL, create_raw(&req));

	EXPECT_EQ(-EFAULT, zc_control(ZCRING_IOC_CREATE, NULL));
	EXPECT_EQ(-EFAULT, zc_control(ZCRING_IOC_CREATE, (void *)1));
	EXPECT_EQ(-ENOTTY, zc_control(_IOW(ZCRING_IOC_MAGIC, 0x7f, int), &req));
	/* Nothing of these was created. */
	EXPECT_EQ(-ENOENT, zc_destroy("ctl-bad"));
}

TEST(destroy_rejects_bad_requests)
{
	struct zcring_destroy req = { .size = sizeof(req) };

	strcpy(req.name, "ctl-d");
	ASSERT_EQ(0, zc_create("ctl-d", 4096, 0, 0));
	req.size = 8;
	EXPECT_EQ(-EINVAL, zc_control(ZCRING_IOC_DESTROY, &req));
	req.size = sizeof(req);
	req.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, zc_control(ZCRING_IOC_DESTROY, &req));
	req.reserved[1] = 0;
	memset(req.name, 'y', sizeof(req.name));
	EXPECT_EQ(-ENAMETOOLONG, zc_control(ZCRING_IOC_DESTROY, &req));
	EXPECT_EQ(-EFAULT, zc_control(ZCRING_IOC_DESTROY, NULL));
	/* Still there after all of that. */
	EXPECT_EQ(0, zc_destroy("ctl-d"));
}

TEST(max_ring_size_parameter_limits_creation)
{
	char old[64];

	ASSERT_LE(0, zc_read_text(MAX_RING_SIZE_PARAM, old, sizeof(old)));
	ASSERT_EQ(0, write_text(MAX_RING_SIZE_PARAM, "65536"));
	EXPECT_EQ(-EFBIG, zc_create("ctl-max", 131072, 0, 0));
	EXPECT_EQ(0, zc_create("ctl-max", 65536, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-max"));
	ASSERT_EQ(0, write_text(MAX_RING_SIZE_PARAM, old));
	EXPECT_EQ(0, zc_create("ctl-max", 131072, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-max"));
}

/*
 * The number of rings is bounded: the one past the limit gets ENOSPC.  The
 * per-user limit, lower by default, is lifted for the test.
 */
TEST(ring_count_is_bounded)
{
	char name[32], old[64];
	int i, made, ret = 0;

	ASSERT_LE(0, zc_read_text(MAX_USER_RINGS_PARAM, old, sizeof(old)));
	ASSERT_EQ(0, write_text(MAX_USER_RINGS_PARAM, "100000"));
	for (made = 0; made < 1024; made++) {
		snprintf(name, sizeof(name), "ctl-n%d", made);
		ret = zc_create(name, 4096, 0, 0);
		if (ret)
			break;
	}
	EXPECT_EQ(-ENOSPC, ret);
	EXPECT_LT(0, made);
	EXPECT_GE(256, made);
	for (i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "ctl-n%d", i);
		EXPECT_EQ(0, zc_destroy(name));
	}
	ASSERT_EQ(0, write_text(MAX_USER_RINGS_PARAM, old));
}

/*
 * What this user's rings hold now, from sysfs: every ring there that
 * userspace made (the tests run as one user), data and two pages each.
 */
static void user_usage(unsigned long *rings, unsigned long *bytes)
{
	char path[300], text[64];
	struct dirent *de;
	DIR *dir = opendir("/sys/class/zcring");

	*rings = 0;
	*bytes = 0;
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/zcring/%s/owner",
			 de->d_name);
		if (zc_read_text(path, text, sizeof(text)) < 0 ||
		    strcmp(text, "user\n"))
			continue;
		snprintf(path, sizeof(path), "/sys/class/zcring/%s/data_size",
			 de->d_name);
		if (zc_read_text(path, text, sizeof(text)) < 0)
			continue;
		(*rings)++;
		*bytes += strtoul(text, NULL, 10) + 2 * PAGE;
	}
	if (dir)
		closedir(dir);
}

static void set_ulong(const char *path, unsigned long v)
{
	char text[32];

	snprintf(text, sizeof(text), "%lu", v);
	write_text(path, text);
}

/*
 * max_user_rings: the ring past it gets EDQUOT, allocating nothing; one
 * destroyed makes room again.
 */
TEST(user_ring_limit)
{
	unsigned long rings, bytes;
	char old[64];

	ASSERT_LE(0, zc_read_text(MAX_USER_RINGS_PARAM, old, sizeof(old)));
	user_usage(&rings, &bytes);
	set_ulong(MAX_USER_RINGS_PARAM, rings + 2);
	EXPECT_EQ(0, zc_create("ctl-u1", 4096, 0, 0));
	EXPECT_EQ(0, zc_create("ctl-u2", 4096, 0, 0));
	EXPECT_EQ(-EDQUOT, zc_create("ctl-u3", 4096, 0, 0));
	EXPECT_EQ(-ENOENT, zc_destroy("ctl-u3"));
	EXPECT_EQ(0, zc_destroy("ctl-u1"));
	EXPECT_EQ(0, zc_create("ctl-u3", 4096, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-u2"));
	EXPECT_EQ(0, zc_destroy("ctl-u3"));
	ASSERT_EQ(0, write_text(MAX_USER_RINGS_PARAM, old));
}

/* max_user_bytes counts data and position pages; past it, EDQUOT. */
TEST(user_memory_limit)
{
	unsigned long rings, bytes;
	char old[64];

	ASSERT_LE(0, zc_read_text(MAX_USER_BYTES_PARAM, old, sizeof(old)));
	user_usage(&rings, &bytes);
	/* Room for 64 KiB of data and its two pages, not a byte more. */
	set_ulong(MAX_USER_BYTES_PARAM, bytes + 65536 + 2 * PAGE);
	EXPECT_EQ(-EDQUOT, zc_create("ctl-b1", 131072, 0, 0));
	EXPECT_EQ(0, zc_create("ctl-b1", 32768, 0, 0));
	EXPECT_EQ(0, zc_create("ctl-b2", 16384, 0, 0));
	/* 48 KiB and four pages held: 16 KiB of data and two pages left. */
	EXPECT_EQ(-EDQUOT, zc_create("ctl-b3", 32768, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-b1"));
	EXPECT_EQ(0, zc_create("ctl-b3", 32768, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-b2"));
	EXPECT_EQ(0, zc_destroy("ctl-b3"));
	ASSERT_EQ(0, write_text(MAX_USER_BYTES_PARAM, old));
}

/*
 * A destroyed ring that a mapping still holds still holds its memory, and
 * so its charge: the charge goes with the last mapping.
 */
TEST(charge_lasts_until_the_memory_is_freed)
{
	unsigned long rings, bytes;
	struct zc_map m;
	char old[64];

	ASSERT_LE(0, zc_read_text(MAX_USER_RINGS_PARAM, old, sizeof(old)));
	user_usage(&rings, &bytes);
	set_ulong(MAX_USER_RINGS_PARAM, rings + 1);
	ASSERT_EQ(0, zc_create("ctl-h1", 4096, 0, 0));
	ASSERT_EQ(0, zc_map(&m, "ctl-h1", 4096));
	ASSERT_EQ(0, zc_destroy("ctl-h1"));
	EXPECT_EQ(-EDQUOT, zc_create("ctl-h2", 4096, 0, 0));
	zc_unmap(&m);
	EXPECT_EQ(0, zc_create("ctl-h2", 4096, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-h2"));
	ASSERT_EQ(0, write_text(MAX_USER_RINGS_PARAM, old));
}

/*
 * The decision on who may pin a user's charge: whoever holds a file or a
 * mapping of the ring, an unprivileged reader of a 0644 ring included.
 * The charge follows the memory, and mapped pages cannot be freed under
 * their holder; the creator keeps this in hand with the node's mode.
 */
TEST(an_unprivileged_reader_keeps_the_charge_until_it_lets_go)
{
	unsigned long rings, bytes;
	int ready[2], go[2], status;
	char old[64], c;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	ASSERT_LE(0, zc_read_text(MAX_USER_RINGS_PARAM, old, sizeof(old)));
	user_usage(&rings, &bytes);
	set_ulong(MAX_USER_RINGS_PARAM, rings + 1);
	ASSERT_EQ(0, zc_create("ctl-pin", 4096, 0, 0644));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		void *p;
		int fd;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		fd = zc_open("ctl-pin", O_RDONLY);
		if (fd < 0)
			_exit(11);
		p = mmap(NULL, PAGE + 2 * 4096, PROT_READ, MAP_SHARED, fd,
			 ZCRING_PGOFF_PRODUCER * PAGE);
		close(fd);
		if (p == MAP_FAILED)
			_exit(12);
		/* Held by the mapping alone; root destroys the ring now. */
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, zc_destroy("ctl-pin"));
	EXPECT_EQ(-EDQUOT, zc_create("ctl-pin2", 4096, 0, 0));
	/* It lets go: the memory is freed, and the charge with it. */
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, zc_create("ctl-pin2", 4096, 0, 0));
	EXPECT_EQ(0, zc_destroy("ctl-pin2"));
	ASSERT_EQ(0, write_text(MAX_USER_RINGS_PARAM, old));
}

/*
 * Ring memory is the creator's: charged to its memory cgroup, so that
 * what one ring holds is missing for the next, and a ring past the
 * cgroup's limit is refused with ENOMEM, not paid for by an OOM kill.
 * Run in a child moved into a cgroup limited to 3 MiB.  The charge is
 * shown by what fits, not read from memory.current, which also moves with
 * whatever else is charged or uncharged meanwhile (RCU frees that land
 * late when the CPUs are slow, as on one emulated core, made a 1 MiB ring
 * look smaller than 1 MiB there).
 */
#define CGROOT "/sys/fs/cgroup"
TEST(ring_memory_is_charged_to_the_creators_cgroup)
{
	char dir[64], path[128], text[64];
	int status, err, i;
	pid_t pid;

	if (access(CGROOT "/cgroup.controllers", F_OK))
		ASSERT_EQ(0, mount("cgroup2", CGROOT, "cgroup2", 0, NULL));
	ASSERT_EQ(0, write_text(CGROOT "/cgroup.subtree_control", "+memory"));
	snprintf(dir, sizeof(dir), CGROOT "/zcring-%d", getpid());
	ASSERT_EQ(0, mkdir(dir, 0755));
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	ASSERT_EQ(0, write_text(path, "3145728"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		snprintf(text, sizeof(text), "%d", getpid());
		if (write_text(path, text))
			_exit(10);
		/* 8 MiB cannot fit under 3 MiB: refused, and we live. */
		if (zc_create("ctl-cg1", 8 << 20, 0, 0) != -ENOMEM)
			_exit(11);
		if (zc_create("ctl-cg1", 2 << 20, 0, 0))
			_exit(12);
		/* The first ring's 2 MiB are charged: a second does not fit. */
		if (zc_create("ctl-cg2", 2 << 20, 0, 0) != -ENOMEM)
			_exit(13);
		if (zc_destroy("ctl-cg1"))
			_exit(14);
		/* Its memory freed, its charge gone (the free may trail). */
		for (i = 0; i < 100; i++) {
			err = zc_create("ctl-cg2", 2 << 20, 0, 0);
			if (err != -ENOMEM)
				break;
			usleep(50 * 1000);
		}
		_exit(err ? 15 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status));
	zc_destroy("ctl-cg1");
	zc_destroy("ctl-cg2");
	EXPECT_EQ(0, rmdir(dir));
}

/* /sys/class/zcring lists exactly the rings that exist. */
TEST(sysfs_lists_rings)
{
	struct dirent *de;
	int seen = 0;
	DIR *dir;

	ASSERT_EQ(0, zc_create("ctl-l1", 4096, 0, 0));
	ASSERT_EQ(0, zc_create("ctl-l2", 4096, 0, 0));
	dir = opendir(ZCRING_SYSFS_DIR);
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir)))
		if (!strcmp(de->d_name, "ctl-l1") ||
		    !strcmp(de->d_name, "ctl-l2"))
			seen++;
	closedir(dir);
	EXPECT_EQ(2, seen);
	EXPECT_EQ(0, zc_destroy("ctl-l1"));
	EXPECT_EQ(0, zc_destroy("ctl-l2"));
	EXPECT_EQ(-1, access(ZCRING_SYSFS_DIR "/ctl-l1", F_OK));
}

/* A node's mode is its permission: nobody may open 0600, may read 0644. */
TEST(node_mode_governs_access)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, zc_create("ctl-priv", 4096, 0, 0600));
	ASSERT_EQ(0, zc_create("ctl-pub", 4096, 0, 0644));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (zc_open("ctl-priv", O_RDONLY) >= 0 || errno != EACCES)
			_exit(11);
		if (zc_open("ctl-pub", O_RDWR) >= 0 || errno != EACCES)
			_exit(12);
		if (zc_open("ctl-pub", O_RDONLY) < 0)
			_exit(13);
		if (zc_create("ctl-nobody", 4096, 0, 0) != -EACCES)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, zc_destroy("ctl-priv"));
	EXPECT_EQ(0, zc_destroy("ctl-pub"));
}

/*
 * The control device shared with a group (zc_share_control()): each child
 * below runs as another user in that group and exits with the number of
 * its first failed check.
 */

/* Become @uid:@uid, a member of ZC_SHARED_GID and of nothing else. */
static int as_member(uid_t uid)
{
	gid_t group = ZC_SHARED_GID;

	return setgroups(1, &group) || setgid(uid) || setuid(uid);
}

static int own_ring_checks(void)
{
	struct stat st;
	int fd;

	if (as_member(65534))
		return 10;
	if (zc_create("ctl-own-a", 4096, 0, 0600))
		return 11;
	/* devtmpfs made the node as the creator's, with the mode asked. */
	if (stat(ZCRING_DEV_DIR "/ctl-own-a", &st) || st.st_uid != 65534 ||
	    st.st_gid != 65534 || (st.st_mode & 07777) != 0600)
		return 12;
	fd = zc_open("ctl-own-a", O_RDWR);
	if (fd < 0)
		return 13;
	close(fd);
	return 0;
}

static int other_member_checks(void)
{
	if (as_member(65533))
		return 20;
	/* Another member's ring is neither its to open nor to destroy. */
	if (zc_open("ctl-own-a", O_RDONLY) >= 0 || errno != EACCES)
		return 21;
	if (zc_destroy("ctl-own-a") != -EPERM)
		return 22;
	if (zc_create("ctl-own-b", 4096, 0, 0) || zc_destroy("ctl-own-b"))
		return 23;
	return 0;
}

static int run_as_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(a_group_member_owns_the_rings_it_creates)
{
	int own, other;

	ASSERT_EQ(0, zc_share_control(true));
	own = run_as_child(own_ring_checks);
	other = own ? -1 : run_as_child(other_member_checks);
	/* The module's own mode back before any assertion can end the test. */
	EXPECT_EQ(0, zc_share_control(false));
	EXPECT_EQ(0, own);
	EXPECT_EQ(0, other);
	/* CAP_SYS_ADMIN destroys any user's ring. */
	EXPECT_EQ(0, zc_destroy("ctl-own-a"));
}

/* Through a read-only file of the control device nothing is made or undone. */
TEST(a_read_only_control_file_changes_nothing)
{
	struct zcring_create creq = { .size = sizeof(creq), .data_size = 4096 };
	struct zcring_destroy dreq = { .size = sizeof(dreq) };
	int fd;

	strcpy(creq.name, "ctl-ro");
	strcpy(dreq.name, "ctl-ro");
	fd = open(ZCRING_CONTROL_PATH, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, ZCRING_IOC_CREATE, &creq));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, access(ZCRING_SYSFS_DIR "/ctl-ro", F_OK));
	ASSERT_EQ(0, zc_create("ctl-ro", 4096, 0, 0));
	EXPECT_EQ(-1, ioctl(fd, ZCRING_IOC_DESTROY, &dreq));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, access(ZCRING_SYSFS_DIR "/ctl-ro", F_OK));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(0, zc_destroy("ctl-ro"));
}

static int node_minor(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), ZCRING_DEV_DIR "/%s", name);
	return stat(path, &st) ? -errno : (int)minor(st.st_rdev);
}

/*
 * Tests that go through every minor: hundreds of rings made and
 * destroyed, minutes on the debug kernel.  Whatever they leave is
 * destroyed after them, so that the rings of later tests fit.
 */
#define RACE_FILLERS 255
#define RACE_ROUNDS 200

FIXTURE(churn)
{
};

FIXTURE_SETUP(churn)
{
}

FIXTURE_TEARDOWN(churn)
{
	static const char *const names[] = {
		"ctl-stale-a", "ctl-stale-b", "ctl-race-a", "ctl-race-b",
	};
	char name[32];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		zc_destroy(names[i]);
	for (i = 0; i < RACE_FILLERS; i++) {
		snprintf(name, sizeof(name), "ctl-fill%u", i);
		zc_destroy(name);
	}
}

/*
 * A destroyed ring's node, held by an O_PATH descriptor, opens nothing,
 * not even once its minor is another ring's.  (devtmpfs clears a removed
 * node's mode, so this reopening is root's alone; the race of an open
 * that passed the permission check before the destroy is the next test.)
 */
TEST_F_TIMEOUT(churn, stale_node_opens_no_other_ring, 600)
{
	int path_fd, minor_a, minor_b = -1, i;
	char proc[64];

	ASSERT_EQ(0, zc_create("ctl-stale-a", 4096, 0, 0666));
	path_fd = open(ZCRING_DEV_DIR "/ctl-stale-a", O_PATH | O_CLOEXEC);
	ASSERT_LE(0, path_fd);
	minor_a = node_minor("ctl-stale-a");
	ASSERT_LE(0, minor_a);
	ASSERT_EQ(0, zc_destroy("ctl-stale-a"));
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_fd);
	EXPECT_EQ(-1, open(proc, O_RDONLY | O_CLOEXEC));
	EXPECT_EQ(ENODEV, errno);

	/* New rings until one has the old minor: every minor comes back. */
	for (i = 0; i < 2 * 256; i++) {
		ASSERT_EQ(0, zc_create("ctl-stale-b", 4096, 0, 0600));
		minor_b = node_minor("ctl-stale-b");
		if (minor_b == minor_a)
			break;
		ASSERT_EQ(0, zc_destroy("ctl-stale-b"));
	}
	ASSERT_EQ(minor_a, minor_b);
	TH_LOG("minor %d given again after %d rings", minor_a, i + 1);

	EXPECT_EQ(-1, open(proc, O_RDWR | O_CLOEXEC));
	EXPECT_EQ(ENODEV, errno);
	/* The new ring's own node opens as its mode allows. */
	i = zc_open("ctl-stale-b", O_RDWR);
	EXPECT_LE(0, i);
	close(i);
	close(path_fd);
	EXPECT_EQ(0, zc_destroy("ctl-stale-b"));
}

/*
 * Opens the 0666 ring's node until told to stop (shared[0]); counts its
 * attempts in shared[1] and where the opens land.
 */
static int race_opener(volatile int *shared)
{
	struct zcring_info info;
	int fd, opens = 0, landed_b = 0;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 100;
	while (!shared[0]) {
		__atomic_add_fetch(&shared[1], 1, __ATOMIC_RELAXED);
		fd = zc_open("ctl-race-a", O_RDWR);
		if (fd < 0)
			continue;
		opens++;
		memset(&info, 0, sizeof(info));
		if (!ioctl(fd, ZCRING_IOC_INFO, &info) &&
		    strcmp(info.name, "ctl-race-a"))
			landed_b++;
		close(fd);
	}
	printf("# %d opens of the 0666 node, %d of them on the 0600 ring\n",
	       opens, landed_b);
	/* The caller leaves by _exit(), which flushes nothing. */
	fflush(stdout);
	return landed_b ? 1 : opens ? 0 : 2;
}

/*
 * An unprivileged open of a 0666 ring's node races root destroying that
 * ring and creating a 0600 one, over and over, with every other minor
 * taken so that each new ring gets the minor just freed: no open may land
 * on the 0600 ring.  It once did, a good part of the time.
 */
TEST_F_TIMEOUT(churn, open_racing_destroy_lands_on_no_other_ring, 600)
{
	volatile int *shared;
	char name[32], old[64];
	int i, made, status, start;
	pid_t pid;

	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, shared);
	shared[0] = shared[1] = 0;
	ASSERT_LE(0, zc_read_text(MAX_USER_RINGS_PARAM, old, sizeof(old)));
	ASSERT_EQ(0, write_text(MAX_USER_RINGS_PARAM, "100000"));
	for (made = 0; made < RACE_FILLERS; made++) {
		snprintf(name, sizeof(name), "ctl-fill%d", made);
		if (zc_create(name, 4096, 0, 0))
			break;
	}
	/* All but one minor taken (fewer if other rings exist). */
	ASSERT_EQ(0, zc_create("ctl-race-a", 4096, 0, 0666));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(race_opener(shared));
	/*
	 * Two processes need not run at once (one emulated CPU may run a
	 * whole time slice first): race only once the opener runs, and
	 * until it has tried as many opens as there were rounds.
	 */
	for (i = 0; i < 10000 && !__atomic_load_n(&shared[1], __ATOMIC_RELAXED);
	     i++)
		zc_msleep(1);
	ASSERT_LT(0, shared[1]);
	start = shared[1];
	for (i = 0; i < RACE_ROUNDS ||
		    (__atomic_load_n(&shared[1], __ATOMIC_RELAXED) - start <
			     RACE_ROUNDS &&
		     i < 20 * RACE_ROUNDS);
	     i++) {
		ASSERT_EQ(0, zc_destroy("ctl-race-a"));
		ASSERT_EQ(0, zc_create("ctl-race-b", 4096, 0, 0600));
		ASSERT_EQ(0, zc_destroy("ctl-race-b"));
		ASSERT_EQ(0, zc_create("ctl-race-a", 4096, 0, 0666));
	}
	shared[0] = 1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, zc_destroy("ctl-race-a"));
	for (i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "ctl-fill%d", i);
		EXPECT_EQ(0, zc_destroy(name));
	}
	ASSERT_EQ(0, write_text(MAX_USER_RINGS_PARAM, old));
	munmap((void *)shared, PAGE);
}

/*
 * Minors are given cyclically: a new ring does not take the minor of the
 * ring destroyed just before it, which tracepoints would confuse with it.
 */
TEST(minors_are_not_reused_at_once)
{
	int a, b;

	ASSERT_EQ(0, zc_create("ctl-cyc", 4096, 0, 0));
	a = node_minor("ctl-cyc");
	ASSERT_EQ(0, zc_destroy("ctl-cyc"));
	ASSERT_EQ(0, zc_create("ctl-cyc", 4096, 0, 0));
	b = node_minor("ctl-cyc");
	ASSERT_EQ(0, zc_destroy("ctl-cyc"));
	ASSERT_LE(0, a);
	EXPECT_NE(a, b);
}

TEST_HARNESS_MAIN
