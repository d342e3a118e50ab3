// SPDX-License-Identifier: GPL-2.0
/*
 * Stress and soak: every kind of producer into one ring at once, in drop
 * mode, as fast as each can go, and one consumer checking everything.
 *
 *   - two generator threads (ZCRING_IOC_GENERATE, one batched, one not),
 *     pinned to two CPUs: the process-context reserve/commit paths;
 *   - the sample module's hrtimer: the hard-IRQ path, in bursts;
 *   - one consumer, through libzcring, in place.
 *
 * Each record is checked: its payload's checksum; its header's seq, which
 * must follow the previous record's (the ring lost or repeated nothing);
 * and its payload's seq, by stream: a generator seq is taken at most once
 * (a bitmap; two threads share the generator's count, so their records
 * interleave out of order), a sample seq only upwards.  At the end the
 * counts must add up exactly: what each producer offered is what the
 * consumer got plus what that producer dropped, and the ring's own
 * produced == consumed + dropped.
 *
 * The producers run until the consumer has verified ZCRING_SOAK_RECORDS
 * records (default 10^7; `make soak` asks for more) and the sample has
 * offered all of its records.  The restart variant closes the consumer and
 * opens a new one every few thousand records, one time in four in a child
 * process that exits without closing, so the ring's consumer position is
 * all that carries over.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <sys/param.h>
#include <sys/wait.h>

#include <libzcring.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define RING_SIZE (256 * 1024UL)
#define DEFAULT_RECORDS 10000000ULL
/* Records per ZCRING_IOC_GENERATE call: how often a producer looks up. */
#define GEN_CHUNK 4096
/*
 * A producer that saw more than half of a call dropped pauses, twice as
 * long each time it happens again, up to the maximum: the ring stays full,
 * but the generator's seqs, which its drops use up too, do not run through
 * the bitmap while the consumer is away.
 */
#define GEN_PAUSE_MIN_US 100
#define GEN_PAUSE_MAX_US 6400
/*
 * The generators may hand out this many seqs (records offered, committed
 * or dropped) per record verified, plus a ring's worth: the bitmap that
 * checks them is sized for that, and they wait when they are that far
 * ahead of the consumer.
 */
#define GEN_SEQ_PER_RECORD 16
#define GEN_SLACK_RECORDS (RING_SIZE / ZCRING_REC_SIZE(16))
/* The restart variant's consumer sessions average this many records. */
#define SESSION_RECORDS 5000
/* A soak with no progress for this long has stalled. */
#define STALL_MS 20000

/* Payload lengths tell the three producers apart. */
enum stream { GEN_A, GEN_B, SAMPLE, STREAMS };
static const uint32_t stream_len[STREAMS] = { 16, 24, 32 };
static const char *const stream_name[STREAMS] = {
	"generator, batched", "generator, one by one", "sample, hard IRQ"
};

/*
 * What the consumer knows.  In shared memory: a restarted consumer may be
 * a child process.
 */
struct soak_state {
	uint64_t records[STREAMS];	/* verified, by stream */
	uint64_t total;			/* verified, all streams */
	uint64_t next_sample;		/* the lowest sample seq still possible */
	uint32_t next_hdr_seq;		/* the next header seq */
	uint64_t bad;
	char why[160];
	uint64_t gen_seq_limit;		/* bits in gen_seen */
	uint64_t gen_seen[];
};

struct producer {
	int fd;
	int cpu;
	enum stream stream;
	uint32_t flags;
	uint64_t *handed;	/* generator seqs handed out, both threads */
	const struct soak_state *s;
	volatile bool *stop;
	uint64_t committed, dropped;
	int err;
};

/* A record that fails a check: counted, and the first one explained. */
static int soak_bad(struct soak_state *s, const char *fmt, uint64_t a,
		    uint64_t b)
{
	if (!s->bad++)
		snprintf(s->why, sizeof(s->why), fmt, a, b);
	return -EBADMSG;
}

static int soak_check(void *ctx, const void *data, __u32 len)
{
	struct soak_state *s = ctx;
	uint32_t hdr_seq = zcring_rec_seq(data);
	__u64 seq = 0, bit;
	int st;

	if (zcring_gen_verify(data, len, &seq))
		return soak_bad(s, "record %" PRIu64 ": bad payload, seq %" PRIu64,
				s->total, seq);
	if (hdr_seq != s->next_hdr_seq)
		return soak_bad(s, "header seq %" PRIu64 ", expected %" PRIu64,
				hdr_seq, s->next_hdr_seq);
	for (st = 0; st < STREAMS && stream_len[st] != len; st++)
		;
	if (st == STREAMS)
		return soak_bad(s, "record %" PRIu64 ": length %" PRIu64,
				s->total, len);
	if (st == SAMPLE) {
		if (seq < s->next_sample)
			return soak_bad(s, "sample seq %" PRIu64
					" after %" PRIu64, seq,
					s->next_sample - 1);
		s->next_sample = seq + 1;
	} else {
		if (seq >= s->gen_seq_limit)
			return soak_bad(s, "generator seq %" PRIu64
					" beyond %" PRIu64, seq,
					s->gen_seq_limit);
		bit = 1ULL << (seq % 64);
		if (s->gen_seen[seq / 64] & bit)
			return soak_bad(s, "generator seq %" PRIu64
					" twice (record %" PRIu64 ")",
					seq, s->total);
		s->gen_seen[seq / 64] |= bit;
	}
	s->next_hdr_seq++;
	s->records[st]++;
	/* The producers read it to pace themselves. */
	__atomic_store_n(&s->total, s->total + 1, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Offer GEN_CHUNK records at a time, in drop mode, until told to stop or
 * the bitmap's seqs are all handed out.  In drop mode a producer
 * never waits for the ring, so it offers several times what the consumer
 * can take, and most calls drop part of their records.
 */
static void *producer_thread(void *arg)
{
	struct producer *p = arg;
	uint64_t committed, dropped;
	unsigned int pause = 0;
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(p->cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
		p->err = -errno;
		return NULL;
	}
	while (!*p->stop) {
		uint64_t handed = __atomic_load_n(p->handed, __ATOMIC_RELAXED);
		uint64_t verified = __atomic_load_n(&p->s->total,
						    __ATOMIC_RELAXED);

		if (handed + GEN_CHUNK > p->s->gen_seq_limit)
			return NULL;
		/* Too far ahead of the consumer: wait for it. */
		if (handed + GEN_CHUNK >
		    GEN_SEQ_PER_RECORD * (verified + GEN_SLACK_RECORDS)) {
			usleep(1000);
			continue;
		}
		/* The other producer took these seqs first: look again. */
		if (!__atomic_compare_exchange_n(p->handed, &handed,
						 handed + GEN_CHUNK, false,
						 __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			continue;
		p->err = zc_generate(p->fd, GEN_CHUNK, stream_len[p->stream],
				     p->flags, &committed, &dropped);
		p->committed += committed;
		p->dropped += dropped;
		if (p->err)
			return NULL;
		if (2 * dropped > GEN_CHUNK) {
			pause = pause ? MIN(2 * pause, GEN_PAUSE_MAX_US) :
					GEN_PAUSE_MIN_US;
			usleep(pause);
		} else {
			pause = 0;
		}
	}
	return NULL;
}

static uint64_t soak_target(void)
{
	const char *env = getenv("ZCRING_SOAK_RECORDS");

	return env ? strtoull(env, NULL, 0) : DEFAULT_RECORDS;
}

/*
 * One consumer session: open the ring, consume up to @max records (0: all
 * that are ready), close.  Returns how many, or a negative errno.
 */
static int consume_session(const char *name, struct soak_state *s,
			   unsigned int max)
{
	struct zcring *r;
	unsigned int done = 0;
	int ret;

	ret = zcring_open(name, 0, &r);
	if (ret)
		return ret;
	while (!max || done < max) {
		ret = zcring_consume(r, soak_check, s, max ? max - done : 0);
		if (ret <= 0)
			break;
		done += ret;
	}
	zcring_close(r);
	return ret < 0 ? ret : (int)done;
}

/* The same in a child process that exits without closing anything. */
static int consume_session_in_child(const char *name, struct soak_state *s,
				    unsigned int max)
{
	struct zcring *r;
	int status, ret;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		ret = zcring_open(name, 0, &r);
		if (!ret)
			ret = zcring_consume(r, soak_check, s, max);
		/* No zcring_close(): the kernel unmaps and closes. */
		_exit(ret < 0 ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ECHILD;
}

FIXTURE(soak)
{
	char name[32];
	int fd;
	struct soak_state *s;
	size_t state_size;
	struct producer p[2];
	pthread_t t[2];
	int started;
	volatile bool stop;
	uint64_t handed;
	bool loaded;
};

FIXTURE_VARIANT(soak)
{
	bool batch_sample;	/* the sample reserves each burst at once */
	bool restart;		/* the consumer restarts every few thousand */
};

FIXTURE_VARIANT_ADD(soak, one_consumer)
{
	.batch_sample = false,
	.restart = false,
};

FIXTURE_VARIANT_ADD(soak, consumer_restarts)
{
	.batch_sample = true,
	.restart = true,
};

FIXTURE_SETUP(soak)
{
	self->fd = -1;
}

/* Also after a failed assertion: stop the producers, unload the sample. */
FIXTURE_TEARDOWN(soak)
{
	int i;

	self->stop = true;
	for (i = 0; i < self->started; i++)
		pthread_join(self->t[i], NULL);
	if (self->fd >= 0)
		close(self->fd);
	if (self->loaded)
		EXPECT_EQ(0, zc_delete_module("zcring_sample"));
	if (self->s)
		munmap(self->s, self->state_size);
}

/* Until the generator threads stopped, and the ring holds it all. */
static void soak_drain(struct __test_metadata *_metadata,
		       FIXTURE_DATA(soak) *self, uint64_t offered,
		       struct zcring_stats *st)
{
	uint64_t since = zc_now_ms();

	for (;;) {
		ASSERT_LE(0, consume_session(self->name, self->s, 0));
		ASSERT_EQ(0, self->s->bad) TH_LOG("%s", self->s->why);
		ASSERT_EQ(0, zc_stats(self->fd, st));
		if (st->produced_records == offered &&
		    st->consumer_pos == st->producer_pos)
			return;
		ASSERT_GT(since + STALL_MS, zc_now_ms())
			TH_LOG("produced %" PRIu64 " of %" PRIu64,
			       (uint64_t)st->produced_records, offered);
		zc_msleep(10);
	}
}

TEST_F_TIMEOUT(soak, drop_mode, 3600)
{
	const uint64_t target = soak_target();
	const uint64_t sample_count = target / 20 + 1;
	const uint64_t gen_seq_limit =
		GEN_SEQ_PER_RECORD * (target + GEN_SLACK_RECORDS);
	struct producer *p = self->p;
	struct zcring_stats st;
	struct zcring *r = NULL;
	struct soak_state *s;
	uint64_t last_total = 0, last_change, last_sample_check = 0;
	uint64_t offered, dropped, sessions = 0, x = 0x9e3779b97f4a7c15ULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int i, ret;

	if (!getenv("ZCRING_SAMPLE_KO"))
		SKIP(return, "ZCRING_SAMPLE_KO is not set");
	ASSERT_LT(0, target);
	self->state_size = sizeof(*s) +
			   (gen_seq_limit / 64 + 1) * sizeof(uint64_t);
	s = mmap(NULL, self->state_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	self->s = s;
	s->gen_seq_limit = gen_seq_limit;

	snprintf(self->name, sizeof(self->name), "soak-%d", getpid());
	ASSERT_EQ(0, zc_load_sample("name=%s size=%lu period_us=100 burst=16 record_size=%u count=%" PRIu64 " batch=%d mode=0600",
				    self->name, RING_SIZE, stream_len[SAMPLE],
				    sample_count, variant->batch_sample));
	self->loaded = true;
	self->fd = zc_open(self->name, O_RDWR);
	ASSERT_LE(0, self->fd);

	for (i = 0; i < 2; i++) {
		p[i] = (struct producer){
			.fd = self->fd,
			.cpu = i % ncpu,
			.stream = i ? GEN_B : GEN_A,
			.flags = i ? 0 : ZCRING_GEN_BATCH,
			.handed = &self->handed,
			.s = s,
			.stop = &self->stop,
		};
		ASSERT_EQ(0, pthread_create(&self->t[i], NULL, producer_thread,
					    &p[i]));
		self->started++;
	}

	/*
	 * Consume until the target is verified and the sample has offered
	 * all of its records.
	 */
	if (!variant->restart) {
		ASSERT_EQ(0, zcring_open(self->name, 0, &r));
		sessions = 1;
	}
	for (last_change = zc_now_ms();;) {
		if (variant->restart) {
			unsigned int max;

			max = 1 + zc_xorshift64(&x) % (2 * SESSION_RECORDS);
			ret = sessions++ % 4 == 3 ?
				      consume_session_in_child(self->name, s,
							       max) :
				      consume_session(self->name, s, max);
		} else {
			ret = zcring_consume(r, soak_check, s, 0);
			if (!ret)
				sched_yield();
		}
		ASSERT_EQ(0, s->bad) TH_LOG("%s", s->why);
		ASSERT_LE(0, ret) TH_LOG("consumer: %s", strerror(-ret));
		if (s->total != last_total) {
			last_total = s->total;
			last_change = zc_now_ms();
		}
		if (s->total >= target &&
		    zc_now_ms() - last_sample_check >= 50) {
			int64_t n = zc_sample_offered();

			ASSERT_LE(0, n);
			if ((uint64_t)n == sample_count)
				break;
			last_sample_check = zc_now_ms();
		}
		ASSERT_GT(last_change + STALL_MS, zc_now_ms())
			TH_LOG("stalled at %" PRIu64 " records", s->total);
	}
	zcring_close(r);
	self->stop = true;
	for (i = 0; i < self->started; i++) {
		pthread_join(self->t[i], NULL);
		ASSERT_EQ(0, p[i].err) TH_LOG("%s: %s",
					      stream_name[p[i].stream],
					      strerror(-p[i].err));
	}
	self->started = 0;

	offered = p[0].committed + p[0].dropped + p[1].committed +
		  p[1].dropped + sample_count;
	soak_drain(_metadata, self, offered, &st);

	dropped = p[0].dropped + p[1].dropped +
		  (sample_count - s->records[SAMPLE]);
	TH_LOG("%" PRIu64 " records verified in %" PRIu64
	       " consumer sessions; %" PRIu64 " offered, %" PRIu64 " dropped",
	       s->total, sessions, offered, dropped);
	for (i = 0; i < STREAMS; i++) {
		TH_LOG("  %-22s %10" PRIu64 " verified", stream_name[i],
		       s->records[i]);
		/* Every producer made it into the ring. */
		EXPECT_LT(0, s->records[i]);
	}
	ASSERT_LE(target, s->total);
	/* Each producer: offered == consumed + its own drops. */
	EXPECT_EQ(p[0].committed, s->records[GEN_A]);
	EXPECT_EQ(p[1].committed, s->records[GEN_B]);
	EXPECT_GE(sample_count, s->records[SAMPLE]);
	/* The ring's counts: exact, and the same as the producers'. */
	EXPECT_EQ(offered, st.produced_records);
	EXPECT_EQ(s->total, st.consumed_records);
	EXPECT_EQ(dropped, st.dropped_records);
	EXPECT_EQ(st.produced_records,
		  st.consumed_records + st.dropped_records);
	EXPECT_EQ(0, st.discarded_records);
}

TEST_HARNESS_MAIN
