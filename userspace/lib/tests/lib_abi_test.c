// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Host-side tests of libzcring's ABI: the loaded library is the one the
 * header describes, and it exports only versioned zcring_* symbols.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libzcring.h>

#include "kselftest_harness.h"

TEST(version_matches_header)
{
	char want[32];

	EXPECT_EQ(LIBZCRING_MAJOR_VERSION, zcring_version_major());
	EXPECT_EQ(LIBZCRING_MINOR_VERSION, zcring_version_minor());
	snprintf(want, sizeof(want), "%d.%d", LIBZCRING_MAJOR_VERSION,
		 LIBZCRING_MINOR_VERSION);
	EXPECT_STREQ(want, zcring_version_string());
}

/*
 * The global names of the version script, LIBZCRING_MAP, one per line in
 * @names, each with a trailing newline: "zcring_foo\n".
 */
static void read_version_script(struct __test_metadata *_metadata,
				char *names, size_t size)
{
	char line[256], name[128];
	bool global = false;
	FILE *map;

	names[0] = '\0';
	map = fopen(LIBZCRING_MAP, "r");
	ASSERT_NE(NULL, map) {
		TH_LOG("cannot open %s", LIBZCRING_MAP);
	}
	while (fgets(line, sizeof(line), map)) {
		if (strstr(line, "global:"))
			global = true;
		else if (strstr(line, "local:"))
			global = false;
		else if (global && sscanf(line, " %127[^; \t\n]", name) == 1)
			snprintf(names + strlen(names), size - strlen(names),
				 "%s\n", name);
	}
	fclose(map);
	ASSERT_NE(0, strlen(names));
}

/*
 * The shared library exports exactly the names of its version script, each
 * with a ZCRING_* version, and they all start with zcring_.
 */
TEST(exports_match_version_script)
{
	char cmd[4096], line[512], listed[4096], exported[4096] = "";
	Dl_info info;
	FILE *nm;

	read_version_script(_metadata, listed, sizeof(listed));

	ASSERT_NE(0, dladdr((void *)zcring_version_string, &info));
	ASSERT_NE(NULL, strstr(info.dli_fname, "libzcring.so")) {
		TH_LOG("test is linked against %s, not the shared library",
		       info.dli_fname);
	}
	snprintf(cmd, sizeof(cmd),
		 "nm -D --defined-only --with-symbol-versions '%s'",
		 info.dli_fname);
	nm = popen(cmd, "r");
	ASSERT_NE(NULL, nm);
	while (fgets(line, sizeof(line), nm)) {
		char type, name[256];

		ASSERT_EQ(2, sscanf(line, "%*s %c %255s", &type, name)) {
			TH_LOG("cannot parse nm line: %s", line);
		}
		if (type == 'A') /* the version node itself */
			continue;
		EXPECT_EQ(0, strncmp(name, "zcring_", 7)) {
			TH_LOG("unexpected export %s", name);
		}
		ASSERT_NE(NULL, strstr(name, "@@ZCRING_")) {
			TH_LOG("unversioned export %s", name);
		}
		*strstr(name, "@@") = '\0';
		snprintf(exported + strlen(exported),
			 sizeof(exported) - strlen(exported), "%s\n", name);
	}
	ASSERT_EQ(0, pclose(nm));
	/* Both lists come sorted: nm sorts, and the script is kept sorted. */
	EXPECT_STREQ(listed, exported);
}

TEST_HARNESS_MAIN
