// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The zcring tool's commands that manage rings rather than read them:
 * list, create, destroy, stat and gen.  Each is a thin layer over one or
 * two library calls; what they add is checking the user's input first, so
 * that a mistake gets a message about the mistake rather than an errno.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct option help_only_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/*
 * For commands whose only option is --help: true to go on, false when the
 * command must return *status (it printed its usage, or a usage error).
 */
static bool only_help(const struct command *cmd, int argc, char **argv,
		      int *status)
{
	return next_option(cmd, argc, argv, ":h", help_only_opts, status) ==
	       -1;
}

/* Every byte printable ASCII, and none a space. */
static bool printable_word(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s > '~')
			return false;
	return true;
}

/*
 * A ring name as the kernel will take it (see ZCRING_IOC_CREATE in
 * linux/zcring.h); the kernel checks again, but its EILSEQ would read as
 * "Invalid or incomplete multibyte or wide character".
 */
static bool valid_name(const struct command *cmd, const char *name,
		       int *status)
{
	const char *why = NULL;

	if (!*name)
		why = "is empty";
	else if (strlen(name) >= ZCRING_NAME_MAX)
		why = "is too long";
	else if (strchr(name, '/'))
		why = "holds '/'";
	else if (!printable_word(name))
		why = "holds a space, a control character or a non-ASCII byte";
	else if (!strcmp(name, ".") || !strcmp(name, "..") ||
		 !strcmp(name, "control"))
		why = "is reserved";
	if (!why)
		return true;
	*status = usage_error(cmd, "ring name '%s' %s", name, why);
	return false;
}

/* ---- list --------------------------------------------------------------- */

static int run_list(const struct command *cmd, int argc, char **argv)
{
	char (*names)[ZCRING_NAME_MAX] = NULL;
	unsigned int max = 64;
	int i, n, status;

	if (!only_help(cmd, argc, argv, &status) ||
	    !positional(cmd, argc, argv, 0, NULL, &status))
		return status;

	/*
	 * zcring_list() says how many rings there are, which may be more
	 * than fit: grow to that and ask again, until it fits, since rings
	 * may come between two calls.
	 */
	for (;;) {
		void *p = reallocarray(names, max, sizeof(*names));

		if (!p) {
			free(names);
			return fail(cmd, -ENOMEM, "list rings");
		}
		names = p;
		n = zcring_list(names, max);
		if (n < 0) {
			free(names);
			return fail(cmd, n, "list rings in %s%s",
				    ZCRING_SYSFS_DIR, module_hint(n));
		}
		if ((unsigned int)n <= max)
			break;
		max = n;
	}
	for (i = 0; i < n; i++)
		printf("%s\n", names[i]);
	free(names);
	return EXIT_OK;
}

const struct command cmd_list = {
	.name = "list",
	.summary = "print the names of the rings",
	.usage = "usage: zcring list\n"
		 "\n"
		 "Print the name of every ring, one per line, sorted.\n",
	.run = run_list,
};

/* ---- create ------------------------------------------------------------- */

/* Permissions: octal digits, 1 to 0777 (0 would mean the default, 0600). */
static int parse_mode(const char *s, __u32 *mode)
{
	unsigned long val = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -EINVAL;
		val = val * 8 + (*s - '0');
		if (val > 0777)
			return -ERANGE;
	}
	if (!val)
		return -ERANGE;
	*mode = val;
	return 0;
}

static int run_create(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "mode", required_argument, NULL, 'm' },
		{ "populate", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned long long size = 0;
	long page = sysconf(_SC_PAGESIZE);
	__u32 mode = 0, flags = 0;
	const char *name;
	int c, err, status;

	while ((c = next_option(cmd, argc, argv, ":hs:m:p", opts,
				&status)) != -1) {
		switch (c) {
		case 's':
			if (parse_size(optarg, &size) || !size)
				return usage_error(cmd, "bad size '%s'",
						   optarg);
			break;
		case 'm':
			if (parse_mode(optarg, &mode))
				return usage_error(cmd,
						   "bad mode '%s' (octal, 1 to 0777)",
						   optarg);
			break;
		case 'p':
			flags |= ZCRING_F_POPULATE;
			break;
		default:
			return status;
		}
	}
	if (!positional(cmd, argc, argv, 1, "ring name", &status))
		return status;
	name = argv[optind];
	if (!valid_name(cmd, name, &status))
		return status;
	if (!size)
		return usage_error(cmd, "missing --size");
	/* The kernel says ERANGE, "Numerical result out of range". */
	if ((size & (size - 1)) || (page > 0 && size < (unsigned long)page))
		return usage_error(cmd,
				   "size %llu is not a power of two of at least a page (%ld)",
				   size, page);

	err = zcring_create(name, size, flags, mode);
	if (err == -EFBIG)
		return fail(cmd, err,
			    "create ring '%s': %llu bytes is above the module's max_ring_size",
			    name, size);
	if (err)
		return fail(cmd, err, "create ring '%s'%s", name,
			    module_hint(err));
	return EXIT_OK;
}

const struct command cmd_create = {
	.name = "create",
	.summary = "create a ring",
	.usage =
		"usage: zcring create NAME --size SIZE [--mode MODE] [--populate]\n"
		"\n"
		"Create the ring NAME, which appears as " ZCRING_DEV_DIR "/NAME.\n"
		"\n"
		"  -s, --size SIZE  data size in bytes, a power of two of at least a\n"
		"                   page; K, M and G multiply by 1024, 1024^2, 1024^3\n"
		"  -m, --mode MODE  the device node's permissions, in octal\n"
		"                   (default 0600)\n"
		"  -p, --populate   map every page when the ring is mapped, so that\n"
		"                   no page faults come on first touch (by default,\n"
		"                   pages are mapped as they are first touched)\n",
	.run = run_create,
};

/* ---- destroy ------------------------------------------------------------ */

static int run_destroy(const struct command *cmd, int argc, char **argv)
{
	const char *name;
	int err, status;

	if (!only_help(cmd, argc, argv, &status) ||
	    !positional(cmd, argc, argv, 1, "ring name", &status))
		return status;
	name = argv[optind];
	if (!valid_name(cmd, name, &status))
		return status;
	err = zcring_destroy(name);
	if (err)
		return fail(cmd, err, "destroy ring '%s'%s", name,
			    module_hint(err));
	return EXIT_OK;
}

const struct command cmd_destroy = {
	.name = "destroy",
	.summary = "destroy a ring",
	.usage = "usage: zcring destroy NAME\n"
		 "\n"
		 "Destroy the ring NAME.  Its consumers still read the records\n"
		 "left in it, then find it closed.\n",
	.run = run_destroy,
};

/* ---- stat --------------------------------------------------------------- */

static int run_stat(const struct command *cmd, int argc, char **argv)
{
	struct zcring_stats st;
	struct zcring_info info;
	struct zcring *ring;
	const char *name;
	size_t i;
	int err, status;

	if (!only_help(cmd, argc, argv, &status) ||
	    !positional(cmd, argc, argv, 1, "ring name", &status))
		return status;
	name = argv[optind];
	/* Looking takes no consumer role: anyone who may read it may look. */
	if (open_ring(cmd, name, ZCRING_OPEN_INSPECT, &ring))
		return EXIT_RUNTIME;
	err = zcring_info(ring, &info);
	if (!err)
		err = zcring_stats(ring, &st);
	if (err) {
		/* A file image has no ioctls: say so rather than ENOTTY. */
		fail(cmd, err, "read the counters of '%s'%s", name,
		     err == -ENOTTY ? " (not a ring device)" : "");
		zcring_close(ring);
		return EXIT_RUNTIME;
	}

	/* The kernel's names, so that scripts can match them. */
	printf("name: %.*s\n", ZCRING_NAME_MAX, info.name);
	printf("abi_version: %u\n", info.abi_version);
	printf("data_size: %llu\n", (unsigned long long)info.data_size);
	printf("page_size: %u\n", info.page_size);
	printf("flags: 0x%x%s\n", info.flags,
	       info.flags & ZCRING_F_POPULATE ? " (populate)" : "");
	printf("state: %s\n", zcring_closed(ring) ? "closed" : "open");
	for (i = 0; i < nr_stat_fields; i++)
		printf("%s: %llu\n", stat_fields[i].name,
		       (unsigned long long)stat_value(&st, &stat_fields[i]));
	printf("producer_pos: %llu\n", (unsigned long long)st.producer_pos);
	printf("consumer_pos: %llu\n", (unsigned long long)st.consumer_pos);
	/*
	 * Bytes of records (headers and padding included) not yet consumed.
	 * The consumer position is the consumer's to write, so it may make
	 * no sense; the kernel then takes the ring as full, and so do we.
	 */
	if (st.producer_pos - st.consumer_pos <= info.data_size)
		printf("in_ring_bytes: %llu\n",
		       (unsigned long long)(st.producer_pos - st.consumer_pos));
	else
		printf("in_ring_bytes: %llu (consumer position is bad)\n",
		       (unsigned long long)info.data_size);
	zcring_close(ring);
	return EXIT_OK;
}

const struct command cmd_stat = {
	.name = "stat",
	.summary = "print a ring's geometry and counters",
	.usage = "usage: zcring stat NAME|PATH\n"
		 "\n"
		 "Print the ring's geometry and counters, one \"key: value\" per\n"
		 "line, keyed as in struct zcring_info and struct zcring_stats;\n"
		 "state is open or closed, and in_ring_bytes the bytes of records\n"
		 "not yet consumed (producer_pos - consumer_pos).  The ring is\n"
		 "only inspected: opened read-only, not mapped, left as it is.\n",
	.run = run_stat,
};

/* ---- gen ---------------------------------------------------------------- */

static int run_gen(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "block", no_argument, NULL, 'b' },
		{ "batch", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned long long count = 0, size = 0;
	__u64 committed = 0, dropped = 0;
	struct zcring *ring;
	__u32 flags = 0;
	const char *name;
	int c, err, status;

	while ((c = next_option(cmd, argc, argv, ":hn:s:bB", opts,
				&status)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &count) || !count)
				return usage_error(cmd, "bad count '%s'",
						   optarg);
			break;
		case 's':
			if (parse_size(optarg, &size) ||
			    size < sizeof(struct zcring_gen_payload) ||
			    size > UINT32_MAX)
				return usage_error(cmd,
						   "bad size '%s' (%zu bytes at least)",
						   optarg,
						   sizeof(struct zcring_gen_payload));
			break;
		case 'b':
			flags |= ZCRING_GEN_BLOCK;
			break;
		case 'B':
			flags |= ZCRING_GEN_BATCH;
			break;
		default:
			return status;
		}
	}
	if (!positional(cmd, argc, argv, 1, "ring name", &status))
		return status;
	name = argv[optind];
	if (!count)
		return usage_error(cmd, "missing --count");
	if (!size)
		return usage_error(cmd, "missing --size");
	/* A producer: the ring's consumer may be running meanwhile. */
	if (open_ring(cmd, name, ZCRING_OPEN_PRODUCE, &ring))
		return EXIT_RUNTIME;
	/* Say what is wrong, rather than the kernel's bare errno. */
	if (size > zcring_data_size(ring) - sizeof(struct zcring_rec_hdr)) {
		zcring_close(ring);
		return fail(cmd, -EMSGSIZE,
			    "records of %llu bytes in ring '%s' of %llu",
			    size, name,
			    (unsigned long long)zcring_data_size(ring));
	}
	err = zcring_generate(ring, count, size, flags, &committed, &dropped);
	zcring_close(ring);
	if (err)
		return fail(cmd, err, "generate records in '%s'%s", name,
			    err == -ENOTTY ? " (not a ring device)" : "");
	printf("committed %llu dropped %llu\n", (unsigned long long)committed,
	       (unsigned long long)dropped);
	return EXIT_OK;
}

const struct command cmd_gen = {
	.name = "gen",
	.summary = "have the kernel write test records into a ring",
	.usage =
		"usage: zcring gen NAME|PATH --count N --size SIZE [--block]\n"
		"                  [--batch]\n"
		"\n"
		"Have the module's generator offer N records of SIZE payload\n"
		"bytes to the ring, from the kernel, then print\n"
		"\"committed N dropped M\".  Each payload is a struct\n"
		"zcring_gen_payload and bytes that 'zcring cat --verify' checks.\n"
		"\n"
		"  -n, --count N    records to offer\n"
		"  -s, --size SIZE  payload bytes per record, 16 at least\n"
		"  -b, --block      when the ring is full, wait for a consumer to\n"
		"                   make room (by default the record is dropped)\n"
		"  -B, --batch      reserve up to 32 records at a time, as a\n"
		"                   driver with a burst would (by default one)\n",
	.run = run_gen,
};
