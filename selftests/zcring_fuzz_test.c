// SPDX-License-Identifier: GPL-2.0
/*
 * zcring_fuzz_test: a stateful system-call fuzzer for the zcring module.
 *
 * Worker processes (one of them unprivileged, uid 65534, in the group the
 * control device is shared with meanwhile, as the packages share it), each
 * with a few threads, issue random sequences of well-formed and malformed
 * calls on a handful of shared ring names: create and destroy, open in
 * every access mode with and without O_NONBLOCK, close, mmap (right and
 * wrong offsets, lengths, protections), munmap, mprotect, mremap,
 * madvise, read, write, writev, poll, epoll, every ioctl and unknown
 * ones, fcntl, fork, and writes to the consumer page.  Buffers are good,
 * NULL, unmapped, read-only, straddling a hole, or backed by userfaultfd
 * pages whose faults are served after a random delay, as a FUSE or
 * remote mapping would.  The sample module's hard-IRQ producer runs
 * beside them.
 *
 * Oracles, each a failure with the call and the seed:
 *  - a watchdog: every call returns within its bound (a timeout it was
 *    given plus a slack; a call that must not block, within a short bound;
 *    a blocking call, within the interruption every such call gets, since
 *    it must honour signals);
 *  - a record may stay reserved only for a moment: one seen reserved for
 *    seconds waits on something it must not (userspace, say);
 *  - an open of /dev/zcring/NAME that succeeds is on the ring NAME;
 *  - on each thread's private ring, after a drop of its own with a
 *    committed record waiting, poll() reports POLLIN: the consumer must
 *    hear of drops, watermark or not;
 *  - at the end, with every worker gone: no record left reserved, and
 *    produced == consumed + dropped on every ring once drained.
 * The kernel log must stay clean (the VM runner checks it).
 *
 *   zcring_fuzz_test [-t SECONDS] [-s SEED]
 *
 * SECONDS defaults to ZCRING_FUZZ_SECONDS, else 20, and SEED to
 * ZCRING_FUZZ_SEED, else one from the clock.  The seed is printed
 * first; the same seed gives every thread the same sequence of calls
 * (their interleaving is the scheduler's).  Run as root with the module
 * loaded; ZCRING_SAMPLE_KO names the sample producer module.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "zcring_util.h"

#define PROCS 3		/* worker processes; the last one unprivileged */
#define THREADS 2	/* threads per worker */
#define NAMES 4		/* shared ring names, fz0..fz3, and the sample's */
#define FDS 12		/* descriptors a thread keeps */
#define MAPS 8		/* mappings a thread keeps */
#define BUF (128 * 1024)
#define STALL_PAGES 4

/* Bounds, in milliseconds.  TCG and KASAN make everything slow. */
#define SLACK_MS 3000		/* beyond what a call was given */
#define NONBLOCK_MS 2000	/* a call that must not block */
#define INTERRUPT_MS 4000	/* when a blocking call gets a signal */
#define STALL_MAX_MS 4000	/* a userfaultfd fault is served by then */
#define STALL_LONG_MS 3500	/* half the stalls last this long at least */
#define RESERVED_MS 2500	/* a record reserved longer waits on something */

#define SAMPLE_NAME "fz-irq"

/* A watchdog slot per worker thread, in memory shared with the parent. */
struct slot {
	volatile uint64_t start_ms;	/* 0: not in a call */
	volatile uint64_t bound_ms;
	volatile int op;
	volatile int reported;
	volatile uint64_t calls;
};

enum op {
	OP_CREATE, OP_DESTROY, OP_OPEN, OP_CLOSE, OP_MMAP, OP_MUNMAP,
	OP_MPROTECT, OP_MREMAP, OP_MADVISE, OP_READ, OP_WRITE, OP_WRITEV,
	OP_POLL, OP_EPOLL, OP_INFO, OP_STATS, OP_GENERATE, OP_WAKE,
	OP_BAD_IOCTL, OP_FCNTL, OP_FORK, OP_SCRIBBLE, OP_PRIVATE, OP_REARM,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"create", "destroy", "open", "close", "mmap", "munmap", "mprotect",
	"mremap", "madvise", "read", "write", "writev", "poll", "epoll_wait",
	"ioctl(INFO)", "ioctl(STATS)", "ioctl(GENERATE)",
	"ioctl(WAKE_PRODUCERS)", "ioctl(unknown)", "fcntl", "fork",
	"consumer page write", "private ring", "madvise(stall pages)",
};

/* What a failure is, for the counts at the end. */
enum kind {
	K_OVERRAN,	/* the watchdog: a call past its bound */
	K_RESERVED,	/* a record reserved for seconds */
	K_WRONG_RING,	/* an open on another ring than its node's */
	K_DROP_UNSEEN,	/* a drop the consumer's poll() did not hear of */
	K_END,		/* what is left at the end: reservations, counts */
	K_SETUP,	/* the fuzzer's own setup or teardown */
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"call past its bound", "record reserved for seconds",
	"open on another ring", "drop not reported to poll()",
	"ring wrong at the end", "setup",
};

struct shared {
	volatile int stop;
	volatile int failures;
	volatile int kind_count[K_COUNT];
	volatile uint64_t kind_first_ms[K_COUNT];
	/* userfaultfd faults served, and those held long. */
	volatile uint64_t stalls, long_stalls, busy_seen;
	/* The watchdog's, by call. */
	volatile int overran[OP_COUNT];
	volatile uint64_t overran_first_ms[OP_COUNT];
	struct slot slot[PROCS][THREADS];
	uint64_t op_calls[OP_COUNT];
	/* Rings the unprivileged worker created and destroyed. */
	uint64_t user_created, user_destroyed;
};

static struct shared *sh;
static uint64_t seed, start_ms;


/*
 * The failure report: one line, with when and what reproduces it.  The
 * first few of each kind are printed; a flood would hide the others.
 */
static void fail(enum kind kind, const char *fmt, ...)
{
	uint64_t at = zc_now_ms() - start_ms;
	char line[512];
	va_list ap;
	int n;

	__atomic_add_fetch(&sh->failures, 1, __ATOMIC_RELAXED);
	n = __atomic_add_fetch(&sh->kind_count[kind], 1, __ATOMIC_RELAXED);
	if (n == 1)
		sh->kind_first_ms[kind] = at;
	if (n > 3)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# FAIL at %.1f s: %s (seed %" PRIu64 ")\n", at / 1000.0, line,
	       seed);
	fflush(stdout);
}

/* ---- a worker thread's state -------------------------------------------- */

struct map {
	void *addr;
	size_t len;
	int fd;		/* the fd it came from, or -1 once that is closed */
	bool consumer;	/* the consumer page, writable */
};

struct worker {
	int proc, thread;
	bool child;	/* a forked child: no watchdog slot, no timer */
	uint64_t rng;
	bool root;
	int fds[FDS];
	/* O_PATH descriptors of ring nodes, reopened through /proc later. */
	int opath[4];
	char opath_name[4][ZCRING_NAME_MAX];
	struct map maps[MAPS];
	int epfd;
	timer_t timer;
	uint8_t *buf;		/* BUF bytes, good */
	uint8_t *rdonly;	/* a read-only page */
	uint8_t *hole;		/* a page mapped PROT_NONE after buf */
	uint8_t *stall;		/* STALL_PAGES userfaultfd pages, its own */
	/* The private ring, fzp-P-T: nobody else touches it. */
	char priv_name[ZCRING_NAME_MAX];
	int priv_fd;
	struct zcring_consumer_page *priv_cons;
	const uint8_t *priv_map;	/* producer page, data twice */
	size_t priv_size;
};

static uint64_t rnd(struct worker *w)
{
	return zc_xorshift64(&w->rng);
}

static uint64_t below(struct worker *w, uint64_t n)
{
	return n ? rnd(w) % n : 0;
}

static bool chance(struct worker *w, unsigned int one_in)
{
	return below(w, one_in) == 0;
}

static void on_signal(int sig)
{
	(void)sig;
}

/*
 * Enter a call: the watchdog holds it to @bound_ms; a blocking call is
 * interrupted after INTERRUPT_MS by a signal to this thread alone.
 */
static void call_begin(struct worker *w, enum op op, uint64_t bound_ms,
		       bool interrupt)
{
	struct slot *s = &sh->slot[w->proc][w->thread];
	struct itimerspec its = { 0 };

	if (w->child)
		return;
	if (interrupt) {
		its.it_value.tv_sec = INTERRUPT_MS / 1000;
		its.it_value.tv_nsec = (INTERRUPT_MS % 1000) * 1000000L;
		timer_settime(w->timer, 0, &its, NULL);
	}
	s->op = op;
	s->bound_ms = bound_ms;
	s->reported = 0;
	__atomic_store_n(&s->start_ms, zc_now_ms(), __ATOMIC_RELEASE);
}

static void call_end(struct worker *w)
{
	struct slot *s = &sh->slot[w->proc][w->thread];
	struct itimerspec its = { 0 };

	if (w->child)
		return;
	__atomic_store_n(&s->start_ms, 0, __ATOMIC_RELEASE);
	timer_settime(w->timer, 0, &its, NULL);
	s->calls++;
	__atomic_add_fetch(&sh->op_calls[s->op], 1, __ATOMIC_RELAXED);
}

/* ---- choices ------------------------------------------------------------ */

static void pick_name(struct worker *w, char *name, size_t size)
{
	uint64_t n = below(w, NAMES + 1);

	if (n == NAMES)
		snprintf(name, size, SAMPLE_NAME);
	else
		snprintf(name, size, "fz%" PRIu64, n);
}

static int pick_fd(struct worker *w)
{
	int i = below(w, FDS);

	return w->fds[i];
}

static uint64_t pick_size(struct worker *w)
{
	static const uint64_t sizes[] = { 4096, 8192, 65536, 4096, 12288, 0 };

	return sizes[below(w, 6)];
}

/* A buffer of @len bytes, of a random kind; *bound grows for a stall. */
static void *pick_buf(struct worker *w, size_t *len, uint64_t *bound)
{
	size_t page = PAGE;
	uint8_t *p;

	switch (below(w, 10)) {
	case 0:
		return NULL;
	case 1:
		return w->hole;
	case 2:
		/* Read-only: a fine source, a bad destination. */
		if (*len > page)
			*len = page;
		return w->rdonly;
	case 3:
		/* The last bytes of buf, then the hole. */
		return w->buf + BUF - below(w, 64);
	case 4:
	case 5:
		if (!w->stall)
			return w->buf;
		/* One page, so that the call stalls once at most. */
		if (*len > page)
			*len = page;
		*bound += STALL_MAX_MS;
		p = w->stall + below(w, STALL_PAGES) * page;
		/* Mostly gone, so that the call does stall. */
		if (below(w, 4))
			madvise(p, page, MADV_DONTNEED);
		return p;
	default:
		if (*len > BUF)
			*len = BUF;
		return w->buf;
	}
}

static size_t pick_len(struct worker *w)
{
	switch (below(w, 6)) {
	case 0:
		return 0;
	case 1:
		return 1 + below(w, 16);
	case 2:
		return 4088 + below(w, 16);	/* around the largest of 4 KiB */
	case 3:
		return 65536 + below(w, 16);
	default:
		return 1 + below(w, 2048);
	}
}

static bool fd_blocks(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && !(fl & O_NONBLOCK);
}

/* ---- the oracles that need a call's result ------------------------------ */

static void check_opened(struct worker *w, int fd, const char *name)
{
	struct zcring_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, ZCRING_IOC_INFO, &info))
		return;
	if (strncmp(info.name, name, sizeof(info.name)))
		fail(K_WRONG_RING, "proc %d thread %d: open of %s/%s gave a file on ring '%.31s'",
		     w->proc, w->thread, ZCRING_DEV_DIR, name, info.name);
}

/*
 * The private ring, used only by this thread: random writes and reads, a
 * random watermark, and after each drop with a committed record waiting
 * at a sane consumer position, poll() must say POLLIN.
 */
static void private_ring(struct worker *w)
{
	const struct zcring_producer_page *prod = (const void *)w->priv_map;
	const uint8_t *data = w->priv_map + PAGE;
	struct pollfd pfd = { .fd = w->priv_fd, .events = POLLIN };
	size_t len = 1 + below(w, w->priv_size - 8);
	uint64_t cons, pos;
	uint8_t *src;
	uint32_t hlen;
	ssize_t n;

	if (chance(w, 4))
		__atomic_store_n(&w->priv_cons->wake_watermark,
				 below(w, w->priv_size), __ATOMIC_RELAXED);
	if (chance(w, 3)) {
		call_begin(w, OP_PRIVATE, NONBLOCK_MS, false);
		if (read(w->priv_fd, w->buf, BUF) < 0)
			errno = 0;
		call_end(w);
		return;
	}
	if (w->stall && chance(w, 4)) {
		/*
		 * From a page that stalls in its fault: a write that held
		 * its reservation meanwhile would show, to the parent's
		 * look at this ring, as a record reserved for seconds.
		 */
		src = w->stall + below(w, STALL_PAGES) * PAGE;
		madvise(src, PAGE, MADV_DONTNEED);
		call_begin(w, OP_PRIVATE, NONBLOCK_MS + STALL_MAX_MS, false);
		n = write(w->priv_fd, src, 1 + below(w, PAGE - 8));
		call_end(w);
		return;
	}
	call_begin(w, OP_PRIVATE, NONBLOCK_MS, false);
	n = write(w->priv_fd, w->buf, len);
	call_end(w);
	if (n >= 0 || errno != EAGAIN)
		return;
	/* A drop.  Is a committed record waiting at a sane position? */
	cons = __atomic_load_n(&w->priv_cons->consumer_pos, __ATOMIC_RELAXED);
	pos = __atomic_load_n(&prod->producer_pos, __ATOMIC_ACQUIRE);
	if (cons == pos || pos - cons > w->priv_size || cons % ZCRING_REC_ALIGN)
		return;
	hlen = __atomic_load_n((const uint32_t *)(data +
						  (cons & (w->priv_size - 1))),
			       __ATOMIC_ACQUIRE);
	if (hlen & (ZCRING_REC_BUSY | ZCRING_REC_DISCARD))
		return;
	call_begin(w, OP_PRIVATE, NONBLOCK_MS, false);
	n = poll(&pfd, 1, 0);
	call_end(w);
	if (n != 1 || !(pfd.revents & POLLIN))
		fail(K_DROP_UNSEEN, "proc %d thread %d: a write to %s dropped %zu bytes with a record waiting, and poll() said no POLLIN",
		     w->proc, w->thread, w->priv_name, len);
}

/* ---- the calls ---------------------------------------------------------- */

static void forget_fd(struct worker *w, int i)
{
	int m;

	for (m = 0; m < MAPS; m++)
		if (w->maps[m].addr && w->maps[m].fd == w->fds[i])
			w->maps[m].fd = -1;
	w->fds[i] = -1;
}

static void do_mmap(struct worker *w)
{
	int i = below(w, FDS), m = below(w, MAPS), fd = w->fds[i];
	uint64_t size = pick_size(w), off;
	int prot = PROT_READ, flags = MAP_SHARED;
	size_t len;
	void *p;

	if (fd < 0 || w->maps[m].addr)
		return;
	switch (below(w, 4)) {
	case 0:
		off = ZCRING_PGOFF_CONSUMER;
		len = PAGE;
		prot |= PROT_WRITE;
		break;
	case 1:
		off = ZCRING_PGOFF_PRODUCER;
		len = PAGE + 2 * size;
		break;
	case 2:
		off = below(w, 6);
		len = PAGE * (1 + below(w, 40));
		break;
	default:
		off = ZCRING_PGOFF_PRODUCER;
		len = PAGE + size;
		break;
	}
	if (chance(w, 6))
		prot |= PROT_WRITE;
	if (chance(w, 12))
		prot |= PROT_EXEC;
	if (chance(w, 12))
		flags = MAP_PRIVATE;
	call_begin(w, OP_MMAP, NONBLOCK_MS, false);
	p = mmap(NULL, len, prot, flags, fd, off * PAGE);
	call_end(w);
	if (p == MAP_FAILED)
		return;
	w->maps[m] = (struct map){ .addr = p, .len = len, .fd = fd,
				   .consumer = off == ZCRING_PGOFF_CONSUMER &&
					       (prot & PROT_WRITE) };
}

static void do_map_op(struct worker *w, enum op op)
{
	struct map *m = &w->maps[below(w, MAPS)];
	static const int advice[] = { MADV_DONTNEED, MADV_REMOVE,
				      MADV_DONTFORK, MADV_DOFORK,
				      MADV_WILLNEED, MADV_FREE };
	void *p;

	if (!m->addr)
		return;
	call_begin(w, op, NONBLOCK_MS, false);
	switch (op) {
	case OP_MUNMAP:
		if (chance(w, 3) && m->len > PAGE) {
			munmap((uint8_t *)m->addr + m->len - PAGE, PAGE);
			m->len -= PAGE;
		} else {
			munmap(m->addr, m->len);
			m->addr = NULL;
		}
		break;
	case OP_MPROTECT:
		mprotect(m->addr, m->len, below(w, 8));
		break;
	case OP_MREMAP:
		p = mremap(m->addr, m->len,
			   chance(w, 2) ? m->len + PAGE : m->len,
			   MREMAP_MAYMOVE);
		if (p != MAP_FAILED)
			m->addr = p;
		break;
	default:
		madvise(m->addr, m->len, advice[below(w, 6)]);
		break;
	}
	call_end(w);
	/* Whatever the protection now, the consumer page is written by
	 * the scribble op only through a fresh mprotect: keep it simple. */
	if (op == OP_MPROTECT)
		m->consumer = false;
}

static void do_io(struct worker *w, enum op op)
{
	int fd = pick_fd(w);
	size_t len = pick_len(w);
	uint64_t bound;
	bool blocks;
	struct iovec iov[3];
	void *b;
	ssize_t n;

	if (fd < 0)
		return;
	blocks = fd_blocks(fd);
	bound = blocks ? INTERRUPT_MS + SLACK_MS : NONBLOCK_MS;
	b = pick_buf(w, &len, &bound);
	call_begin(w, op, bound, blocks);
	switch (op) {
	case OP_READ:
		n = read(fd, b, len);
		break;
	case OP_WRITE:
		n = write(fd, b, len);
		break;
	default:
		iov[0] = (struct iovec){ b, len / 2 };
		iov[1] = (struct iovec){ w->buf, below(w, 64) };
		iov[2] = (struct iovec){ (uint8_t *)b + len / 2, len - len / 2 };
		n = writev(fd, iov, 3);
		break;
	}
	call_end(w);
	(void)n;
}

static void do_poll(struct worker *w, enum op op)
{
	int fd = pick_fd(w), timeout = below(w, 4) ? below(w, 100) : 0;
	static const short ev[] = { POLLIN, POLLOUT, POLLIN | POLLOUT,
				    POLLPRI, 0 };
	struct epoll_event e = { .events = ev[below(w, 5)] }, out[4];
	struct pollfd pfd = { .fd = fd, .events = ev[below(w, 5)] };

	if (fd < 0)
		return;
	if (op == OP_EPOLL) {
		if (chance(w, 2)) {
			epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e);
			if (chance(w, 4))
				epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
		}
		call_begin(w, op, timeout + SLACK_MS, true);
		epoll_wait(w->epfd, out, 4, timeout);
	} else {
		call_begin(w, op, timeout + SLACK_MS, true);
		poll(&pfd, 1, timeout);
	}
	call_end(w);
}

static void do_ioctl(struct worker *w, enum op op)
{
	int fd = pick_fd(w);
	struct zcring_generate gen = { .size = sizeof(gen) };
	struct zcring_stats st;
	struct zcring_info info;
	uint64_t bound = NONBLOCK_MS;
	bool interrupt = false;
	void *arg;
	size_t len = sizeof(gen);

	if (fd < 0)
		return;
	switch (op) {
	case OP_INFO:
		arg = chance(w, 5) ? pick_buf(w, &len, &bound) : &info;
		call_begin(w, op, bound, false);
		ioctl(fd, ZCRING_IOC_INFO, arg);
		break;
	case OP_STATS:
		arg = chance(w, 5) ? pick_buf(w, &len, &bound) : &st;
		call_begin(w, op, bound, false);
		ioctl(fd, ZCRING_IOC_STATS, arg);
		break;
	case OP_GENERATE:
		gen.flags = below(w, 8);
		if (chance(w, 10))
			gen.flags |= 1U << below(w, 32);
		gen.count = below(w, 400);
		gen.record_size = chance(w, 8) ? below(w, 70000) :
						 16 + below(w, 2000);
		if (chance(w, 20))
			gen.reserved[below(w, 2)] = 1;
		arg = &gen;
		if (chance(w, 10))
			arg = pick_buf(w, &len, &bound);
		if (gen.flags & ZCRING_GEN_BLOCK) {
			bound = INTERRUPT_MS + SLACK_MS;
			interrupt = true;
		}
		call_begin(w, op, bound, interrupt);
		ioctl(fd, ZCRING_IOC_GENERATE, arg);
		break;
	case OP_WAKE:
		call_begin(w, op, bound, false);
		ioctl(fd, ZCRING_IOC_WAKE_PRODUCERS);
		break;
	default:
		call_begin(w, op, bound, false);
		ioctl(fd, _IOC(below(w, 4), ZCRING_IOC_MAGIC, below(w, 0x20),
			       below(w, 256)),
		      chance(w, 2) ? (void *)w->buf : NULL);
		break;
	}
	call_end(w);
}

/* Scribble on a consumer page: positions near and far, watermarks. */
static void do_scribble(struct worker *w)
{
	struct map *m = &w->maps[below(w, MAPS)];
	struct zcring_consumer_page *c = m->addr;

	if (!m->addr || !m->consumer)
		return;
	call_begin(w, OP_SCRIBBLE, NONBLOCK_MS, false);
	if (chance(w, 2))
		__atomic_store_n(&c->consumer_pos,
				 chance(w, 2) ? rnd(w) :
						c->consumer_pos + 8 * below(w, 64),
				 __ATOMIC_RELEASE);
	else
		__atomic_store_n(&c->wake_watermark, rnd(w) >> below(w, 64),
				 __ATOMIC_RELAXED);
	call_end(w);
}

static void one_op(struct worker *w, bool child);

/* How often each call comes, relative to the others. */
static const unsigned char op_weight[OP_COUNT] = {
	[OP_CREATE] = 2, [OP_DESTROY] = 2, [OP_OPEN] = 3, [OP_CLOSE] = 2,
	[OP_MMAP] = 2, [OP_MUNMAP] = 1, [OP_MPROTECT] = 1, [OP_MREMAP] = 1,
	[OP_MADVISE] = 1, [OP_READ] = 4, [OP_WRITE] = 3, [OP_WRITEV] = 1,
	[OP_POLL] = 2, [OP_EPOLL] = 1, [OP_INFO] = 1, [OP_STATS] = 1,
	[OP_GENERATE] = 2, [OP_WAKE] = 1, [OP_BAD_IOCTL] = 1, [OP_FCNTL] = 1,
	[OP_FORK] = 1, [OP_SCRIBBLE] = 2, [OP_PRIVATE] = 3, [OP_REARM] = 1,
};

static enum op pick_op(struct worker *w)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < OP_COUNT; i++)
		total += op_weight[i];
	r = below(w, total);
	for (i = 0; r >= op_weight[i]; i++)
		r -= op_weight[i];
	return i;
}

/* A child: a few calls on what it inherited, then gone, as it likes. */
static void do_fork(struct worker *w)
{
	pid_t pid;
	int i;

	call_begin(w, OP_FORK, NONBLOCK_MS, false);
	pid = fork();
	call_end(w);
	if (pid)
		return;
	/* Not this thread's watchdog slot: the alarm bounds the child. */
	w->child = true;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(20);
	w->rng ^= getpid();
	for (i = 0; i < 20; i++)
		one_op(w, true);
	_exit(0);
}

static void one_op(struct worker *w, bool child)
{
	enum op op = pick_op(w);
	char name[ZCRING_NAME_MAX], path[64];
	int i, fd, mode, c;

	/* A child leaves the private ring and forking to its parent. */
	if (child && (op == OP_FORK || op == OP_PRIVATE))
		return;
	switch (op) {
	case OP_CREATE:
		pick_name(w, name, sizeof(name));
		mode = chance(w, 8) ? (int)rnd(w) : (int)below(w, 01000);
		call_begin(w, op, NONBLOCK_MS, false);
		if (!child && !zc_create(name, pick_size(w),
					 chance(w, 8) ? rnd(w) : below(w, 2),
					 mode) && !w->root)
			__atomic_add_fetch(&sh->user_created, 1,
					   __ATOMIC_RELAXED);
		call_end(w);
		break;
	case OP_DESTROY:
		pick_name(w, name, sizeof(name));
		call_begin(w, op, NONBLOCK_MS, false);
		if (!child && !zc_destroy(name) && !w->root)
			__atomic_add_fetch(&sh->user_destroyed, 1,
					   __ATOMIC_RELAXED);
		call_end(w);
		break;
	case OP_OPEN:
		i = below(w, FDS);
		if (w->fds[i] >= 0)
			break;
		pick_name(w, name, sizeof(name));
		mode = (int[]){ O_RDONLY, O_WRONLY, O_RDWR }[below(w, 3)];
		if (chance(w, 2))
			mode |= O_NONBLOCK;
		c = below(w, 4);
		if (chance(w, 4)) {
			/* Hold the node, as it is now, for a later open. */
			if (w->opath[c] >= 0)
				close(w->opath[c]);
			snprintf(path, sizeof(path), ZCRING_DEV_DIR "/%s",
				 name);
			w->opath[c] = open(path, O_PATH | O_CLOEXEC);
			snprintf(w->opath_name[c], sizeof(w->opath_name[c]),
				 "%s", name);
			break;
		}
		call_begin(w, op, NONBLOCK_MS, false);
		if (chance(w, 3) && w->opath[c] >= 0) {
			/* The node held: it may be a destroyed ring's. */
			snprintf(path, sizeof(path), "/proc/self/fd/%d",
				 w->opath[c]);
			snprintf(name, sizeof(name), "%s", w->opath_name[c]);
			fd = open(path, mode | O_CLOEXEC);
		} else {
			fd = zc_open(name, mode);
		}
		call_end(w);
		if (fd < 0)
			break;
		w->fds[i] = fd;
		check_opened(w, fd, name);
		break;
	case OP_CLOSE:
		i = below(w, FDS);
		if (w->fds[i] < 0)
			break;
		call_begin(w, op, NONBLOCK_MS, false);
		close(w->fds[i]);
		call_end(w);
		forget_fd(w, i);
		break;
	case OP_MMAP:
		do_mmap(w);
		break;
	case OP_MUNMAP:
	case OP_MPROTECT:
	case OP_MREMAP:
	case OP_MADVISE:
		do_map_op(w, op);
		break;
	case OP_READ:
	case OP_WRITE:
	case OP_WRITEV:
		do_io(w, op);
		break;
	case OP_POLL:
	case OP_EPOLL:
		do_poll(w, op);
		break;
	case OP_INFO:
	case OP_STATS:
	case OP_GENERATE:
	case OP_WAKE:
	case OP_BAD_IOCTL:
		do_ioctl(w, op);
		break;
	case OP_FCNTL:
		fd = pick_fd(w);
		if (fd < 0)
			break;
		call_begin(w, op, NONBLOCK_MS, false);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) ^ O_NONBLOCK);
		call_end(w);
		break;
	case OP_FORK:
		if (chance(w, 4))
			do_fork(w);
		break;
	case OP_SCRIBBLE:
		do_scribble(w);
		break;
	case OP_PRIVATE:
		if (w->priv_fd >= 0)
			private_ring(w);
		break;
	case OP_REARM:
		/* The stall pages fault again, to be served late again. */
		if (!w->stall)
			break;
		call_begin(w, op, NONBLOCK_MS, false);
		madvise(w->stall, STALL_PAGES * PAGE, MADV_DONTNEED);
		call_end(w);
		break;
	default:
		break;
	}
}

/* ---- the userfaultfd server: faults served after a random delay --------- */

struct stall_server {
	int uffd;
	uint64_t rng;
	volatile bool done;	/* every worker thread of the process is */
};

static void *stall_serve(void *arg)
{
	struct stall_server *s = arg;
	struct { uint64_t addr, due; } pending[64];
	int n = 0, i, timeout;
	uint64_t delay;

	/* Until no thread is left to fault: a fault never served hangs it. */
	while (!s->done) {
		struct pollfd pfd = { .fd = s->uffd, .events = POLLIN };
		uint64_t now = zc_now_ms(), next = now + 100;
		struct uffd_msg msg;

		for (i = 0; i < n; i++)
			if (pending[i].due < next)
				next = pending[i].due;
		timeout = next > now ? next - now : 0;
		if (poll(&pfd, 1, timeout) == 1 &&
		    read(s->uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		    msg.event == UFFD_EVENT_PAGEFAULT && n < 64) {
			pending[n].addr = msg.arg.pagefault.address & ~(PAGE - 1);
			/* Half short, half longer than a reservation may be. */
			delay = zc_xorshift64(&s->rng) % 1000;
			if (delay & 1)
				delay = STALL_LONG_MS + delay % (STALL_MAX_MS -
								 STALL_LONG_MS);
			pending[n].due = zc_now_ms() + delay;
			__atomic_add_fetch(&sh->stalls, 1, __ATOMIC_RELAXED);
			if (delay >= STALL_LONG_MS)
				__atomic_add_fetch(&sh->long_stalls, 1,
						   __ATOMIC_RELAXED);
			/* Stopping: every thread must be able to finish. */
			if (sh->stop)
				pending[n].due = 0;
			n++;
		}
		now = zc_now_ms();
		for (i = 0; i < n; i++) {
			struct uffdio_zeropage zp = {
				.range = { pending[i].addr, PAGE },
			};

			if (pending[i].due > now && !sh->stop)
				continue;
			/* EEXIST if it came in meanwhile: fine. */
			ioctl(s->uffd, UFFDIO_ZEROPAGE, &zp);
			pending[i--] = pending[--n];
		}
	}
	return NULL;
}

/* ---- workers ------------------------------------------------------------ */

struct thread_arg {
	struct worker w;
	int uffd;
};

static int setup_private(struct worker *w)
{
	w->priv_size = 4096;
	snprintf(w->priv_name, sizeof(w->priv_name), "fzp-%d-%d", w->proc,
		 w->thread);
	zc_destroy(w->priv_name);
	if (zc_create(w->priv_name, w->priv_size, 0, 0600))
		return -1;
	w->priv_fd = zc_open(w->priv_name, O_RDWR | O_NONBLOCK);
	if (w->priv_fd < 0)
		return -1;
	w->priv_cons = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			    w->priv_fd, 0);
	w->priv_map = mmap(NULL, PAGE + 2 * w->priv_size, PROT_READ,
			   MAP_SHARED, w->priv_fd, PAGE);
	if (w->priv_cons == MAP_FAILED || w->priv_map == MAP_FAILED)
		return -1;
	return 0;
}

/*
 * This thread's own pages whose faults the server serves late.  Its own,
 * so that nobody else makes them fault again during one of its calls:
 * each call stalls once at most, and the watchdog can bound it.
 */
static int stall_pages(struct worker *w, int uffd)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	/* Without userfaultfd there are none: pick_buf() does without. */
	w->stall = NULL;
	if (uffd < 0)
		return 0;
	w->stall = mmap(NULL, STALL_PAGES * PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->stall == MAP_FAILED)
		return -1;
	reg.range.start = (unsigned long)w->stall;
	reg.range.len = STALL_PAGES * PAGE;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		fail(K_SETUP, "proc %d thread %d: UFFDIO_REGISTER: %s", w->proc,
		     w->thread, strerror(errno));
		return -1;
	}
	return 0;
}

static void *worker_thread(void *arg)
{
	struct thread_arg *t = arg;
	struct worker *w = &t->w;
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR1,
	};
	int i;

	/* glibc names it sigev_notify_thread_id only from 2.41. */
	sev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &w->timer))
		return NULL;
	for (i = 0; i < FDS; i++)
		w->fds[i] = -1;
	for (i = 0; i < 4; i++)
		w->opath[i] = -1;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->buf = mmap(NULL, BUF + PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w->rdonly = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (w->buf == MAP_FAILED || w->rdonly == MAP_FAILED)
		return NULL;
	w->hole = w->buf + BUF;
	mprotect(w->hole, PAGE, PROT_NONE);
	memset(w->buf, 0x5a, BUF);
	if (stall_pages(w, t->uffd))
		return NULL;
	w->priv_fd = -1;
	if (w->root && setup_private(w))
		fail(K_SETUP, "proc %d thread %d: cannot set up the private ring",
		     w->proc, w->thread);
	while (!sh->stop)
		one_op(w, false);
	return NULL;
}

static int worker(int proc)
{
	struct thread_arg args[THREADS];
	struct stall_server server;
	struct uffdio_api api = { .api = UFFD_API };
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_t t[THREADS], st;
	bool root = proc != PROCS - 1;
	int i;

	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/*
	 * Before dropping privileges: kernel-mode faults need them.  A
	 * kernel without userfaultfd gets no stalling buffers.
	 */
	server.uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (server.uffd >= 0 && ioctl(server.uffd, UFFDIO_API, &api)) {
		fail(K_SETUP, "proc %d: UFFDIO_API: %s", proc, strerror(errno));
		return 1;
	}
	if (server.uffd < 0 && proc == 0)
		printf("# no userfaultfd (%s): no stalling buffers\n",
		       strerror(errno));
	server.rng = seed * 7919 + proc + 1;
	server.done = false;
	if (server.uffd >= 0)
		pthread_create(&st, NULL, stall_serve, &server);
	/* The unprivileged one in the group the control device is shared with. */
	if (!root && (setgroups(1, (gid_t[]){ ZC_SHARED_GID }) ||
		      setgid(65534) || setuid(65534))) {
		fail(K_SETUP, "proc %d: cannot drop privileges", proc);
		return 1;
	}
	for (i = 0; i < THREADS; i++) {
		args[i] = (struct thread_arg){ .uffd = server.uffd };
		args[i].w.proc = proc;
		args[i].w.thread = i;
		args[i].w.root = root;
		args[i].w.rng = seed * 1000003 + proc * 101 + i + 1;
		pthread_create(&t[i], NULL, worker_thread, &args[i]);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	server.done = true;
	if (server.uffd >= 0)
		pthread_join(st, NULL);
	return 0;
}

/* ---- the parent: watchdog, reservations, the end ------------------------ */

static void watchdog(void)
{
	int p, t;

	for (p = 0; p < PROCS; p++)
		for (t = 0; t < THREADS; t++) {
			struct slot *s = &sh->slot[p][t];
			uint64_t start = __atomic_load_n(&s->start_ms,
							 __ATOMIC_ACQUIRE);
			/* After start: a call begun since is not in the past. */
			uint64_t now = zc_now_ms();

			if (!start || s->reported || now < start ||
			    now - start <= s->bound_ms)
				continue;
			s->reported = 1;
			if (!sh->overran[s->op]++)
				sh->overran_first_ms[s->op] = now - start_ms;
			fail(K_OVERRAN, "proc %d thread %d: %s still running after %" PRIu64
			     " ms, bound %" PRIu64 " ms",
			     p, t, op_names[s->op], now - start, s->bound_ms);
		}
}

/* A record seen reserved at the same place for too long. */
struct reserved {
	char name[ZCRING_NAME_MAX];
	uint64_t pos;
	uint32_t seq;
	uint64_t since;
	bool reported;
};

#define WATCHED (NAMES + 1 + PROCS * THREADS)
static struct reserved held[WATCHED];

/*
 * The first reserved record from @pos to @prod in a ring's @data (the
 * first copy, @size bytes): its position and header seq in *at and *seq.
 * A scribbled consumer position may sit inside a record, so each header
 * read on the way must at least look like one, busy or not.
 */
static bool first_reserved(const uint8_t *data, uint64_t size, uint64_t pos,
			   uint64_t prod, uint64_t *at, uint32_t *seq)
{
	const struct zcring_rec_hdr *hdr;
	uint32_t len;
	int steps;

	if (prod - pos > size || pos % ZCRING_REC_ALIGN)
		return false;
	for (steps = 0; pos != prod && steps < 100000; steps++) {
		hdr = (const void *)(data + (pos & (size - 1)));
		len = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE);
		if ((len & ZCRING_REC_LEN_MASK) > size - sizeof(*hdr) ||
		    ZCRING_REC_SIZE(len & ZCRING_REC_LEN_MASK) > prod - pos)
			return false;
		if (len & ZCRING_REC_BUSY) {
			*at = pos;
			*seq = hdr->seq;
			return true;
		}
		if (!(len & ZCRING_REC_LEN_MASK))
			return false;
		pos += ZCRING_REC_SIZE(len & ZCRING_REC_LEN_MASK);
	}
	return false;
}

/*
 * Look at each ring's first reserved record between the consumer and the
 * producer, through a read-only mapping of our own: the shared rings, the
 * sample's, and the private ones, whose consumer positions are sane.
 */
static void check_reservations(void)
{
	static uint8_t drain[65536];
	char name[ZCRING_NAME_MAX];
	int i;

	for (i = 0; i < WATCHED; i++) {
		struct reserved *r = &held[i];
		struct zcring_info info = { 0 };
		struct zcring_stats st;
		uint64_t pos = 0;
		uint32_t seq = 0;
		bool found = false;
		void *map = MAP_FAILED;
		int fd, n;

		if (i < NAMES)
			snprintf(name, sizeof(name), "fz%d", i);
		else if (i == NAMES)
			snprintf(name, sizeof(name), SAMPLE_NAME);
		else
			snprintf(name, sizeof(name), "fzp-%d-%d",
				 (i - NAMES - 1) / THREADS,
				 (i - NAMES - 1) % THREADS);
		fd = zc_open(name, O_RDONLY | O_NONBLOCK);
		if (fd >= 0 && !zc_stats(fd, &st) &&
		    !ioctl(fd, ZCRING_IOC_INFO, &info))
			map = mmap(NULL, PAGE + 2 * info.data_size, PROT_READ,
				   MAP_SHARED, fd, PAGE);
		/*
		 * Consume a little of the shared rings too: rings nobody
		 * reads stay full, and a write to a full ring reserves nothing
		 * to watch.
		 */
		for (n = 0; fd >= 0 && n < 64 && i <= NAMES; n++)
			if (read(fd, drain, sizeof(drain)) <= 0)
				break;
		if (fd >= 0)
			close(fd);
		if (map != MAP_FAILED) {
			found = first_reserved((const uint8_t *)map + PAGE,
					       info.data_size, st.consumer_pos,
					       st.producer_pos, &pos, &seq);
			munmap(map, PAGE + 2 * info.data_size);
		}
		if (found)
			sh->busy_seen++;
		if (!found || strcmp(r->name, name) || r->pos != pos ||
		    r->seq != seq || !r->since) {
			snprintf(r->name, sizeof(r->name), "%s", name);
			r->pos = pos;
			r->seq = seq;
			r->since = found ? zc_now_ms() : 0;
			r->reported = false;
			continue;
		}
		if (!r->reported && zc_now_ms() - r->since > RESERVED_MS) {
			r->reported = true;
			fail(K_RESERVED, "ring %s: the record at %" PRIu64
			     " (seq %u) stays reserved for %" PRIu64
			     " ms: a reservation waits on something",
			     name, pos, seq, zc_now_ms() - r->since);
		}
	}
}

/* Drain a ring by read() and check what is left and the counts. */
static void check_ring_at_end(const char *name)
{
	struct zcring_stats st;
	struct zcring_consumer_page *cons;
	static uint8_t buf[BUF];
	int fd, i;
	ssize_t n;

	fd = zc_open(name, O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return;
	for (i = 0; i < 1000000; i++) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
	}
	/* Every worker is gone, and with it every file that consumed. */
	if (n < 0 && errno == EBUSY)
		fail(K_END, "ring %s: its consumer role outlives every file",
		     name);
	if (n < 0 && errno == EBADMSG) {
		/* A scribbled position: no record can be found from it. */
		cons = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    0);
		if (cons != MAP_FAILED && !zc_stats(fd, &st)) {
			cons->consumer_pos = st.producer_pos;
			munmap(cons, PAGE);
		}
	}
	if (zc_stats(fd, &st)) {
		close(fd);
		return;
	}
	if (st.producer_pos != st.consumer_pos)
		fail(K_END, "ring %s: %" PRIu64 " bytes left after draining it, every producer gone: a record still reserved",
		     name, st.producer_pos - st.consumer_pos);
	if (st.produced_records != st.consumed_records + st.dropped_records)
		fail(K_END, "ring %s: produced %" PRIu64 " != consumed %" PRIu64
		     " + dropped %" PRIu64,
		     name, st.produced_records, st.consumed_records,
		     st.dropped_records);
	close(fd);
}

/*
 * Reap whatever exited: workers, and their children, which come to us
 * as orphans.  A worker that ends before the others is a failure.  The
 * number of workers still running.
 */
static int reap(pid_t *pids)
{
	int p, status, left = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (p = 0; p < PROCS; p++) {
			if (pids[p] != pid)
				continue;
			pids[p] = 0;
			if (!sh->stop)
				fail(K_SETUP, "worker %d ended early (status %#x)", p,
				     status);
		}
	for (p = 0; p < PROCS; p++)
		left += pids[p] != 0;
	return left;
}

int main(int argc, char **argv)
{
	const char *env = getenv("ZCRING_FUZZ_SECONDS");
	const char *ko = getenv("ZCRING_SAMPLE_KO");
	uint64_t seconds = env ? strtoull(env, NULL, 10) : 20, end, total = 0;
	pid_t pids[PROCS];
	char name[ZCRING_NAME_MAX], params[160];
	int c, p, i;
	bool sample = false;

	env = getenv("ZCRING_FUZZ_SEED");
	start_ms = zc_now_ms();
	seed = env && *env ? strtoull(env, NULL, 10) :
			     zc_now_ms() ^ (getpid() * 2654435761ULL);
	while ((c = getopt(argc, argv, "t:s:")) != -1) {
		switch (c) {
		case 't':
			seconds = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED]\n",
				argv[0]);
			return 2;
		}
	}
	if (getuid()) {
		printf("# the fuzzer runs as root\n");
		return 4;	/* kselftest's skip */
	}
	printf("# zcring kernel fuzzer: seed %" PRIu64 ", %" PRIu64
	       " s, %d processes of %d threads\n",
	       seed, seconds, PROCS, THREADS);
	fflush(stdout);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	memset(sh, 0, sizeof(*sh));
	/* Orphaned grandchildren come to us, to be reaped before the end. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	if (ko) {
		snprintf(params, sizeof(params),
			 "name=" SAMPLE_NAME " size=65536 period_us=500 burst=6 record_size=40 mode=0666");
		sample = !zc_finit_module(ko, params);
		if (!sample)
			fail(K_SETUP, "cannot load %s", ko);
	}
	/*
	 * Shared with a group, as the packages' udev rule shares it: the
	 * unprivileged worker creates and destroys rings too, its own and, in
	 * vain, root's.
	 */
	if (zc_share_control(true))
		fail(K_SETUP, "cannot share the control device");
	for (p = 0; p < PROCS; p++) {
		pids[p] = fork();
		if (pids[p] == 0)
			_exit(worker(p));
	}
	end = zc_now_ms() + seconds * 1000;
	for (i = 0; zc_now_ms() < end; i++) {
		zc_msleep(100);
		watchdog();
		if (i % 2 == 0)
			check_reservations();
		reap(pids);
	}
	sh->stop = 1;
	/* Each finishes its call: a blocking one is interrupted in time. */
	for (i = 0; i < 10 * (INTERRUPT_MS + STALL_MAX_MS + SLACK_MS) / 1000;
	     i++) {
		watchdog();
		zc_msleep(100);
		if (!reap(pids))
			break;
	}
	for (p = 0; p < PROCS; p++)
		if (pids[p]) {
			fail(K_OVERRAN, "worker %d did not stop", p);
			kill(pids[p], SIGKILL);
			waitpid(pids[p], NULL, 0);
		}
	while (waitpid(-1, NULL, 0) > 0)
		;
	if (zc_share_control(false))
		fail(K_SETUP, "cannot give the control device back to root");

	if (sample && zc_delete_module("zcring_sample"))
		fail(K_SETUP, "cannot unload the sample module");
	for (i = 0; i < NAMES; i++) {
		snprintf(name, sizeof(name), "fz%d", i);
		check_ring_at_end(name);
		zc_destroy(name);
	}
	for (p = 0; p < PROCS; p++)
		for (c = 0; c < THREADS; c++) {
			snprintf(name, sizeof(name), "fzp-%d-%d", p, c);
			check_ring_at_end(name);
			zc_destroy(name);
		}
	for (i = 0; i < OP_COUNT; i++)
		total += sh->op_calls[i];
	printf("# %" PRIu64 " calls:", total);
	for (i = 0; i < OP_COUNT; i++)
		printf(" %s %" PRIu64 "%s", op_names[i], sh->op_calls[i],
		       i + 1 < OP_COUNT ? "," : "\n");
	printf("# the unprivileged worker created %" PRIu64
	       " rings and destroyed %" PRIu64 "\n",
	       sh->user_created, sh->user_destroyed);
	for (i = 0; i < OP_COUNT; i++)
		if (sh->overran[i])
			printf("# %s past its bound: %d, the first at %.1f s\n",
			       op_names[i], sh->overran[i],
			       sh->overran_first_ms[i] / 1000.0);
	for (i = 0; i < K_COUNT; i++)
		if (sh->kind_count[i])
			printf("# %s: %d, the first at %.1f s\n", kind_names[i],
			       sh->kind_count[i], sh->kind_first_ms[i] / 1000.0);
	printf("# %" PRIu64 " faults stalled (%" PRIu64
	       " long); a reserved record seen %" PRIu64 " times\n",
	       sh->stalls, sh->long_stalls, sh->busy_seen);
	printf("# %d failures\n", sh->failures);
	return sh->failures ? 1 : 0;
}
