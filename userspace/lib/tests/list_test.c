// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Listing rings from a directory laid out as ZCRING_SYSFS_DIR is: one
 * entry per ring, named after it.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#include "kselftest_harness.h"

FIXTURE(dir) {
	char path[PATH_MAX];
};

static void make_entry(struct __test_metadata *_metadata, const char *dir,
		       const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ASSERT_EQ(0, mkdir(path, 0700));
}

FIXTURE_SETUP(dir)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(self->path, sizeof(self->path), "%s/zcring-list-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->path));
}

FIXTURE_TEARDOWN(dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->path);
	EXPECT_EQ(0, system(cmd));
}

TEST_F(dir, empty)
{
	char names[4][ZCRING_NAME_MAX];

	EXPECT_EQ(0, zcring__list_dir(self->path, names, 4));
	EXPECT_EQ(0, zcring__list_dir(self->path, NULL, 0));
}

TEST_F(dir, sorted_and_counted)
{
	const char *in[] = { "net0", "b", "a", "zz", "a1" };
	const char *want[] = { "a", "a1", "b", "net0", "zz" };
	char names[8][ZCRING_NAME_MAX];
	unsigned int i;

	for (i = 0; i < 5; i++)
		make_entry(_metadata, self->path, in[i]);
	memset(names, 0, sizeof(names));
	ASSERT_EQ(5, zcring__list_dir(self->path, names, 8));
	for (i = 0; i < 5; i++)
		EXPECT_STREQ(want[i], names[i]);
	/* Nothing written past the count. */
	EXPECT_EQ('\0', names[5][0]);

	/* A short array gets the first names, and the full count. */
	memset(names, 0, sizeof(names));
	ASSERT_EQ(5, zcring__list_dir(self->path, names, 2));
	EXPECT_STREQ("a", names[0]);
	EXPECT_STREQ("a1", names[1]);
	EXPECT_EQ('\0', names[2][0]);
	EXPECT_EQ(5, zcring__list_dir(self->path, NULL, 0));
}

/* "control" and names too long for a ring are not rings. */
TEST_F(dir, skips_non_rings)
{
	char names[4][ZCRING_NAME_MAX], longname[ZCRING_NAME_MAX + 1];

	memset(longname, 'x', ZCRING_NAME_MAX);
	longname[ZCRING_NAME_MAX] = '\0';
	make_entry(_metadata, self->path, "control");
	make_entry(_metadata, self->path, longname);
	make_entry(_metadata, self->path, "ring");
	/* The longest name a ring may have is kept. */
	longname[ZCRING_NAME_MAX - 1] = '\0';
	make_entry(_metadata, self->path, longname);
	ASSERT_EQ(2, zcring__list_dir(self->path, names, 4));
	EXPECT_STREQ("ring", names[0]);
	EXPECT_STREQ(longname, names[1]);
}

TEST_F(dir, errors)
{
	char missing[PATH_MAX + 8];

	snprintf(missing, sizeof(missing), "%s/none", self->path);
	EXPECT_EQ(-ENOENT, zcring__list_dir(missing, NULL, 0));
	EXPECT_EQ(-EINVAL, zcring__list_dir(self->path, NULL, 1));
}

TEST_HARNESS_MAIN
