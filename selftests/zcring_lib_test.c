// SPDX-License-Identifier: GPL-2.0
/*
 * libzcring against the real module: records read in place in the
 * mapping, every size and the wrap, the generator's payloads, several
 * producers at once (two write() threads on two CPUs and the sample
 * module's hard-IRQ timer), waiting, sets of rings, consumer pages a
 * hostile process rewrote, and who may consume: one handle, with others
 * inspecting and producing beside it, the zcring tool among them.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <time.h>

#include <libzcring.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define RING_SIZE 4096UL
#define MAX_PAYLOAD (RING_SIZE - sizeof(struct zcring_rec_hdr))

FIXTURE(lib)
{
	char name[32];
	struct zcring *r;
	int fd;		/* a second descriptor, for write() */
};

FIXTURE_SETUP(lib)
{
	snprintf(self->name, sizeof(self->name), "lib-%d", getpid());
	ASSERT_EQ(0, zcring_create(self->name, RING_SIZE, 0, 0600));
	ASSERT_EQ(0, zcring_open(self->name, 0, &self->r));
	self->fd = zc_open(self->name, O_RDWR);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(lib)
{
	close(self->fd);
	zcring_close(self->r);
	zcring_destroy(self->name);
}

static void pattern(uint8_t *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 17 + i * 3);
}

/* Whether @p lies in a mapping of a zcring device node. */
static bool in_ring_mapping(const void *p)
{
	unsigned long lo, hi, addr = (unsigned long)p;
	char line[512], path[256];
	bool found = false;
	FILE *maps = fopen("/proc/self/maps", "r");

	if (!maps)
		return false;
	while (!found && fgets(line, sizeof(line), maps)) {
		path[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %255s", &lo, &hi,
			   path) < 2)
			continue;
		found = addr >= lo && addr < hi &&
			!strncmp(path, ZCRING_DEV_DIR "/", strlen(ZCRING_DEV_DIR) + 1);
	}
	fclose(maps);
	return found;
}

struct expect {
	const uint8_t *want;
	uint32_t len;
	bool in_mapping;
	bool match;
	unsigned int calls;
};

static int check_record(void *ctx, const void *data, __u32 len)
{
	struct expect *e = ctx;

	e->calls++;
	e->in_mapping = in_ring_mapping(data) &&
			in_ring_mapping((const uint8_t *)data + len - 1);
	e->match = len == e->len && !memcmp(data, e->want, len);
	return 0;
}

/*
 * Every size from 1 byte to the largest a ring holds, so that records
 * start at every aligned offset and many wrap: each comes back whole and
 * contiguous, as a pointer into the ring's own mapping.
 */
/* Thousands of writes: minutes on the debug kernel (KASAN under TCG). */
TEST_F_TIMEOUT(lib, every_size_read_in_place, 600)
{
	static uint8_t rec[MAX_PAYLOAD];
	struct expect e = { .want = rec };
	uint32_t len;

	for (len = 1; len <= MAX_PAYLOAD; len++) {
		pattern(rec, len, len);
		ASSERT_EQ(len, write(self->fd, rec, len));
		e.len = len;
		ASSERT_EQ(1, zcring_consume(self->r, check_record, &e, 0));
		ASSERT_TRUE(e.match) TH_LOG("record of %u bytes", len);
		ASSERT_TRUE(e.in_mapping) TH_LOG("record of %u bytes", len);
	}
	EXPECT_EQ(MAX_PAYLOAD, e.calls);
}

/*
 * The iterator hands records back once per batch: the consumer page
 * does not move while records are peeked and released, and moves once,
 * to the end of the batch, at zcring_iter_end().
 */
TEST_F(lib, iterator_publishes_once_per_batch)
{
	struct zcring_iter it;
	struct zcring_stats st;
	const void *data;
	uint64_t end;
	uint32_t len;
	int i, n = 0;

	for (i = 0; i < 10; i++)
		ASSERT_EQ(8, write(self->fd, "recordXX", 8));
	end = 10 * ZCRING_REC_SIZE(8);
	ASSERT_EQ(0, zcring_iter_begin(self->r, &it));
	while (zcring_peek(&it, &data, &len) > 0) {
		EXPECT_EQ(8, len);
		zcring_release(&it);
		ASSERT_EQ(0, zcring_stats(self->r, &st));
		EXPECT_EQ(0, st.consumer_pos);
		n++;
	}
	EXPECT_EQ(10, n);
	zcring_iter_end(&it);
	ASSERT_EQ(0, zcring_stats(self->r, &st));
	EXPECT_EQ(end, st.consumer_pos);
	EXPECT_EQ(10, st.consumed_records);
}

struct gen_check {
	uint64_t next_seq;
	uint64_t bad;
	uint64_t records;
};

static int verify_gen(void *ctx, const void *data, __u32 len)
{
	struct gen_check *c = ctx;
	__u64 seq = 0;

	if (zcring_gen_verify(data, len, &seq) || seq != c->next_seq)
		c->bad++;
	c->next_seq = seq + 1;
	c->records++;
	return 0;
}

/*
 * The generator, blocking on a full ring, against a consumer that waits
 * with zcring_wait(): every payload verifies, no seq is missing.
 */
TEST_F(lib, generator_payloads_all_verify)
{
	struct zc_gen_job g = { .fd = self->fd, .count = 30000, .size = 100 };
	struct gen_check c = { 0 };
	struct zcring_stats st;
	pthread_t t;
	int ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, zc_gen_thread, &g));
	while (c.records < g.count) {
		ret = zcring_wait(self->r, 5000);
		ASSERT_EQ(1, ret);
		ASSERT_LE(0, zcring_consume(self->r, verify_gen, &c, 0));
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, g.ret);
	EXPECT_EQ(g.count, g.committed);
	EXPECT_EQ(0, c.bad);
	EXPECT_EQ(g.count, c.next_seq);
	ASSERT_EQ(0, zcring_stats(self->r, &st));
	EXPECT_EQ(g.count, st.consumed_records);
	EXPECT_EQ(st.produced_records, st.consumed_records + st.dropped_records);
}

/* zcring_wait(): a timeout on an empty ring, then a record wakes it. */
TEST_F(lib, wait_times_out_then_wakes)
{
	struct timespec a, b;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	EXPECT_EQ(0, zcring_wait(self->r, 100));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	EXPECT_LE(90, ms);
	ASSERT_EQ(3, write(self->fd, "abc", 3));
	EXPECT_EQ(1, zcring_wait(self->r, 0));
}

/* The watermark, set through the library, holds zcring_wait() back. */
TEST_F(lib, watermark_holds_the_wait)
{
	uint8_t rec[120] = { 0 };
	int i;

	ASSERT_EQ(0, zcring_set_watermark(self->r, 1024));
	EXPECT_EQ(-EINVAL, zcring_set_watermark(self->r, RING_SIZE + 1));
	for (i = 0; i < 7; i++) {
		ASSERT_EQ(sizeof(rec), write(self->fd, rec, sizeof(rec)));
		ASSERT_EQ(0, zcring_wait(self->r, 0));
	}
	ASSERT_EQ(sizeof(rec), write(self->fd, rec, sizeof(rec)));
	EXPECT_EQ(1, zcring_wait(self->r, 0));
}

struct destroyer {
	const char *name;
	unsigned int ms;
	int ret;
};

static void *destroy_later(void *arg)
{
	struct destroyer *d = arg;

	zc_msleep(d->ms);
	d->ret = zcring_destroy(d->name);
	return NULL;
}

static int count_record(void *ctx, const void *data, __u32 len)
{
	(*(unsigned int *)ctx)++;
	return 0;
}

/*
 * A ring destroyed under a waiting consumer: the wait ends, the records
 * committed before stay readable, and then the ring says -EPIPE.
 */
TEST_F(lib, destroy_ends_the_wait)
{
	struct destroyer d = { .name = self->name, .ms = 200 };
	unsigned int n = 0;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, destroy_later, &d));
	EXPECT_EQ(-EPIPE, zcring_wait(self->r, 10000));
	pthread_join(t, NULL);
	ASSERT_EQ(0, d.ret);
	EXPECT_EQ(1, zcring_closed(self->r));
	EXPECT_EQ(0, zcring_consume(self->r, count_record, &n, 0));
	EXPECT_EQ(-1, write(self->fd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(lib, records_survive_destroy)
{
	unsigned int n = 0;

	ASSERT_EQ(2, write(self->fd, "ab", 2));
	ASSERT_EQ(2, write(self->fd, "cd", 2));
	ASSERT_EQ(0, zcring_destroy(self->name));
	EXPECT_EQ(1, zcring_wait(self->r, 1000));
	EXPECT_EQ(2, zcring_consume(self->r, count_record, &n, 0));
	EXPECT_EQ(-EPIPE, zcring_wait(self->r, 1000));
}

/*
 * A writer waits in poll() for space on a full ring; the library consumes
 * through the mapping alone and still wakes it: zcring_consume() sees
 * that a producer waits and makes the one system call that wakes it.
 */
TEST_F(lib, consuming_wakes_a_producer_waiting_for_space)
{
	struct zc_poller w = { .fd = self->fd, .events = POLLOUT };
	uint8_t rec[64] = { 0 };
	unsigned int n = 0;
	pthread_t t;

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	while (write(self->fd, rec, sizeof(rec)) == sizeof(rec))
		;
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, pthread_create(&t, NULL, zc_poll_thread, &w));
	/* Asleep in poll() (a wake-up before it would be no test). */
	zc_msleep(300);
	ASSERT_FALSE(w.done);
	EXPECT_LT(0, zcring_consume(self->r, count_record, &n, 0));
	EXPECT_TRUE(zc_poller_wait(&w, 10000));
	pthread_join(t, NULL);
	EXPECT_EQ(1, w.ret);
	EXPECT_EQ(POLLOUT, w.revents);
}

/*
 * A hostile process rewrote the consumer page: a handle opened on it
 * starts from a position it cannot trust, and says so rather than read
 * anything; once the position is sane again, records come through.
 */
TEST_F(lib, tampered_consumer_page_is_refused)
{
	static const uint64_t bad[] = {
		4, 1ULL << 40, (uint64_t)-8, RING_SIZE * 2,
	};
	struct zcring_consumer_page *cons;
	int fd = zcring_fd(self->r);
	struct zcring *r2;
	unsigned int i, n = 0;

	/* The consumer's file: it alone may map the consumer page. */
	cons = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    ZCRING_PGOFF_CONSUMER * PAGE);
	ASSERT_NE(MAP_FAILED, cons);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(5, write(self->fd, "hello", 5));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cons->consumer_pos = bad[i];
		ASSERT_EQ(0, zcring_open_fd(fd, 0, &r2));
		EXPECT_EQ(-EBADMSG, zcring_consume(r2, count_record, &n, 0))
			TH_LOG("consumer position %#" PRIx64, bad[i]);
		zcring_close(r2);
	}
	EXPECT_EQ(0, n);
	cons->consumer_pos = 0;
	ASSERT_EQ(0, zcring_open_fd(fd, 0, &r2));
	EXPECT_EQ(4, zcring_consume(r2, count_record, &n, 0));
	zcring_close(r2);
	munmap(cons, PAGE);
}

/*
 * One consuming handle at a time.  A second gets -EBUSY; handles that
 * inspect or produce open beside it, and refuse to consume with -EBADF;
 * once the consumer is closed, the role is free for the next.
 */
TEST_F(lib, one_consumer_beside_inspectors_and_producers)
{
	struct zcring *r2, *look, *prod;
	struct zcring_stats st0, st;
	struct zcring_set *set;
	struct zcring_iter it;
	__u64 committed = 0;
	unsigned int n = 0;

	EXPECT_EQ(-EBUSY, zcring_open(self->name, 0, &r2));
	EXPECT_EQ(-EINVAL, zcring_open(self->name, ZCRING_OPEN_INSPECT |
					       ZCRING_OPEN_PRODUCE, &r2));
	/*
	 * Looking maps nothing: opening, asking and producing through such
	 * handles fault in no page of the ring.  The count before them comes
	 * through the fixture's plain descriptor.
	 */
	ASSERT_EQ(0, zc_stats(self->fd, &st0));
	ASSERT_EQ(0, zcring_open(self->name, ZCRING_OPEN_INSPECT, &look));
	ASSERT_EQ(0, zcring_open(self->name, ZCRING_OPEN_PRODUCE, &prod));
	ASSERT_EQ(0, zcring_generate(prod, 3, 32, 0, &committed, NULL));
	EXPECT_EQ(3, committed);
	EXPECT_EQ(0, zcring_closed(look));
	EXPECT_EQ(0, zcring_dropped_records(look));
	ASSERT_EQ(0, zcring_stats(look, &st));
	EXPECT_EQ(st0.faults, st.faults);
	/* Opened read-only: it may not produce either. */
	EXPECT_EQ(-EBADF, zcring_generate(look, 1, 32, 0, NULL, NULL));
	ASSERT_EQ(0, zcring_stats(look, &st));
	EXPECT_EQ(3, st.produced_records);
	EXPECT_EQ(-EBADF, zcring_iter_begin(look, &it));
	EXPECT_EQ(-EBADF, zcring_consume(look, count_record, &n, 0));
	EXPECT_EQ(-EBADF, zcring_wait(look, 0));
	EXPECT_EQ(-EBADF, zcring_set_watermark(look, 0));
	EXPECT_EQ(-EBADF, zcring_consume(prod, count_record, &n, 0));
	ASSERT_EQ(0, zcring_set_new(&set));
	EXPECT_EQ(-EBADF, zcring_set_add(set, prod, count_record, &n));
	zcring_set_free(set);
	EXPECT_EQ(0, n);
	EXPECT_EQ(3, zcring_consume(self->r, count_record, &n, 0));
	ASSERT_EQ(0, zcring_stats(look, &st));
	EXPECT_EQ(3, st.consumed_records);
	zcring_close(self->r);
	self->r = NULL;
	ASSERT_EQ(0, zcring_open(self->name, 0, &self->r));
	EXPECT_EQ(-EBUSY, zcring_open(self->name, 0, &r2));
	/* A destroyed ring says so to a handle without the mapping too. */
	ASSERT_EQ(0, zcring_destroy(self->name));
	EXPECT_EQ(1, zcring_closed(look));
	zcring_close(look);
	zcring_close(prod);
}

/*
 * Whoever may read a ring's node may inspect it while root consumes it;
 * consuming through the library needs write access (the consumer page),
 * and read() on the node is refused while another file consumes.
 */
TEST(a_reader_of_the_node_inspects_a_consumed_ring)
{
	struct zcring *r, *look;
	struct zcring_stats st;
	char name[32];
	int status, fd;
	uint8_t buf[64];
	pid_t pid;

	snprintf(name, sizeof(name), "lib-pub-%d", getpid());
	ASSERT_EQ(0, zcring_create(name, RING_SIZE, 0, 0644));
	ASSERT_EQ(0, zcring_open(name, 0, &r));
	ASSERT_EQ(0, zcring_generate(r, 2, 32, 0, NULL, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (zcring_open(name, 0, &look) != -EACCES)
			_exit(11);
		if (zcring_open(name, ZCRING_OPEN_INSPECT, &look))
			_exit(12);
		if (zcring_stats(look, &st) || st.produced_records != 2)
			_exit(13);
		zcring_close(look);
		fd = zc_open(name, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != -1 ||
		    errno != EBUSY)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2, zcring_consume(r, count_record, &(unsigned int){ 0 }, 0));
	zcring_close(r);
	EXPECT_EQ(0, zcring_destroy(name));
}

/*
 * Run the zcring tool (ZCRING_TOOL) with @args, as uid 65534 if @nobody:
 * its exit status, and its stdout and stderr together in @out.
 */
static int run_tool(const char *const *args, bool nobody, char *out,
		    size_t size)
{
	const char *argv[8] = { getenv("ZCRING_TOOL") };
	size_t len = 0;
	int fds[2], status, i;
	ssize_t n;
	pid_t pid;

	for (i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		if (nobody &&
		    (setgroups(0, NULL) || setgid(65534) || setuid(65534)))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (len + 1 < size &&
	       (n = read(fds[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = 0;
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The tool beside a running consumer: stat works for a user who may only
 * read the node, gen produces, and cat is refused with a line saying why.
 */
TEST(the_tool_inspects_and_produces_beside_a_consumer)
{
	char name[32], out[4096];
	unsigned int n = 0;
	struct zcring *r;

	if (!getenv("ZCRING_TOOL"))
		SKIP(return, "ZCRING_TOOL names no zcring tool");
	snprintf(name, sizeof(name), "lib-tool-%d", getpid());
	ASSERT_EQ(0, zcring_create(name, RING_SIZE, 0, 0644));
	ASSERT_EQ(0, zcring_open(name, 0, &r));
	EXPECT_EQ(0, run_tool((const char *[]){ "gen", name, "--count", "3",
						"--size", "24", NULL },
			      false, out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_EQ(0, run_tool((const char *[]){ "stat", name, NULL }, true,
			      out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "produced_records: 3\n"));
	EXPECT_EQ(1, run_tool((const char *[]){ "cat", name, NULL }, false,
			      out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "another open file consumes it"))
		TH_LOG("%s", out);
	EXPECT_EQ(3, zcring_consume(r, count_record, &n, 0));
	zcring_close(r);
	EXPECT_EQ(0, zcring_destroy(name));
}

static int collect_seq(void *ctx, const void *data, __u32 len)
{
	uint64_t *seqs = ctx;

	if (len < sizeof(struct zcring_gen_payload) || seqs[0] >= 16)
		return -EBADMSG;
	seqs[++seqs[0]] = ((const struct zcring_gen_payload *)data)->seq;
	return 0;
}

/*
 * Records a kernel producer reserved and then discarded (the sample's
 * every third) are passed over, the others read, and the position goes
 * past them all.
 */
TEST(discarded_records_are_passed_over)
{
	static const uint64_t want[] = { 1, 2, 4, 5, 7, 8, 10, 11 };
	uint64_t seqs[17] = { 0 };
	struct zcring_stats st;
	struct zcring *r;
	unsigned int i;
	char name[32];

	snprintf(name, sizeof(name), "disc-%d", getpid());
	ZC_LOAD_SAMPLE_OR_SKIP("name=%s size=4096 period_us=1000 burst=12 record_size=32 count=12 discard_every=3",
			       name);
	ASSERT_EQ(0, zcring_open(name, 0, &r));
	for (i = 0; i < 10000; i++) {
		ASSERT_EQ(0, zcring_stats(r, &st));
		if (st.produced_records + st.discarded_records == 12)
			break;
		zc_msleep(1);
	}
	EXPECT_EQ(4, st.discarded_records);
	EXPECT_EQ(8, zcring_consume(r, collect_seq, seqs, 0));
	ASSERT_EQ(8, seqs[0]);
	for (i = 0; i < 8; i++)
		EXPECT_EQ(want[i], seqs[i + 1]);
	ASSERT_EQ(0, zcring_stats(r, &st));
	EXPECT_EQ(st.producer_pos, st.consumer_pos);
	EXPECT_EQ(8, st.consumed_records);
	zcring_close(r);
	EXPECT_EQ(0, zc_delete_module("zcring_sample"));
}

struct held_ctx {
	uint64_t gen, sample;		/* records of each */
	uint64_t gen_next, sample_next;	/* the least seq each may have next */
	bool disorder;
};

/* The generator's records are 24 bytes, the sample's 16: seqs rise. */
static int check_held(void *ctx, const void *data, __u32 len)
{
	const struct zcring_gen_payload *p = data;
	struct held_ctx *c = ctx;
	uint64_t *next = len == 24 ? &c->gen_next : &c->sample_next;

	if (len != 24 && len != 16)
		return -EBADMSG;
	if (p->seq < *next)
		c->disorder = true;
	*next = p->seq + 1;
	if (len == 24)
		c->gen++;
	else
		c->sample++;
	return 0;
}

/*
 * A reservation held long, a whole ring of records committed behind it:
 * once it is committed, the records are passed a bounded number at a time
 * (the sample's reservations, in hard IRQ context, walk once and may
 * drop; process context ones walk on, letting the lock go between), and
 * nothing is lost: every record arrives in order, every drop is counted,
 * and a write() finds room once the consumer has read them.
 */
TEST(records_behind_a_held_reservation_all_arrive)
{
	__u64 committed = 0, dropped = 0;
	struct held_ctx c = { 0 };
	struct zcring *r, *prod;
	struct zcring_stats st;
	int64_t offered = -1;
	unsigned int i;
	char name[32];
	int n;

	snprintf(name, sizeof(name), "held-%d", getpid());
	ZC_LOAD_SAMPLE_OR_SKIP("name=%s size=1048576 period_us=1000 burst=1 record_size=16 count=4000 hold_ms=3000",
			       name);
	ASSERT_EQ(0, zcring_open(name, 0, &r));
	ASSERT_EQ(0, zcring_open(name, ZCRING_OPEN_PRODUCE, &prod));
	/* 32,768 records of 24 bytes fill 1 MiB; the rest drop. */
	ASSERT_EQ(0, zcring_generate(prod, 50000, 24, ZCRING_GEN_BATCH,
				     &committed, &dropped));
	EXPECT_EQ(50000, committed + dropped);
	EXPECT_LT(30000, committed);
	/* Still held: what the test is about happens after this. */
	EXPECT_EQ(0, zcring_consume(r, check_held, &c, 0));
	for (i = 0; i < 30000; i++) {
		n = zcring_consume(r, check_held, &c, 0);
		ASSERT_LE(0, n);
		offered = zc_sample_offered();
		if (offered >= 4000 && !n && c.sample)
			break;
		zc_msleep(1);
	}
	EXPECT_FALSE(c.disorder);
	EXPECT_EQ(committed, c.gen);
	EXPECT_EQ(4000, offered);
	ASSERT_EQ(9, write(zcring_fd(prod), "the last", 9));
	EXPECT_EQ(1, zcring_consume(r, count_record, &(unsigned int){ 0 }, 0));
	ASSERT_EQ(0, zcring_stats(r, &st));
	EXPECT_EQ(st.producer_pos, st.consumer_pos);
	EXPECT_EQ(st.produced_records, st.consumed_records + st.dropped_records);
	/* The sample's drops are the ring's less the generator's. */
	EXPECT_EQ(offered, c.sample + st.dropped_records - dropped);
	TH_LOG("generator %llu committed, %llu dropped; sample %" PRIu64
	       " of %" PRId64 " committed", (unsigned long long)committed,
	       (unsigned long long)dropped, c.sample, offered);
	zcring_close(prod);
	zcring_close(r);
	EXPECT_EQ(0, zc_delete_module("zcring_sample"));
}

struct set_ctx {
	unsigned int a, b;
};

static int count_a(void *ctx, const void *data, __u32 len)
{
	((struct set_ctx *)ctx)->a++;
	return 0;
}

static int count_b(void *ctx, const void *data, __u32 len)
{
	((struct set_ctx *)ctx)->b++;
	return 0;
}

/*
 * Two rings in one set: each ring's records go to its own callback, the
 * set waits in one epoll, and ends with -EPIPE once both are destroyed.
 */
TEST_F(lib, set_consumes_two_rings)
{
	char name2[40];
	struct zcring_set *set;
	struct set_ctx c = { 0 };
	struct zcring *r2;
	int fd2, i, ret, total = 0;

	snprintf(name2, sizeof(name2), "%s-b", self->name);
	ASSERT_EQ(0, zcring_create(name2, RING_SIZE, 0, 0600));
	ASSERT_EQ(0, zcring_open(name2, 0, &r2));
	fd2 = zc_open(name2, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, zcring_set_new(&set));
	ASSERT_EQ(0, zcring_set_add(set, self->r, count_a, &c));
	ASSERT_EQ(0, zcring_set_add(set, r2, count_b, &c));
	EXPECT_EQ(-EEXIST, zcring_set_add(set, r2, count_b, &c));

	EXPECT_EQ(0, zcring_set_poll(set, 50));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, write(self->fd, "a", 1));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(1, write(fd2, "b", 1));
	while (total < 8) {
		ret = zcring_set_poll(set, 1000);
		ASSERT_LT(0, ret);
		total += ret;
	}
	EXPECT_EQ(3, c.a);
	EXPECT_EQ(5, c.b);

	ASSERT_EQ(0, zcring_destroy(self->name));
	ASSERT_EQ(0, zcring_destroy(name2));
	for (i = 0; i < 3; i++) {
		ret = zcring_set_poll(set, 1000);
		if (ret == -EPIPE)
			break;
		ASSERT_EQ(0, ret);
	}
	EXPECT_EQ(-EPIPE, ret);
	EXPECT_EQ(0, zcring_set_remove(set, r2));
	EXPECT_EQ(-ENOENT, zcring_set_remove(set, r2));
	zcring_set_free(set);
	zcring_close(r2);
	close(fd2);
}

/* ---- many producers --------------------------------------------------- */

/*
 * Each stream's records carry seq = stream << STREAM_SHIFT | n; the
 * sample module's seq is its own count, below 1 << STREAM_SHIFT.
 */
#define STREAM_SHIFT 48
#define WRITERS 2
#define WRITER_RECORDS 20000
#define SAMPLE_RECORDS 20000

struct writer {
	int fd;
	int cpu;
	unsigned int stream;
	uint32_t done;
	int err;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	uint8_t rec[256];
	cpu_set_t cpus;
	uint32_t i, len;

	CPU_ZERO(&cpus);
	CPU_SET(w->cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		w->err = errno;
		return NULL;
	}
	for (i = 0; i < WRITER_RECORDS; i++) {
		/* Sizes vary so that records of each stream interleave. */
		len = sizeof(struct zcring_gen_payload) + (i * 7 + w->stream) % 200;
		zcring_gen_fill(rec, len,
				(uint64_t)w->stream << STREAM_SHIFT | i);
		if (write(w->fd, rec, len) != (ssize_t)len) {
			w->err = errno;
			return NULL;
		}
		w->done = i + 1;
	}
	return NULL;
}

struct streams {
	uint64_t next[WRITERS + 1];	/* [0]: the sample module */
	uint64_t records[WRITERS + 1];
	uint64_t gaps;			/* sample records missing: drops */
	uint64_t bad;
	uint64_t first_bad;
};

static int check_stream(void *ctx, const void *data, __u32 len)
{
	struct streams *s = ctx;
	__u64 seq = 0, n;
	unsigned int stream;

	if (zcring_gen_verify(data, len, &seq))
		goto bad;
	stream = seq >> STREAM_SHIFT;
	n = seq & ((1ULL << STREAM_SHIFT) - 1);
	if (stream > WRITERS || n < s->next[stream])
		goto bad;
	/* Writers block for space, so only the sample's records drop. */
	if (n != s->next[stream]) {
		if (stream)
			goto bad;
		s->gaps += n - s->next[stream];
	}
	s->next[stream] = n + 1;
	s->records[stream]++;
	return 0;
bad:
	if (!s->bad++)
		s->first_bad = seq;
	return 0;
}

/*
 * Two write() threads pinned to two CPUs and the sample module's hard-IRQ
 * hrtimer produce into one ring at once, the sample reserving each burst
 * in one step if @batch.  The consumer sees every record of every stream
 * in order, each payload verifies, the sample's gaps are exactly the drops
 * counted, and once the sample is unloaded (which destroys its ring)
 * produced == consumed + dropped.
 */
static void mixed_producers(struct __test_metadata *_metadata, bool batch)
{
	struct writer w[WRITERS];
	struct streams s = { 0 };
	struct zcring_stats st = { 0 };
	char name[32];
	const uint64_t total = WRITERS * WRITER_RECORDS + SAMPLE_RECORDS;
	pthread_t t[WRITERS];
	struct zcring *r;
	uint64_t last;
	int fd, i, ret;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	snprintf(name, sizeof(name), "mp-%d", getpid());
	ZC_LOAD_SAMPLE_OR_SKIP("name=%s size=%lu period_us=200 burst=8 record_size=48 count=%d batch=%d",
			       name, 64 * 1024UL, SAMPLE_RECORDS, batch);
	ASSERT_EQ(0, zcring_open(name, 0, &r));
	fd = zc_open(name, O_WRONLY);
	ASSERT_LE(0, fd);

	for (i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){ .fd = fd, .cpu = i, .stream = i + 1 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, writer_thread, &w[i]));
	}
	/*
	 * Until every record was offered, and those committed are read;
	 * stalled if nothing moves for 20 s.  (A bound on the iterations
	 * would not do: how many records one wake-up brings varies.)
	 */
	for (last = zc_now_ms();;) {
		uint64_t before = st.produced_records + st.consumer_pos;

		ret = zcring_wait(r, 10);
		ASSERT_LE(0, ret);
		ASSERT_LE(0, zcring_consume(r, check_stream, &s, 0));
		ASSERT_EQ(0, s.bad) TH_LOG("bad record, seq %#" PRIx64,
					   (uint64_t)s.first_bad);
		ASSERT_EQ(0, zcring_stats(r, &st));
		if (st.produced_records == total &&
		    st.producer_pos == st.consumer_pos)
			break;
		if (st.produced_records + st.consumer_pos != before)
			last = zc_now_ms();
		ASSERT_GT(last + 20000, zc_now_ms())
			TH_LOG("stalled: writers %u %u, sample %" PRIu64
			       "; produced %" PRIu64 " of %" PRIu64
			       ", producer at %" PRIu64 ", consumer at %" PRIu64,
			       w[0].done, w[1].done, s.records[0],
			       (uint64_t)st.produced_records, total,
			       (uint64_t)st.producer_pos,
			       (uint64_t)st.consumer_pos);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].err);
	}
	ASSERT_EQ(0, zc_delete_module("zcring_sample"));
	/* Its ring is gone: nothing more comes, the end is said once. */
	EXPECT_EQ(-EPIPE, zcring_wait(r, 1000));
	ASSERT_EQ(0, zcring_stats(r, &st));
	TH_LOG("sample %" PRIu64 " records, %" PRIu64 " dropped; writers %"
	       PRIu64 " + %" PRIu64, s.records[0], (uint64_t)st.dropped_records,
	       s.records[1], s.records[2]);
	EXPECT_EQ(WRITER_RECORDS, s.records[1]);
	EXPECT_EQ(WRITER_RECORDS, s.records[2]);
	/* Drops after the sample's last committed record leave no gap. */
	EXPECT_EQ(SAMPLE_RECORDS, s.records[0] + st.dropped_records);
	EXPECT_GE(st.dropped_records, s.gaps);
	EXPECT_EQ(s.records[0] + s.records[1] + s.records[2],
		  st.consumed_records);
	EXPECT_EQ(st.produced_records, st.consumed_records + st.dropped_records);
	close(fd);
	zcring_close(r);
}

TEST(two_cpus_and_hard_irq_into_one_ring)
{
	mixed_producers(_metadata, false);
}

/* The same, the sample using zcring_reserve_batch() and _commit_batch(). */
TEST(two_cpus_and_hard_irq_batches_into_one_ring)
{
	mixed_producers(_metadata, true);
}

TEST_HARNESS_MAIN
