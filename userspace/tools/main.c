// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * zcring: the command-line tool for zcring rings.
 *
 *	zcring COMMAND [ARGS...]
 *
 * Each command lives in a table entry (cli.h); this file only finds the
 * command and makes sure what it printed reached stdout.  Errors are one
 * line on stderr naming the problem; the exit status is 0, 1 (the command
 * failed) or 2 (it was used wrongly).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct command *const commands[] = {
	&cmd_list, &cmd_create, &cmd_destroy, &cmd_stat, &cmd_gen, &cmd_cat,
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: zcring COMMAND [ARGS...]\n"
		     "\n"
		     "commands:\n");
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(out,
		"  %-9s %s\n"
		"  %-9s %s\n"
		"\n"
		"A ring is named as in /dev/zcring/NAME; where a command takes\n"
		"NAME|PATH, a name holding '/' is a path: a ring's device node,\n"
		"or a file laid out as a ring's mapping (a file image).\n"
		"'zcring COMMAND --help' tells more about each command.\n",
		"version", "print the library and ABI versions",
		"help", "print this message, or a command's with 'help COMMAND'");
}

static int run_version(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr,
			"zcring: version: unexpected argument '%s' (try 'zcring help')\n",
			argv[1]);
		return EXIT_USAGE;
	}
	/* The library loaded may be newer than the header we were built with. */
	printf("zcring: library %s (built with %d.%d), ABI %d\n",
	       zcring_version_string(), LIBZCRING_MAJOR_VERSION,
	       LIBZCRING_MINOR_VERSION, ZCRING_ABI_VERSION);
	return EXIT_OK;
}

static int run_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd || argc > 2) {
		fprintf(stderr,
			"zcring: help: %s '%s' (try 'zcring help')\n",
			cmd ? "unexpected argument" : "unknown command",
			argv[cmd ? 2 : 1]);
		return EXIT_USAGE;
	}
	fputs(cmd->usage, stdout);
	return EXIT_OK;
}

/*
 * What was printed must have reached stdout: a full disk is a failure, not
 * a success with a truncated output.  A reader that went away (EPIPE, as
 * for `zcring cat ring | head`) is not: it chose to stop reading.
 */
static int finish_stdout(int status)
{
	int err;

	errno = 0;
	if (!fflush(stdout) && !ferror(stdout))
		return status;
	/* A command that failed has said why; a write error is no news. */
	if (status != EXIT_OK)
		return status;
	/* errno is fflush's, or else that of the write that failed before. */
	err = errno ? errno : EIO;
	if (err != EPIPE) {
		fprintf(stderr, "zcring: write to stdout: %s\n", strerror(err));
		return EXIT_RUNTIME;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	const char *name;

	/* Write errors are reported as errors, EPIPE included (see above). */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (!strcmp(name, "help") || !strcmp(name, "--help") ||
	    !strcmp(name, "-h"))
		return finish_stdout(run_help(argc - 1, argv + 1));
	if (!strcmp(name, "version") || !strcmp(name, "--version"))
		return finish_stdout(run_version(argc - 1, argv + 1));
	cmd = find_command(name);
	if (!cmd) {
		fprintf(stderr,
			"zcring: unknown command '%s' (try 'zcring help')\n",
			name);
		return EXIT_USAGE;
	}
	/* The command sees itself as argv[0], as getopt expects. */
	return finish_stdout(cmd->run(cmd, argc - 1, argv + 1));
}
