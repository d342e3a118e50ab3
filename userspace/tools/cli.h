/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * What the command-line tools share (the zcring tool's commands and
 * zcring-probe): the command table's entry, options, messages in one
 * format, number parsing, and the table of stats counters.
 */
#ifndef ZCRING_CLI_H
#define ZCRING_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include <libzcring.h>

/* Exit statuses. */
#define EXIT_OK 0
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

/* The tool's name in its messages; "zcring" unless its main sets another. */
extern const char *cli_prog;

struct command {
	/* A command of the zcring tool; NULL for a tool that is one command. */
	const char *name;
	const char *summary;	/* one line, for `zcring help` */
	const char *usage;	/* `zcring NAME --help`, ends with \n */
	/* argv[0] is the command's name; returns an exit status. */
	int (*run)(const struct command *cmd, int argc, char **argv);
};

extern const struct command cmd_list, cmd_create, cmd_destroy, cmd_stat,
	cmd_cat, cmd_gen;

/*
 * "PROG: CMD: WHAT: strerror(-err)" on stderr, without ": strerror" when
 * err is 0 and without "CMD: " for a tool that has no commands; returns
 * EXIT_RUNTIME, so that a command can `return fail(...)`.
 */
int fail(const struct command *cmd, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "PROG: CMD: WHAT (try 'PROG CMD --help')"; returns EXIT_USAGE. */
int usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Run getopt_long over argv with opterr off.  Returns the option, or -1 at
 * the end of the options; on --help (which every command takes, as 'h') it
 * prints the usage and sets *status to 0; on a bad option it reports it
 * and sets *status to EXIT_USAGE.  In both cases it returns '?', and the
 * command returns *status.
 */
int next_option(const struct command *cmd, int argc, char **argv,
		const char *shortopts, const struct option *longopts,
		int *status);

/*
 * The command's positional arguments after the options: exactly n of them
 * (0 if it reports a usage error, and sets *status).
 */
bool positional(const struct command *cmd, int argc, char **argv,
		int n, const char *what, int *status);

/*
 * " (is the zcring module loaded?)" when err is -ENOENT and the control
 * device is missing, which is what a missing ring or ring list usually
 * means; "" otherwise.  For the WHAT of fail().
 */
const char *module_hint(int err);

/*
 * zcring_open() NAME|PATH; on failure report "open ring 'NAME'" and return
 * EXIT_RUNTIME, else 0.
 */
int open_ring(const struct command *cmd, const char *name, unsigned int flags,
	      struct zcring **ringp);

/*
 * The counters of struct zcring_stats, by the kernel's names, in the order
 * the tools print them: `zcring stat`, and zcring-probe's reports.
 */
struct stat_field {
	const char *name;
	size_t offset;
};

extern const struct stat_field stat_fields[];
extern const size_t nr_stat_fields;

static inline __u64 stat_value(const struct zcring_stats *st,
			       const struct stat_field *f)
{
	return *(const __u64 *)((const char *)st + f->offset);
}

/* A decimal count: 0, or -EINVAL for anything but digits, -ERANGE. */
int parse_u64(const char *s, unsigned long long *val);
/* A byte count, with an optional K, M or G (binary) suffix. */
int parse_size(const char *s, unsigned long long *val);

#endif /* ZCRING_CLI_H */
