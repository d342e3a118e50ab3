// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The zcring tool's shared helpers: every message has the same shape, and
 * every command parses options and numbers the same way, so that a script
 * can rely on exit statuses and a person on the wording.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_prog = "zcring";

/* "PROG: CMD: " or "PROG: ", what every message starts with. */
static void message_start(const struct command *cmd)
{
	fprintf(stderr, "%s: ", cli_prog);
	if (cmd->name)
		fprintf(stderr, "%s: ", cmd->name);
}

int fail(const struct command *cmd, int err, const char *fmt, ...)
{
	va_list ap;

	message_start(cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err < 0 ? -err : err));
	fputc('\n', stderr);
	return EXIT_RUNTIME;
}

int usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	message_start(cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s%s%s --help')\n", cli_prog,
		cmd->name ? " " : "", cmd->name ? cmd->name : "");
	return EXIT_USAGE;
}

/*
 * The long option getopt stopped at, as "--name", or NULL when it stopped at
 * a short one.  getopt gives the option's character in optopt, but for a
 * long option that is its val, which would turn "--count" into "-n"; and
 * 0 for an unknown long option.  A long option getopt refuses (missing or
 * unwanted argument) ends its argv element, so that element names it.
 */
static const char *long_option(char **argv, const struct option *longopts,
			       char *buf, size_t size)
{
	const char *arg = argv[optind - 1];
	size_t len;

	if (strncmp(arg, "--", 2))
		return NULL;
	if (!optopt)
		return arg;
	/* What was typed, which may be an abbreviation, up to any '='. */
	len = strcspn(arg + 2, "=");
	for (; longopts && longopts->name; longopts++) {
		if (longopts->val == optopt && len &&
		    !strncmp(arg + 2, longopts->name, len) &&
		    strlen(longopts->name) >= len) {
			snprintf(buf, size, "--%s", longopts->name);
			return buf;
		}
	}
	/* A short option, after a long one in the previous element. */
	return NULL;
}

int next_option(const struct command *cmd, int argc, char **argv,
		const char *shortopts, const struct option *longopts,
		int *status)
{
	const char *name;
	char buf[64];
	int c;

	opterr = 0;
	/* ':' first: a missing argument is told from an unknown option. */
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c != 'h' && c != '?' && c != ':')
		return c;
	if (c == 'h') {
		fputs(cmd->usage, stdout);
		*status = EXIT_OK;
		return '?';
	}
	name = long_option(argv, longopts, buf, sizeof(buf));
	if (!name) {
		snprintf(buf, sizeof(buf), "-%c", optopt);
		name = buf;
	}
	if (c == ':')
		*status = usage_error(cmd, "option '%s' needs an argument",
				      name);
	else if (optopt && name[1] == '-')
		/* A known long option: it was given an argument. */
		*status = usage_error(cmd, "option '%s' takes no argument",
				      name);
	else
		*status = usage_error(cmd, "unknown option '%s'", name);
	return '?';
}

bool positional(const struct command *cmd, int argc, char **argv,
		int n, const char *what, int *status)
{
	if (argc - optind < n) {
		*status = usage_error(cmd, "missing %s", what);
		return false;
	}
	if (argc - optind > n) {
		*status = usage_error(cmd, "unexpected argument '%s'",
				      argv[optind + n]);
		return false;
	}
	return true;
}

const char *module_hint(int err)
{
	if (err == -ENOENT && access(ZCRING_CONTROL_PATH, F_OK))
		return " (is the zcring module loaded?)";
	return "";
}

int open_ring(const struct command *cmd, const char *name, unsigned int flags,
	      struct zcring **ringp)
{
	const char *hint = "";
	int err;

	err = zcring_open(name, flags, ringp);
	if (!err)
		return 0;
	/* A path names a file of its own: the module has nothing to do with it. */
	if (!strchr(name, '/'))
		hint = module_hint(err);
	/* EPROTO says "Protocol error", which tells a user nothing. */
	if (err == -EPROTO)
		hint = " (not a ring, or one of another ABI)";
	if (err == -EBUSY)
		hint = " (another open file consumes it)";
	return fail(cmd, err, "open ring '%s'%s", name, hint);
}

/* Digits, then the rest in *end. */
static int parse_digits(const char *s, unsigned long long *val, char **end)
{
	/* strtoull would take a sign or leading blanks. */
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, end, 10);
	return errno ? -errno : 0;
}

int parse_u64(const char *s, unsigned long long *val)
{
	char *end;
	int err = parse_digits(s, val, &end);

	if (err)
		return err;
	return *end ? -EINVAL : 0;
}

int parse_size(const char *s, unsigned long long *val)
{
	unsigned int shift = 0;
	char *end;
	int err = parse_digits(s, val, &end);

	if (err)
		return err;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		return 0;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (end[1])
		return -EINVAL;
	if (*val > (~0ULL >> shift))
		return -ERANGE;
	*val <<= shift;
	return 0;
}

#define STAT(f) { #f, offsetof(struct zcring_stats, f) }
const struct stat_field stat_fields[] = {
	STAT(produced_records), STAT(produced_bytes),
	STAT(consumed_records), STAT(consumed_bytes),
	STAT(dropped_records), STAT(dropped_bytes),
	STAT(discarded_records), STAT(wakeups), STAT(faults),
};
const size_t nr_stat_fields = sizeof(stat_fields) / sizeof(stat_fields[0]);
