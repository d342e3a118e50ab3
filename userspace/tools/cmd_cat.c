// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * zcring cat: consume a ring's records and print, write or check them.
 *
 * Records are read where they lie in the mapping, with the library's
 * iterator, and --raw writes them out from there with writev(): nothing is
 * copied into a buffer of ours.  The consumer position is handed back once
 * per batch, and only once the batch's output has been written, so that a
 * record is never lost to a failed write: it stays in the ring.  A batch
 * is kept short, so that a slow stdout does not hold the whole ring.
 *
 * With --verify it is also the checker for the kernel's generator: every
 * payload must be right for its seq, and seqs must go up one at a time; a
 * seq that jumps ahead is records dropped for lack of space, which is
 * counted, not an error.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/*
 * Records per batch: one store to the consumer page, and one writev() for
 * --raw, each; at most IOV_MAX (1024 on Linux), so that one writev() does.
 */
#define CAT_BATCH 1024U
/* Bytes per hexdump row. */
#define HEX_ROW 16

struct cat {
	const struct command *cmd;
	bool raw, quiet, verify, follow;
	unsigned long long max;		/* records to read; 0: no limit */

	unsigned long long records, bytes;
	/* --verify: the payload seq expected next, and records missing. */
	bool seen_seq;
	__u64 next_seq;
	unsigned long long gaps;

	struct timespec first, last;	/* the first record, the last batch */
	/* Set by on_record() when it reported a failure itself. */
	int status;

	/* --raw: the batch's payloads, in place in the mapping. */
	struct iovec iov[CAT_BATCH];
	unsigned int niov;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * SIGINT and SIGTERM end cat, --follow above all, as the ring's closing
 * does: at the end of a batch, with the summary.  SA_RESTART keeps writes
 * to stdout going; poll() is never restarted, so zcring_wait() returns
 * -EINTR.  SA_RESETHAND: a second signal kills, should the first be caught
 * between the check of stop and the poll.
 */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* A failed write to stdout, as a negative errno. */
static int stdout_error(void)
{
	return errno ? -errno : -EIO;
}

/*
 *	seq 7 len 20
 *	  0000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|
 *	  0010  10 11 12 13                                       |....|
 *
 * seq is the record header's, which every ring has.
 */
static int print_hex(const void *data, __u32 len)
{
	static const char digits[] = "0123456789abcdef";
	/*
	 * As hexdump -C lays it out: "  ", the offset (8 digits at most),
	 * "  ", "xx " 16 times and a space after the 8th, " |", the ASCII,
	 * "|\n".
	 */
	char line[12 + 3 * HEX_ROW + 1 + 2 + HEX_ROW + 2];
	const __u8 *p = data;
	__u32 off, i;
	char *s;

	errno = 0;
	if (printf("seq %u len %u\n", zcring_rec_seq(data), len) < 0)
		return stdout_error();
	for (off = 0; off < len; off += HEX_ROW) {
		__u32 n = len - off < HEX_ROW ? len - off : HEX_ROW;

		s = line + snprintf(line, sizeof(line), "  %04x  ", off);
		for (i = 0; i < HEX_ROW; i++) {
			if (i < n) {
				*s++ = digits[p[off + i] >> 4];
				*s++ = digits[p[off + i] & 0xf];
			} else {
				*s++ = ' ';
				*s++ = ' ';
			}
			*s++ = ' ';
			if (i == HEX_ROW / 2 - 1)
				*s++ = ' ';
		}
		*s++ = ' ';
		*s++ = '|';
		for (i = 0; i < n; i++) {
			__u8 c = p[off + i];

			*s++ = c >= 0x20 && c < 0x7f ? c : '.';
		}
		*s++ = '|';
		*s++ = '\n';
		if (fwrite(line, 1, s - line, stdout) != (size_t)(s - line))
			return stdout_error();
	}
	return 0;
}

/* Write out iov[0..cnt), however many calls it takes. */
static int write_iov(struct iovec *iov, unsigned int cnt)
{
	ssize_t n;

	while (cnt) {
		n = writev(STDOUT_FILENO, iov, cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (; cnt && (size_t)n >= iov->iov_len; iov++, cnt--)
			n -= iov->iov_len;
		if (cnt) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

/* The batch's output, all of it written: then it may be handed back. */
static int flush_batch(struct cat *c)
{
	unsigned int cnt = c->niov;

	c->niov = 0;
	if (cnt)
		return write_iov(c->iov, cnt);
	errno = 0;
	if (fflush(stdout))
		return stdout_error();
	return 0;
}

/* A record reported bad: one line, then the command ends with status 1. */
static int bad_record(struct cat *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad_record(struct cat *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zcring: %s: ", c->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->status = EXIT_RUNTIME;
	/* Any error: the record stays unconsumed, and the loop ends. */
	return -ECANCELED;
}

static int verify_record(struct cat *c, const void *data, __u32 len)
{
	__u32 rseq = zcring_rec_seq(data);
	__u64 seq;

	if (len < sizeof(struct zcring_gen_payload))
		return bad_record(c,
				  "bad record (ring seq %u): %u bytes, too short for a generator payload",
				  rseq, len);
	if (zcring_gen_verify(data, len, &seq))
		return bad_record(c,
				  "bad record seq %llu (ring seq %u, %u bytes): payload does not match its seq",
				  (unsigned long long)seq, rseq, len);
	if (c->seen_seq) {
		/* Gone back: a stale or repeated record, never a drop. */
		if (seq < c->next_seq)
			return bad_record(c,
					  "bad record seq %llu (ring seq %u): expected seq %llu or later",
					  (unsigned long long)seq, rseq,
					  (unsigned long long)c->next_seq);
		c->gaps += seq - c->next_seq;
	}
	c->seen_seq = true;
	c->next_seq = seq + 1;
	return 0;
}

/* One record, in place: 0, or a negative errno that ends the batch. */
static int on_record(struct cat *c, const void *data, __u32 len)
{
	int err;

	if (!c->records)
		clock_gettime(CLOCK_MONOTONIC, &c->first);
	if (c->verify) {
		err = verify_record(c, data, len);
		if (err)
			return err;
	}
	if (!c->quiet && c->raw) {
		/* Written with the batch: the payload stays valid till then. */
		if (len) {
			c->iov[c->niov].iov_base = (void *)data;
			c->iov[c->niov].iov_len = len;
			c->niov++;
		}
	} else if (!c->quiet) {
		err = print_hex(data, len);
		if (err)
			return err;
	}
	c->records++;
	c->bytes += len;
	return 0;
}

/* "records N bytes B seconds S.sss records/s R MB/s M gaps G" */
static void print_summary(struct cat *c)
{
	double secs = 0, rps = 0, mbps = 0;
	/* Raw payloads own stdout: the summary must not mix with them. */
	FILE *out = c->raw && !c->quiet ? stderr : stdout;

	if (c->records) {
		secs = (c->last.tv_sec - c->first.tv_sec) +
		       (c->last.tv_nsec - c->first.tv_nsec) / 1e9;
		if (secs > 0) {
			rps = c->records / secs;
			mbps = c->bytes / secs / 1e6;
		}
	}
	fprintf(out,
		"records %llu bytes %llu seconds %.3f records/s %.0f MB/s %.1f gaps %llu\n",
		c->records, c->bytes, secs, rps, mbps, c->gaps);
}

/*
 * Up to max ready records: the number passed, or a negative errno, the
 * records before which stay consumed.  The batch is handed back to the
 * producer only once its output is out; if that fails, it all stays.
 */
static int cat_batch(struct cat *c, struct zcring *ring, unsigned int max)
{
	struct zcring_iter it;
	const void *data;
	unsigned int n = 0;
	__u32 len;
	int ret = 0, err;

	zcring_iter_begin(ring, &it);
	while (n < max) {
		ret = zcring_peek(&it, &data, &len);
		if (ret <= 0)
			break;
		ret = on_record(c, data, len);
		if (ret < 0)
			break;
		zcring_release(&it);
		n++;
	}
	err = flush_batch(c);
	if (err)
		return err;
	zcring_iter_end(&it);
	return ret < 0 ? ret : (int)n;
}

/* Consume until done; an exit status. */
static int cat_loop(struct cat *c, struct zcring *ring, const char *name)
{
	/* After a wake-up that found nothing, wait a little before polling. */
	const struct timespec backoff = { .tv_nsec = 1000 * 1000 };
	bool idle = false;
	int n;

	while (!stop) {
		unsigned int batch = CAT_BATCH;

		if (c->max && c->max - c->records < batch)
			batch = c->max - c->records;
		n = cat_batch(c, ring, batch);
		if (n > 0)
			clock_gettime(CLOCK_MONOTONIC, &c->last);
		if (n < 0) {
			if (c->status)
				return c->status;
			/* The reader went away: stop, quietly. */
			if (n == -EPIPE)
				return EXIT_OK;
			if (n == -EBADMSG)
				return fail(c->cmd, n,
					    "read ring '%s' (its positions or a record header make no sense)",
					    name);
			return fail(c->cmd, n, "write to stdout");
		}
		if (c->max && c->records == c->max)
			break;
		if (n > 0) {
			idle = false;
			continue;
		}
		if (!c->follow)
			break;
		/*
		 * A file image always polls ready: without this, following
		 * one would spin.  A device only wakes us with a record.
		 */
		if (idle)
			nanosleep(&backoff, NULL);
		n = zcring_wait(ring, -1);
		if (n == -EPIPE)	/* closed, and nothing left */
			break;
		if (n == -EINTR)
			continue;
		if (n < 0)
			return fail(c->cmd, n, "wait for records in '%s'",
				    name);
		idle = true;
	}
	if (c->quiet || c->verify)
		print_summary(c);
	return EXIT_OK;
}

static int run_cat(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hex", no_argument, NULL, 'x' },
		{ "raw", no_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		{ "verify", no_argument, NULL, 'V' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cat c = { .cmd = cmd };
	bool hex = false;
	struct zcring *ring;
	const char *name;
	int opt, status;

	while ((opt = next_option(cmd, argc, argv, ":hxrn:fVq", opts,
				  &status)) != -1) {
		switch (opt) {
		case 'x':
			hex = true;
			break;
		case 'r':
			c.raw = true;
			break;
		case 'n':
			if (parse_u64(optarg, &c.max) || !c.max)
				return usage_error(cmd, "bad count '%s'",
						   optarg);
			break;
		case 'f':
			c.follow = true;
			break;
		case 'V':
			c.verify = true;
			break;
		case 'q':
			c.quiet = true;
			break;
		default:
			return status;
		}
	}
	if (hex && c.raw)
		return usage_error(cmd, "--hex and --raw exclude each other");
	if (!positional(cmd, argc, argv, 1, "ring name", &status))
		return status;
	name = argv[optind];

	if (open_ring(cmd, name, 0, &ring))
		return EXIT_RUNTIME;
	/*
	 * The watermark is in the consumer page, where an earlier consumer
	 * may have left one: wake on the first record, so that --follow
	 * shows records as they come.
	 */
	zcring_set_watermark(ring, 0);
	catch_signals();
	status = cat_loop(&c, ring, name);
	zcring_close(ring);
	return status;
}

const struct command cmd_cat = {
	.name = "cat",
	.summary = "read (and consume) a ring's records",
	.usage =
		"usage: zcring cat NAME|PATH [--hex|--raw] [--count N] [--follow]\n"
		"                  [--verify] [--quiet]\n"
		"\n"
		"Consume the ring's records, reading them in place, until it is\n"
		"empty, and print them.  Records read are gone from the ring.\n"
		"\n"
		"  -x, --hex      print each record as a line \"seq S len L\" (the\n"
		"                 record header's seq), then a hexdump (default)\n"
		"  -r, --raw      write the payloads to stdout as they are, back\n"
		"                 to back\n"
		"  -n, --count N  stop after N records\n"
		"  -f, --follow   when the ring is empty, wait for more records;\n"
		"                 stop when it is closed and empty, after N\n"
		"                 records, or on SIGINT or SIGTERM\n"
		"  -V, --verify   check that each record is a good generator record\n"
		"                 ('zcring gen') and that their seqs go up by one;\n"
		"                 a seq that jumps ahead counts as a gap (records\n"
		"                 dropped), a bad record ends with status 1\n"
		"  -q, --quiet    print no records\n"
		"\n"
		"With --quiet or --verify, one line ends the output:\n"
		"  records N bytes B seconds S records/s R MB/s M gaps G\n"
		"B counts payload bytes, S runs from the first record to the last,\n"
		"MB are 10^6 bytes, and G counts the generator records missing\n"
		"between those read.  It goes to stderr with --raw and without\n"
		"--quiet, so as not to mix with the payloads.\n",
	.run = run_cat,
};
