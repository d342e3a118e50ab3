// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The zcring tool (ZCRING_TOOL), run as a user runs it: exit statuses and
 * messages of the dispatcher and of bad usage, and `cat` on file images
 * made by the test producer, checked byte for byte.  The image's memfd is
 * passed to the tool as /dev/fd/N, inherited across exec; what the tool
 * consumes shows in the image's consumer page, which the test reads back.
 *
 * Nothing here needs the module: where the module would answer (list,
 * create, destroy), the test runs only when it is not loaded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libzcring.h"
#include "producer.h"

#include "kselftest_harness.h"

/* What a run of the tool left: status, and all of stdout and stderr. */
struct run {
	int status;	/* the exit status; 128 + signal if killed */
	char *out, *err;	/* NUL-terminated */
	size_t out_len, err_len;
};

/* A memfd's contents, NUL-terminated, in *len and a malloc'd buffer. */
static char *slurp(int fd, size_t *len)
{
	struct stat st;
	char *buf;

	if (fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size + 1);
	if (!buf)
		return NULL;
	if (pread(fd, buf, st.st_size, 0) != st.st_size) {
		free(buf);
		return NULL;
	}
	buf[st.st_size] = '\0';
	*len = st.st_size;
	return buf;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/*
 * Run ZCRING_TOOL with args (NULL-terminated), keep_fd (if >= 0) inherited
 * across exec, stdin /dev/null, and stdout out_fd, or captured if < 0.
 */
static void run_tool(struct __test_metadata *_metadata, struct run *r,
		     int keep_fd, int out_fd, const char *const *args)
{
	const char *argv[32] = { ZCRING_TOOL };
	int out, err, wstatus, i;
	pid_t pid;

	run_free(r);
	for (i = 0; args[i]; i++) {
		ASSERT_LT(i + 2, 32);
		argv[i + 1] = args[i];
	}
	out = memfd_create("cli-out", MFD_CLOEXEC);
	err = memfd_create("cli-err", MFD_CLOEXEC);
	ASSERT_LE(0, out);
	ASSERT_LE(0, err);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		/* dup2() leaves the new descriptors open across exec. */
		if (null < 0 || dup2(null, 0) < 0 ||
		    dup2(out_fd >= 0 ? out_fd : out, 1) < 0 ||
		    dup2(err, 2) < 0 ||
		    (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0)))
			_exit(126);
		execv(ZCRING_TOOL, (char *const *)argv);
		_exit(127);
	}
	ASSERT_EQ(pid, waitpid(pid, &wstatus, 0));
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
					 128 + WTERMSIG(wstatus);
	r->out = slurp(out, &r->out_len);
	r->err = slurp(err, &r->err_len);
	close(out);
	close(err);
	ASSERT_NE(NULL, r->out);
	ASSERT_NE(NULL, r->err);
	ASSERT_NE(126, r->status);
	ASSERT_NE(127, r->status) {
		TH_LOG("cannot run %s", ZCRING_TOOL);
	}
}

/* RUN(&r, fd, "cat", path, "--raw"): the tool, its stdout captured. */
#define RUN(r, keep_fd, ...) \
	run_tool(_metadata, r, keep_fd, -1, (const char *const[]){ __VA_ARGS__, NULL })

/* The text is exactly one line. */
static int one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl && !nl[1];
}

/*
 * A usage error: status 2, nothing on stdout, one line on stderr starting
 * "zcring: CMD: ", holding what, ending with the hint.
 */
#define EXPECT_USAGE_ERROR(r, cmd, what) do { \
	char __hint[64]; \
	snprintf(__hint, sizeof(__hint), " (try 'zcring %s --help')\n", cmd); \
	EXPECT_EQ(2, (r)->status); \
	EXPECT_EQ(0, (r)->out_len); \
	EXPECT_TRUE(one_line((r)->err)); \
	EXPECT_EQ(0, strncmp((r)->err, "zcring: " cmd ": ", \
			     strlen("zcring: " cmd ": "))); \
	EXPECT_NE(NULL, strstr((r)->err, what)); \
	EXPECT_TRUE((r)->err_len > strlen(__hint) && \
		    !strcmp((r)->err + (r)->err_len - strlen(__hint), __hint)) \
		TH_LOG("stderr: %s", (r)->err); \
} while (0)

/* A runtime failure: status 1, nothing on stdout, one line on stderr. */
#define EXPECT_FAILURE(r, what) do { \
	EXPECT_EQ(1, (r)->status); \
	EXPECT_EQ(0, (r)->out_len); \
	EXPECT_TRUE(one_line((r)->err)); \
	EXPECT_NE(NULL, strstr((r)->err, what)) \
		TH_LOG("stderr: %s", (r)->err); \
} while (0)

static const char *const commands[] = {
	"list", "create", "destroy", "stat", "gen", "cat",
};

/* ---- the dispatcher ------------------------------------------------------ */

/* No command: the usage, on stderr, and status 2. */
TEST(no_arguments)
{
	struct run r = { 0 };

	run_tool(_metadata, &r, -1, -1, (const char *const[]){ NULL });
	EXPECT_EQ(2, r.status);
	EXPECT_EQ(0, r.out_len);
	EXPECT_EQ(0, strncmp(r.err, "usage: zcring COMMAND", 21));
	run_free(&r);
}

/* help and --help list every command on stdout, status 0. */
TEST(help)
{
	static const char *const spellings[] = { "help", "--help", "-h" };
	struct run r = { 0 };
	char line[64];
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(spellings); i++) {
		RUN(&r, -1, spellings[i]);
		EXPECT_EQ(0, r.status);
		EXPECT_EQ(0, r.err_len);
		EXPECT_EQ(0, strncmp(r.out, "usage: zcring COMMAND", 21));
		for (j = 0; j < ARRAY_SIZE(commands); j++) {
			snprintf(line, sizeof(line), "\n  %-9s ", commands[j]);
			EXPECT_NE(NULL, strstr(r.out, line))
				TH_LOG("'%s' lacks %s", spellings[i],
				       commands[j]);
		}
		EXPECT_NE(NULL, strstr(r.out, "\n  version   "));
	}
	run_free(&r);
}

TEST(unknown_command)
{
	struct run r = { 0 };

	RUN(&r, -1, "frobnicate", "x");
	EXPECT_EQ(2, r.status);
	EXPECT_EQ(0, r.out_len);
	EXPECT_STREQ("zcring: unknown command 'frobnicate' (try 'zcring help')\n",
		     r.err);
	run_free(&r);
}

/* The version of the library the tool loaded, and the ABI's. */
TEST(version)
{
	struct run r = { 0 };
	char want[64];

	RUN(&r, -1, "version");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, r.err_len);
	snprintf(want, sizeof(want), "library %s ", zcring_version_string());
	EXPECT_NE(NULL, strstr(r.out, want));
	snprintf(want, sizeof(want), "ABI %d\n", ZCRING_ABI_VERSION);
	EXPECT_NE(NULL, strstr(r.out, want));
	EXPECT_TRUE(one_line(r.out));
	run_free(&r);
}

/*
 * Every command's --help, and `help COMMAND`, print its usage on stdout
 * with status 0, and do nothing else: no ring is opened, though the
 * arguments name one.
 */
TEST(command_help)
{
	struct run r = { 0 };
	char want[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		snprintf(want, sizeof(want), "usage: zcring %s", commands[i]);
		RUN(&r, -1, commands[i], "/nonexistent/ring", "--help");
		EXPECT_EQ(0, r.status);
		EXPECT_EQ(0, r.err_len);
		EXPECT_EQ(0, strncmp(r.out, want, strlen(want)))
			TH_LOG("%s --help: %s", commands[i], r.out);

		RUN(&r, -1, "help", commands[i]);
		EXPECT_EQ(0, r.status);
		EXPECT_EQ(0, strncmp(r.out, want, strlen(want)));
	}
	RUN(&r, -1, "help", "nope");
	EXPECT_EQ(2, r.status);
	run_free(&r);
}

/* Options and arguments the commands do not take: status 2, one line. */
TEST(bad_usage)
{
	struct run r = { 0 };

	RUN(&r, -1, "cat", "x", "--bogus");
	EXPECT_USAGE_ERROR(&r, "cat", "unknown option '--bogus'");
	RUN(&r, -1, "cat", "-z", "x");
	EXPECT_USAGE_ERROR(&r, "cat", "unknown option '-z'");
	/* The long spelling, not getopt's short equivalent. */
	RUN(&r, -1, "cat", "x", "--count");
	EXPECT_USAGE_ERROR(&r, "cat", "option '--count' needs an argument");
	RUN(&r, -1, "cat", "x", "--follow=1");
	EXPECT_USAGE_ERROR(&r, "cat", "option '--follow' takes no argument");
	RUN(&r, -1, "cat");
	EXPECT_USAGE_ERROR(&r, "cat", "missing ring name");
	RUN(&r, -1, "cat", "x", "y");
	EXPECT_USAGE_ERROR(&r, "cat", "unexpected argument 'y'");
	RUN(&r, -1, "cat", "x", "--hex", "--raw");
	EXPECT_USAGE_ERROR(&r, "cat", "exclude each other");
	RUN(&r, -1, "list", "x");
	EXPECT_USAGE_ERROR(&r, "list", "unexpected argument 'x'");
	RUN(&r, -1, "stat");
	EXPECT_USAGE_ERROR(&r, "stat", "missing ring name");
	RUN(&r, -1, "destroy", "a/b");
	EXPECT_USAGE_ERROR(&r, "destroy", "holds '/'");
	RUN(&r, -1, "create", "control", "--size", "4K");
	EXPECT_USAGE_ERROR(&r, "create", "is reserved");
	RUN(&r, -1, "create", "a b", "--size", "4K");
	EXPECT_USAGE_ERROR(&r, "create", "holds a space");
	RUN(&r, -1, "destroy", "caf\xc3\xa9");
	EXPECT_USAGE_ERROR(&r, "destroy", "non-ASCII byte");
	RUN(&r, -1, "create", "r");
	EXPECT_USAGE_ERROR(&r, "create", "missing --size");
	RUN(&r, -1, "gen", "r", "--size", "64");
	EXPECT_USAGE_ERROR(&r, "gen", "missing --count");
	run_free(&r);
}

/*
 * Numbers: trailing garbage, signs, zero, overflow and values the ABI
 * refuses are usage errors, found before anything is opened (no ring "r"
 * exists, and no module need be loaded).
 */
TEST(bad_numbers)
{
	struct run r = { 0 };

	RUN(&r, -1, "cat", "r", "--count", "12x");
	EXPECT_USAGE_ERROR(&r, "cat", "bad count '12x'");
	RUN(&r, -1, "cat", "r", "--count", "0");
	EXPECT_USAGE_ERROR(&r, "cat", "bad count '0'");
	RUN(&r, -1, "cat", "r", "--count", "-1");
	EXPECT_USAGE_ERROR(&r, "cat", "bad count '-1'");
	RUN(&r, -1, "cat", "r", "--count", " 1");
	EXPECT_USAGE_ERROR(&r, "cat", "bad count ' 1'");
	RUN(&r, -1, "cat", "r", "--count", "99999999999999999999");
	EXPECT_USAGE_ERROR(&r, "cat", "bad count");
	RUN(&r, -1, "create", "r", "--size", "0");
	EXPECT_USAGE_ERROR(&r, "create", "bad size '0'");
	RUN(&r, -1, "create", "r", "--size", "4KB");
	EXPECT_USAGE_ERROR(&r, "create", "bad size '4KB'");
	RUN(&r, -1, "create", "r", "--size", "17179869184G");
	EXPECT_USAGE_ERROR(&r, "create", "bad size");
	RUN(&r, -1, "create", "r", "--size", "12K");
	EXPECT_USAGE_ERROR(&r, "create", "not a power of two");
	RUN(&r, -1, "create", "r", "--size", "64K", "--mode", "0689");
	EXPECT_USAGE_ERROR(&r, "create", "bad mode '0689'");
	RUN(&r, -1, "create", "r", "--size", "64K", "--mode", "1777");
	EXPECT_USAGE_ERROR(&r, "create", "bad mode '1777'");
	RUN(&r, -1, "gen", "r", "--count", "0", "--size", "64");
	EXPECT_USAGE_ERROR(&r, "gen", "bad count '0'");
	RUN(&r, -1, "gen", "r", "--count", "1", "--size", "15");
	EXPECT_USAGE_ERROR(&r, "gen", "bad size '15'");
	RUN(&r, -1, "gen", "r", "--count", "1", "--size", "4G");
	EXPECT_USAGE_ERROR(&r, "gen", "bad size '4G'");
	run_free(&r);
}

/* ---- runtime failures without a ring ----------------------------------- */

TEST(open_missing)
{
	struct run r = { 0 };

	RUN(&r, -1, "cat", "/nonexistent/ring");
	EXPECT_EQ(1, r.status);
	EXPECT_EQ(0, r.out_len);
	EXPECT_STREQ("zcring: cat: open ring '/nonexistent/ring': No such file or directory\n",
		     r.err);
	run_free(&r);
}

/* A file too short to be a ring image is refused, not mapped. */
TEST(open_not_a_ring)
{
	char path[] = "/tmp/zcring-cli-XXXXXX";
	struct run r = { 0 };
	int fd;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "hello", 5));
	RUN(&r, -1, "cat", path);
	unlink(path);
	close(fd);
	EXPECT_FAILURE(&r, "Protocol error");
	EXPECT_NE(NULL, strstr(r.err, "not a ring"));
	run_free(&r);
}

/* Without the module, the commands that need it say so, status 1. */
TEST(no_module)
{
	struct run r = { 0 };

	if (!access(ZCRING_SYSFS_DIR, F_OK) ||
	    !access(ZCRING_CONTROL_PATH, F_OK))
		SKIP(return, "the zcring module is loaded");
	RUN(&r, -1, "list");
	EXPECT_FAILURE(&r, "No such file or directory");
	EXPECT_NE(NULL, strstr(r.err, "module loaded?"));
	RUN(&r, -1, "create", "cli-test", "--size", "64K");
	EXPECT_FAILURE(&r, "create ring 'cli-test'");
	RUN(&r, -1, "destroy", "cli-test");
	EXPECT_FAILURE(&r, "destroy ring 'cli-test'");
	RUN(&r, -1, "cat", "cli-test");
	EXPECT_FAILURE(&r, "module loaded?");
	run_free(&r);
}

/* ---- on a file image ------------------------------------------------------ */

FIXTURE(image) {
	struct tprod p;
	char path[32];	/* /dev/fd/N */
	struct run r;
};

FIXTURE_SETUP(image)
{
	/* A few pages: room for the records below, and wrapping. */
	ASSERT_EQ(0, tprod_init(&self->p, 4 * sysconf(_SC_PAGESIZE)));
	snprintf(self->path, sizeof(self->path), "/dev/fd/%d",
		 tprod_fd(&self->p));
	memset(&self->r, 0, sizeof(self->r));
}

FIXTURE_TEARDOWN(image)
{
	run_free(&self->r);
	tprod_fini(&self->p);
}

/* cat on the image; the image's memfd goes along. */
#define CAT(...) RUN(&self->r, tprod_fd(&self->p), "cat", self->path, ##__VA_ARGS__)

static void put(struct __test_metadata *_metadata, struct tprod *p,
		const void *buf, __u32 len)
{
	ASSERT_EQ(0, tprod_write(p, buf, len));
}

static void put_gen(struct __test_metadata *_metadata, struct tprod *p,
		    __u32 len, __u64 seq)
{
	ASSERT_EQ(0, tprod_write_gen(p, len, seq));
}

/*
 * --raw writes the payloads back to back, exactly; discarded records are
 * not among them; all are consumed.
 */
TEST_F(image, cat_raw)
{
	char want[512], big[300];
	void *payload;
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 1);
	put(_metadata, &self->p, "hello", 5);
	memcpy(want + n, "hello", 5);
	n += 5;
	ASSERT_EQ(0, tprod_reserve(&self->p, 9, &payload));
	memcpy(payload, "discarded", 9);
	tprod_discard(&self->p, payload);
	put(_metadata, &self->p, "!", 1);
	memcpy(want + n, "!", 1);
	n += 1;
	put(_metadata, &self->p, big, sizeof(big));
	memcpy(want + n, big, sizeof(big));
	n += sizeof(big);

	CAT("--raw");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, self->r.err_len);
	ASSERT_EQ(n, self->r.out_len);
	EXPECT_EQ(0, memcmp(want, self->r.out, n));
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));

	/* Consumed: a second cat finds nothing. */
	CAT("--raw");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, self->r.out_len);
}

/* The hex format, byte for byte; it is the default. */
TEST_F(image, cat_hex)
{
	static const char want[] =
		"seq 0 len 5\n"
		"  0000  68 65 6c 6c 6f                                    |hello|\n"
		"seq 1 len 20\n"
		"  0000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|\n"
		"  0010  10 11 12 41                                       |...A|\n";
	__u8 bytes[20];
	unsigned int i, pass;

	for (pass = 0; pass < 2; pass++) {
		/* The producer's header seq: both passes' records start at 0. */
		self->p.seq = 0;
		put(_metadata, &self->p, "hello", 5);
		for (i = 0; i < sizeof(bytes); i++)
			bytes[i] = i;
		bytes[19] = 'A';
		put(_metadata, &self->p, bytes, sizeof(bytes));
		if (pass == 0)
			CAT();
		else
			CAT("--hex");
		EXPECT_EQ(0, self->r.status);
		EXPECT_EQ(0, self->r.err_len);
		EXPECT_STREQ(want, self->r.out);
	}
}

/* --count stops after N records, and consumes only those. */
TEST_F(image, cat_count)
{
	static const char *const payloads[] = { "one", "two", "three",
						"four", "five" };
	unsigned int i;
	__u64 pos2 = 0;

	for (i = 0; i < ARRAY_SIZE(payloads); i++) {
		put(_metadata, &self->p, payloads[i], strlen(payloads[i]));
		if (i == 1)
			pos2 = self->p.pos;
	}
	CAT("--raw", "--count", "2");
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("onetwo", self->r.out);
	EXPECT_EQ(pos2, tprod_consumer_pos(&self->p));

	/* Fewer left than asked for: what there is, and status 0. */
	CAT("--raw", "-n", "10");
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("threefourfive", self->r.out);
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
}

/* An empty ring: nothing printed; --quiet's summary says 0 of all. */
TEST_F(image, cat_empty)
{
	CAT();
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, self->r.out_len);
	EXPECT_EQ(0, self->r.err_len);

	CAT("--quiet");
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("records 0 bytes 0 seconds 0.000 records/s 0 MB/s 0.0 gaps 0\n",
		     self->r.out);
}

/* Parse the summary line; 0 if it has the exact shape. */
static int parse_summary(const char *s, unsigned long long *records,
			 unsigned long long *bytes, unsigned long long *gaps)
{
	double secs, rps, mbps;
	int end = -1;

	sscanf(s, "records %llu bytes %llu seconds %lf records/s %lf MB/s %lf gaps %llu\n%n",
	       records, bytes, &secs, &rps, &mbps, gaps, &end);
	if (end < 0 || s[end] || secs < 0 || rps < 0 || mbps < 0)
		return -1;
	return 0;
}

/* Good generator records pass --verify, which counts them all. */
TEST_F(image, verify_good)
{
	unsigned long long records, bytes, gaps;
	unsigned int i;

	for (i = 0; i < 100; i++)
		put_gen(_metadata, &self->p, 16 + i % 40, i);
	CAT("--verify", "--quiet");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, self->r.err_len);
	ASSERT_EQ(0, parse_summary(self->r.out, &records, &bytes, &gaps))
		TH_LOG("summary: %s", self->r.out);
	EXPECT_EQ(100, records);
	/* 16..55 bytes, 2.5 times over. */
	EXPECT_EQ(2 * (16 + 55) * 40 / 2 + (16 + 35) * 20 / 2, bytes);
	EXPECT_EQ(0, gaps);
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));
}

/*
 * Records that wrap at the end of the ring read whole; the first seq
 * seen need not be 0; --verify with --hex prints the records as well.
 */
TEST_F(image, verify_wrapping)
{
	unsigned long long records, bytes, gaps;
	__u64 seq = 1000;
	unsigned int round;
	char want[32];

	/* 1000-byte records, 3 at a time, till the ring has gone round twice. */
	for (round = 0; self->p.pos <= 2 * self->p.size; round++) {
		put_gen(_metadata, &self->p, 1000, seq++);
		put_gen(_metadata, &self->p, 1000, seq++);
		put_gen(_metadata, &self->p, 1000, seq++);
		CAT("--verify", "--quiet");
		EXPECT_EQ(0, self->r.status);
		ASSERT_EQ(0, parse_summary(self->r.out, &records, &bytes,
					   &gaps));
		EXPECT_EQ(3, records);
		EXPECT_EQ(3000, bytes);
		EXPECT_EQ(0, gaps);
	}
	EXPECT_EQ(self->p.pos, tprod_consumer_pos(&self->p));

	put_gen(_metadata, &self->p, 16, seq);
	CAT("--verify");
	EXPECT_EQ(0, self->r.status);
	snprintf(want, sizeof(want), "seq %u len 16\n  0000  ", 3 * round);
	EXPECT_EQ(0, strncmp(self->r.out, want, strlen(want)))
		TH_LOG("out: %s", self->r.out);
	EXPECT_NE(NULL, strstr(self->r.out, "|\nrecords 1 bytes 16 seconds "));
}

/* A seq that jumps ahead is a drop: counted as gaps, not an error. */
TEST_F(image, verify_gaps)
{
	static const __u64 seqs[] = { 10, 11, 12, 15, 16, 20 };
	unsigned long long records, bytes, gaps;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seqs); i++)
		put_gen(_metadata, &self->p, 32, seqs[i]);
	CAT("--verify", "--quiet");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, self->r.err_len);
	ASSERT_EQ(0, parse_summary(self->r.out, &records, &bytes, &gaps));
	EXPECT_EQ(6, records);
	EXPECT_EQ(6 * 32, bytes);
	/* 13, 14 and 17, 18, 19 */
	EXPECT_EQ(5, gaps);
}

/*
 * A corrupted payload ends --verify with status 1 and one line naming the
 * record; those before it are consumed, it and those after are not.
 */
TEST_F(image, verify_corrupt)
{
	void *payload;
	__u64 pos3 = 0;
	unsigned int i;

	for (i = 0; i < 5; i++) {
		if (i == 3) {
			pos3 = self->p.pos;
			ASSERT_EQ(0, tprod_reserve(&self->p, 64, &payload));
			ASSERT_EQ(0, zcring_gen_fill(payload, 64, i));
			((__u8 *)payload)[40] ^= 0x01;
			tprod_commit(&self->p, payload);
		} else {
			put_gen(_metadata, &self->p, 64, i);
		}
	}
	/* The good records before it are written out, and consumed. */
	CAT("--verify", "--raw");
	EXPECT_EQ(1, self->r.status);
	EXPECT_EQ(3 * 64, self->r.out_len);
	EXPECT_TRUE(one_line(self->r.err));
	EXPECT_NE(NULL, strstr(self->r.err, "bad record seq 3 "))
		TH_LOG("stderr: %s", self->r.err);
	EXPECT_EQ(pos3, tprod_consumer_pos(&self->p));

	/* The bad record stayed in the ring: it fails again, first thing. */
	CAT("--verify", "--quiet");
	EXPECT_FAILURE(&self->r, "bad record seq 3 ");
	EXPECT_EQ(pos3, tprod_consumer_pos(&self->p));
}

/* A seq that goes back is a stale or repeated record: an error. */
TEST_F(image, verify_out_of_order)
{
	put_gen(_metadata, &self->p, 24, 5);
	put_gen(_metadata, &self->p, 24, 6);
	put_gen(_metadata, &self->p, 24, 6);
	CAT("--verify", "--quiet");
	EXPECT_FAILURE(&self->r, "bad record seq 6 ");
	EXPECT_NE(NULL, strstr(self->r.err, "expected seq 7"));
}

/* A payload too short for a generator header is bad, with its ring seq. */
TEST_F(image, verify_short)
{
	put_gen(_metadata, &self->p, 16, 0);
	put(_metadata, &self->p, "tiny", 4);
	CAT("--verify", "--quiet");
	EXPECT_FAILURE(&self->r, "ring seq 1");
	EXPECT_NE(NULL, strstr(self->r.err, "too short"));
}

/*
 * --follow drains the ring, then ends once it is closed; with --count it
 * ends after N records though the ring stays open.
 */
TEST_F(image, follow)
{
	put(_metadata, &self->p, "ab", 2);
	put(_metadata, &self->p, "cd", 2);
	put(_metadata, &self->p, "ef", 2);
	CAT("--raw", "--follow", "--count", "2");
	EXPECT_EQ(0, self->r.status);
	EXPECT_STREQ("abcd", self->r.out);

	tprod_close(&self->p);
	CAT("--raw", "--follow");
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, self->r.err_len);
	EXPECT_STREQ("ef", self->r.out);
}

/* A producer position the library cannot trust: status 1, one line. */
TEST_F(image, corrupt_ring)
{
	put(_metadata, &self->p, "hello", 5);
	tprod_set_producer_pos(&self->p, self->p.pos + 4);
	CAT("--raw");
	EXPECT_FAILURE(&self->r, "Bad message");
}

/*
 * A reader that goes away (EPIPE) ends cat quietly, with status 0; the
 * records it could not write stay in the ring.
 */
TEST_F(image, stdout_closed)
{
	char big[8192];
	int pipefd[2];

	memset(big, 'x', sizeof(big));
	put(_metadata, &self->p, big, 4000);
	put(_metadata, &self->p, big, 4000);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	close(pipefd[0]);
	run_tool(_metadata, &self->r, tprod_fd(&self->p), pipefd[1],
		 (const char *const[]){ "cat", self->path, "--raw", NULL });
	close(pipefd[1]);
	EXPECT_EQ(0, self->r.status);
	EXPECT_EQ(0, self->r.err_len)
		TH_LOG("stderr: %s", self->r.err);
	EXPECT_EQ(0, tprod_consumer_pos(&self->p));
}

/* stat and gen need the ring device's ioctls, which a file lacks. */
TEST_F(image, ioctls_need_a_device)
{
	RUN(&self->r, tprod_fd(&self->p), "stat", self->path);
	EXPECT_FAILURE(&self->r, "Inappropriate ioctl for device");
	EXPECT_NE(NULL, strstr(self->r.err, "zcring: stat: "));
	RUN(&self->r, tprod_fd(&self->p), "gen", self->path, "--count", "1",
	    "--size", "64");
	EXPECT_FAILURE(&self->r, "Inappropriate ioctl for device");
	EXPECT_EQ(0, self->p.pos);
}

TEST_HARNESS_MAIN
