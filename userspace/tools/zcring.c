// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * zcring: the command-line tool for zcring rings.
 *
 * Each subcommand is a function; errors are one line on stderr naming the
 * problem, and exit status 1 (failure) or 2 (bad usage).
 */

#include <stdio.h>
#include <string.h>

#include <zcring.h>

static int cmd_version(void)
{
	printf("zcring %s (ABI %d)\n", zcring_version_string(),
	       ZCRING_ABI_VERSION);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: zcring COMMAND\n"
		"\n"
		"commands:\n"
		"  version   print the library and ABI versions\n"
		"  help      print this message\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return 2;
	}
	if (argc > 2) {
		fprintf(stderr, "zcring: '%s' takes no arguments\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
		return cmd_version();
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "zcring: unknown command '%s' (try 'zcring help')\n",
		cmd);
	return 2;
}
